"""Disk full (ENOSPC) while `lift dynamorm migrate` writes its state file, and an unwritable state
directory.

The state directory lives on a real, tiny tmpfs when this process may mount one (root, as in the
dev container); the disk is then filled for real with a filler file at the chosen moment, so the
kernel's own ENOSPC hits the state write. Without mount rights (CI runners) the same tests use an
injected ENOSPC instead: ``os.fsync`` fails for files under the state directory while the "disk"
is full. Either way:

* the run stops with exit 1 and a message naming the state file and "No space left on device"
  (no traceback, not the internal-error exit 70);
* the state file on disk is the previous, complete JSON (atomic write): never half a document;
* after space is freed, `migrate --resume` finishes a table replacement with every item copied
  exactly once (counts and content hashes of old and new table match);
* a full disk or an unwritable state directory before the run starts refuses it before any
  DynamoDB change.

`local start` with a full disk under .lift/dynamorm: exit 1 with a message, no server left.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.dynamorm import state as state_module
from liftcli.dynamorm.copy import table_digest
from liftcli.dynamorm.diff import diff
from liftcli.dynamorm.introspect import fetch_table_spec
from liftcli.dynamorm.migration_file import render_migration
from liftcli.dynamorm.model import Index, KeyAttribute
from liftcli.dynamorm.plan import plan
from liftcli.dynamorm.spec import TableSpec
from tests.conftest import skip_or_fail
from tests.integration.test_migrate_apply import create_orders, make_client

pytestmark = pytest.mark.integration

ITEMS = 600
PK, SK = KeyAttribute("pk", "S"), KeyAttribute("sk", "S")
NO_SPACE = os.strerror(errno.ENOSPC)  # "No space left on device"
#: LIFT_TEST_NO_MOUNT=1 exercises the fallback (injected ENOSPC) on a machine that could mount;
#: read at import, before tests/conftest.py strips LIFT_* variables
NO_MOUNT = os.environ.get("LIFT_TEST_NO_MOUNT") == "1"


# ---------------------------------------------------------------------------------------------
# A small disk under the project's .lift directory
# ---------------------------------------------------------------------------------------------


class SmallDisk:
    """``path`` is a directory that can be filled (``fill``) and freed (``free``)."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch, *, allow_mount: bool = True) -> None:
        self.path = path
        self.full = False
        path.mkdir(parents=True, exist_ok=True)
        self.mode = "tmpfs" if allow_mount and not NO_MOUNT and self._mount() else "injected"
        if self.mode == "injected":
            real_fsync = os.fsync
            disk = self

            def fsync(fd: int) -> None:
                if disk.full:
                    try:
                        target = os.readlink(f"/proc/self/fd/{fd}")
                    except OSError:
                        target = ""
                    if target.startswith(str(disk.path) + os.sep):
                        raise OSError(errno.ENOSPC, NO_SPACE)
                real_fsync(fd)

            monkeypatch.setattr(os, "fsync", fsync)

    def _mount(self) -> bool:
        options = f"size=4m,uid={os.getuid()},gid={os.getgid()},mode=0755"
        done = _privileged(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(self.path)])
        return done is not None and done.returncode == 0

    def fill(self) -> None:
        self.full = True
        if self.mode == "tmpfs":
            fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                for size in (65536, 4096, 512, 1):  # down to the last byte
                    chunk = b"\0" * size
                    try:
                        while True:
                            os.write(fd, chunk)
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC, exc
            finally:
                os.close(fd)

    def free(self) -> None:
        self.full = False
        if self.mode == "tmpfs":
            (self.path / "filler").unlink(missing_ok=True)

    def require_real(self) -> None:
        """Child processes need the real full disk (the injected ENOSPC is in-process only)."""
        if self.mode != "tmpfs":
            message = "cannot mount a tmpfs here (needs root or passwordless sudo)"
            skip_or_fail(message)

    def unmount(self) -> None:
        if self.mode == "tmpfs":
            _privileged(["umount", "-l", str(self.path)])


def _privileged(argv: list[str]) -> subprocess.CompletedProcess[bytes] | None:
    """Run argv as root (directly, or through passwordless sudo); None when impossible."""
    if sys.platform != "linux":
        return None
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            return None
        argv = ["sudo", "-n", *argv]
    return subprocess.run(argv, capture_output=True, check=False, timeout=30)


@pytest.fixture
def disk(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    small = SmallDisk(project / ".lift", monkeypatch)
    try:
        yield small
    finally:
        small.unmount()


# ---------------------------------------------------------------------------------------------
# Tables and migrations on the shared server
# ---------------------------------------------------------------------------------------------


def write_migration(project: Path, client: Any, desired: TableSpec, kind: str) -> Path:
    actual = fetch_table_spec(client, desired.name, kind)
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    migration = plan(diff(desired, actual), now=now, actual={desired.name: actual})
    assert migration.ok, migration.issues
    path = project / "migrations" / "dynamorm" / "0001_change.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        render_migration(
            migration,
            migration_id="0001",
            name="change",
            created_at=now,
            desired_specs={desired.name: desired},
        ),
        encoding="utf-8",
    )
    return path


def endpoint_kind(server: Any) -> str:
    return "dynamodb-local" if server.backend == "jar" else "moto"


def migrate(url: str, *args: str) -> Any:
    return CliRunner().invoke(lift_group, ["dynamorm", "migrate", "--yes", *args, "--endpoint-url", url])


def run_files(project: Path) -> list[Path]:
    return sorted((project / ".lift" / "dynamorm").glob("*/run-0001.json"))


def assert_clear_enospc(result: Any, names: str) -> None:
    assert result.exit_code == 1, f"exit {result.exit_code}:\n{result.output}"
    assert "Traceback" not in result.output and "Internal error" not in result.output, result.output
    assert NO_SPACE in result.stderr, result.stderr
    assert names in result.stderr, f"the message should name {names}:\n{result.stderr}"


def assert_no_temp_files(directory: Path) -> None:
    leftovers = [p for p in directory.rglob("*.tmp") if p.is_file()]
    assert not leftovers, f"temporary state files left behind: {leftovers}"


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def test_enospc_mid_copy_then_resume_loses_and_duplicates_nothing(
    ddb_server: Any, ddb_prefix: str, project: Path, disk: SmallDisk, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, client = ddb_server.endpoint, make_client(ddb_server.endpoint)
    old, new = f"{ddb_prefix}orders", f"{ddb_prefix}orders-v2"
    create_orders(client, old, items=ITEMS)
    expected = table_digest(client, old)
    desired = TableSpec(
        old,
        PK,
        SK,
        lsis=(Index("byCreated", "LSI", PK, KeyAttribute("created", "N")),),
        billing_mode="PAY_PER_REQUEST",
    )
    write_migration(project, client, desired, endpoint_kind(ddb_server))

    # the disk fills up just before the 6th copy checkpoint is written
    real_checkpoint = state_module.RunState.checkpoint
    calls: list[str] = []
    snapshot: dict[str, str] = {}

    def checkpoint(self: Any, *args: Any, **kwargs: Any) -> None:
        with self._lock:  # every state write holds it: nothing is written between the two lines
            calls.append(self.path.name)
            if len(calls) == 6:
                snapshot["before"] = self.path.read_text()
                disk.fill()
            real_checkpoint(self, *args, **kwargs)

    monkeypatch.setattr(state_module.RunState, "checkpoint", checkpoint)
    copy = ("--copy-segments", "2", "--copy-page-size", "25")
    failed = migrate(url, "--allow-destructive", *copy)
    assert len(calls) >= 6, f"the copy never reached the 6th checkpoint ({calls}); {failed.output}"
    [run_file] = run_files(project)
    assert_clear_enospc(failed, str(run_file))
    assert "--resume" in failed.stderr

    # the state file is the last complete version, byte for byte what was there when space ran out
    on_disk = run_file.read_text()
    assert on_disk == snapshot["before"]
    saved = json.loads(on_disk)
    assert saved["status"] == "running" and saved["migration_id"] == "0001"
    [(copy_step, progress)] = saved["copies"].items()
    checkpointed = sum(s["count"] for s in progress["segments"].values())
    assert 0 < checkpointed < ITEMS and checkpointed % 25 == 0
    assert_no_temp_files(project / ".lift")
    # the old table is untouched whatever happened
    assert table_digest(client, old) == expected

    # space again: the run continues from its checkpoints and finishes (cutover confirmed)
    disk.free()
    monkeypatch.setattr(state_module.RunState, "checkpoint", real_checkpoint)
    resumed = migrate(url, "--resume", "--allow-destructive", "--manual-done", *copy)
    assert resumed.exit_code == 0, resumed.output
    final = json.loads(run_file.read_text())
    assert final["status"] == "done", final
    assert sum(s["count"] for s in final["copies"][copy_step]["segments"].values()) == ITEMS
    copied = table_digest(client, new)
    assert (copied.count, copied.digest) == (expected.count, expected.digest)  # nothing lost or duplicated
    assert old not in client.list_tables()["TableNames"]  # the verified replacement completed
    assert "0001" in {e["id"] for e in json.loads((run_file.parent / "applied.json").read_text())["applied"]}
    assert_no_temp_files(project / ".lift")


def gsi_migration(server: Any, prefix: str, project: Path) -> tuple[Any, str]:
    client = make_client(server.endpoint)
    table = f"{prefix}orders"
    create_orders(client, table, items=30)
    desired = TableSpec(
        table,
        PK,
        SK,
        gsis=(Index("byCreated", "GSI", KeyAttribute("created", "N")),),
        billing_mode="PAY_PER_REQUEST",
    )
    write_migration(project, client, desired, endpoint_kind(server))
    return client, table


def assert_unchanged(client: Any, table: str, prefix: str) -> None:
    described = client.describe_table(TableName=table)["Table"]
    assert not described.get("GlobalSecondaryIndexes"), "a GSI was created although the run was refused"
    assert sorted(t for t in client.list_tables()["TableNames"] if t.startswith(prefix)) == [table]


def test_disk_full_before_the_run_refuses_before_any_change(
    ddb_server: Any, ddb_prefix: str, project: Path, disk: SmallDisk
) -> None:
    client, table = gsi_migration(ddb_server, ddb_prefix, project)
    disk.fill()
    result = migrate(ddb_server.endpoint)
    assert_clear_enospc(result, "run-0001.json")
    assert_unchanged(client, table, ddb_prefix)
    assert run_files(project) == []  # no half-written state file
    assert_no_temp_files(project / ".lift")
    disk.free()
    assert migrate(ddb_server.endpoint).exit_code == 0  # and it runs once there is space


def _read_only(directory: Path, how: str) -> None:
    if how == "is-a-file":
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "dynamorm").write_text("not a directory\n")
    elif os.geteuid() == 0:  # root ignores permission bits: a read-only mount instead
        directory.mkdir(parents=True, exist_ok=True)
        done = _privileged(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(directory)])
        if done is None or done.returncode != 0:
            pytest.fail(f"root but cannot mount a read-only tmpfs: {done and done.stderr!r}")
    else:
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o555)


@pytest.mark.parametrize("how", ["read-only", "is-a-file"])
def test_unwritable_state_directory_refuses_before_any_change(
    ddb_server: Any, ddb_prefix: str, project: Path, how: str
) -> None:
    client, table = gsi_migration(ddb_server, ddb_prefix, project)
    lift_dir = project / ".lift"
    _read_only(lift_dir, how)
    try:
        result = migrate(ddb_server.endpoint)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "Internal error" not in result.output, result.output
        assert str(lift_dir / "dynamorm") in result.stderr, result.stderr
        assert_unchanged(client, table, ddb_prefix)
    finally:
        if how == "read-only" and os.geteuid() == 0:
            _privileged(["umount", "-l", str(lift_dir)])
        elif how == "read-only":
            lift_dir.chmod(0o755)


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text.encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _local_start(project: Path, env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    """`lift dynamorm local start --backend embedded` in ``project`` (env None: inherit ours)."""
    return subprocess.run(
        [sys.executable, "-m", "liftcli", "dynamorm", "local", "start", "--backend", "embedded",
         "--start-timeout", "20"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_local_start_with_a_full_disk(project: Path, disk: SmallDisk) -> None:
    """The daemon cannot write its log or its record: a clear failure and no server left."""
    disk.require_real()
    state_dir = project / ".lift" / "dynamorm"
    state_dir.mkdir(parents=True, exist_ok=True)
    disk.fill()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = _local_start(project, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Error:" in result.stderr and "Internal error" not in result.stderr, result.stderr
    assert "export " not in result.stdout
    record = state_dir / "local.json"
    assert not record.exists() or json.loads(record.read_text())  # never half a record
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(record)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(str(record)) == [], "a daemon is still running"
    disk.free()
    status = subprocess.run(
        [sys.executable, "-m", "liftcli", "dynamorm", "local", "status"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "No local server is running" in status.stderr, status.stderr


def test_local_start_with_a_full_disk_names_the_cause(project: Path, disk: SmallDisk) -> None:
    disk.require_real()
    (project / ".lift" / "dynamorm").mkdir(parents=True, exist_ok=True)
    disk.fill()
    result = _local_start(project, None)
    assert result.returncode == 1
    assert NO_SPACE in result.stderr or "ENOSPC" in result.stderr, result.stderr


def test_injected_mode_is_available(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard for runners without mount rights: the injected ENOSPC hits state writes under the
    directory only, and the atomic writer keeps the old file."""
    disk = SmallDisk(project / "state", monkeypatch, allow_mount=False)
    assert disk.mode == "injected"
    target = disk.path / f"x-{uuid.uuid4().hex}.json"
    elsewhere = project / "elsewhere.json"
    state_module.write_json_atomic(target, {"v": 1})
    disk.fill()
    with pytest.raises(Exception) as caught:
        state_module.write_json_atomic(target, {"v": 2})
    assert NO_SPACE in str(caught.value) and str(target) in str(caught.value)
    state_module.write_json_atomic(elsewhere, {"v": 3})  # other directories still work
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in disk.path.iterdir()] == [target.name]
    disk.free()
    state_module.write_json_atomic(target, {"v": 2})
    assert json.loads(target.read_text()) == {"v": 2}
