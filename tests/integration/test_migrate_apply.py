"""`lift dynamorm migrate` end to end against DynamoDB Local (the jar) and the embedded (moto) server.

Every test runs on both servers: the shared session fixture ``ddb_server`` (tests/conftest.py)
is parametrized over "jar" and "embedded"; table names carry ``ddb_prefix``. The
kill-the-server test starts its own jar with -dbPath storage, so it can be killed and restarted
on the same data.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.dynamorm.apply import ApplyOptions, apply_migration
from liftcli.dynamorm.compare import compare
from liftcli.dynamorm.copy import CopyOptions, table_digest
from liftcli.dynamorm.diff import diff
from liftcli.dynamorm.introspect import fetch_table_spec
from liftcli.dynamorm.migration_file import read_migration, render_migration
from liftcli.dynamorm.model import Index, KeyAttribute
from liftcli.dynamorm.ops import ReplaceTable
from liftcli.dynamorm.plan import plan
from liftcli.dynamorm.spec import TableSpec
from liftcli.dynamorm.state import StateStore, Target
from liftcli.errors import AwsError, MigrationError
from tests.conftest import require_backend, skip_or_fail

pytestmark = pytest.mark.integration

JAR_GLOBS = [
    (Path.home() / ".cache/lift-dynamorm/dynamodb-local", "**/DynamoDBLocal.jar"),
    (Path("/tmp/ddblocal-research/pkg"), "**/DynamoDBLocal.jar"),
]
PK, SK = KeyAttribute("pk", "S"), KeyAttribute("sk", "S")
ITEMS = 3000


def find_jar() -> Path | None:
    from liftcli.local.install import find_installation

    installation = find_installation()
    if installation is not None:
        return installation.jar
    for root, pattern in JAR_GLOBS:
        if root.is_dir():
            for jar in sorted(root.glob(pattern)):
                if "stale" not in jar.parts:
                    return jar
    return None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_client(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def wait_ready(url: str, timeout: float = 30.0) -> None:
    client = make_client(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.list_tables()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def start_jar(jar: Path, port: int, db_path: Path | None = None) -> subprocess.Popen[bytes]:
    storage = ["-dbPath", str(db_path)] if db_path is not None else ["-inMemory"]
    proc = subprocess.Popen(
        [
            "java",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            *storage,
            "-sharedDb",
            "-port",
            str(port),
            "-disableTelemetry",
        ],
        cwd=jar.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(f"http://127.0.0.1:{port}")
    return proc


def stop_proc(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


class Live:
    """The shared server (tests/conftest.py ``ddb_server``) and this test's table names."""

    def __init__(self, server: Any, prefix: str) -> None:
        self.kind = "jar" if server.backend == "jar" else "embedded"
        self.url: str = server.endpoint
        self.table = f"{prefix}orders"
        self.new = f"{prefix}orders-v2"  # the replacement table of a key/LSI change

    def client(self) -> Any:
        return make_client(self.url)


@pytest.fixture
def live(ddb_server: Any, ddb_prefix: str, project: Path) -> Live:
    return Live(ddb_server, ddb_prefix)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def endpoint_kind(client: Any, table: str) -> str:
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    return "moto" if ":123456789012:" in arn else "dynamodb-local"


def create_orders(client: Any, name: str, *, items: int = ITEMS) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, items, 25):
        batch = [{"PutRequest": {"Item": item(i)}} for i in range(start, min(start + 25, items))]
        client.batch_write_item(RequestItems={name: batch})


def item(i: int) -> dict[str, Any]:
    """Items with every attribute type, so the content hash covers sets, binary, maps and lists."""
    return {
        "pk": {"S": f"customer#{i % 97}"},
        "sk": {"S": f"order#{i:06d}"},
        "created": {"N": str(1_700_000_000 + i)},
        "total": {"N": f"{i}.50"},
        "tags": {"SS": ["new", f"t{i % 7}"]},
        "blob": {"B": bytes([i % 256]) * 8},
        "lines": {
            "L": [{"M": {"sku": {"S": f"sku-{i}"}, "qty": {"N": "2"}}}, {"BOOL": i % 2 == 0}, {"NULL": True}]
        },
    }


def write_migration(
    project: Path, client: Any, desired: TableSpec, migration_id: str = "0001"
) -> TableSpec | None:
    """diff + plan from liftcli.dynamorm against the live table, written as a migration file."""
    kind = endpoint_kind(client, desired.name)
    actual = fetch_table_spec(client, desired.name, kind)
    ops = diff(desired, actual)
    assert ops, "expected differences"
    now = datetime.now(UTC)
    migration = plan(ops, now=now, actual={desired.name: actual})
    assert migration.ok, migration.issues
    directory = project / "migrations" / "dynamorm"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{migration_id}_change.yaml"
    path.write_text(
        render_migration(
            migration,
            migration_id=migration_id,
            name="change",
            created_at=now,
            desired_specs={desired.name: desired},
        ),
        encoding="utf-8",
    )
    replaced = [op.new_spec for op in ops if isinstance(op, ReplaceTable)]
    return replaced[0] if replaced else None


def tables(client: Any, live: Live) -> list[str]:
    """This test's tables (the server is shared by the whole session)."""
    return sorted(t for t in client.list_tables()["TableNames"] if t in (live.table, live.new))


def migrate(server: Live, *args: str) -> Any:
    result = CliRunner().invoke(lift_group, ["dynamorm", "migrate", *args, "--endpoint-url", server.url])
    return result



def migrate_argv(url: str, *, segments: int, page_size: int) -> list[str]:
    """`lift dynamorm migrate` applying a replace (with its copy) to ``url``, as a child process runs it."""
    return [sys.executable, "-m", "liftcli", "dynamorm", "migrate", "--yes", "--allow-destructive",
            "--endpoint-url", url, "--copy-segments", str(segments), "--copy-page-size", str(page_size)]

def store(project: Path, server: Live) -> StateStore:
    return StateStore(project / ".lift" / "dynamorm", Target(None, server.url))


def lsi_desired(name: str) -> TableSpec:
    return TableSpec(
        name,
        PK,
        SK,
        lsis=(Index("byCreated", "LSI", PK, KeyAttribute("created", "N")),),
        billing_mode="PAY_PER_REQUEST",
    )


# --------------------------------------------------------------------------------------------
# (1) missing GSI and TTL
# --------------------------------------------------------------------------------------------


def test_missing_gsi_and_ttl_are_applied(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table, items=50)
    desired = TableSpec(
        live.table,
        PK,
        SK,
        gsis=(Index("byCreated", "GSI", KeyAttribute("created", "N")),),
        billing_mode="PAY_PER_REQUEST",
        ttl_attribute="expires",
        ttl_enabled=True,
    )
    kind = endpoint_kind(client, live.table)
    before = {f.rule for f in compare(desired, fetch_table_spec(client, live.table, kind))}
    assert {"DM-G001", "DM-S001"} <= before
    write_migration(project, client, desired)

    dry = migrate(live, "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    document = json.loads(dry.stdout)
    operations = [r["operation"] for s in document["steps"] for r in s["requests"]]
    assert operations == ["UpdateTable", "UpdateTimeToLive"]
    assert (
        document["steps"][0]["requests"][0]["request"]["GlobalSecondaryIndexUpdates"][0]["Create"][
            "IndexName"
        ]
        == "byCreated"
    )
    assert compare(desired, fetch_table_spec(client, live.table, kind)), "dry run changed nothing"

    result = migrate(live, "--yes")
    assert result.exit_code == 0, result.output
    assert compare(desired, fetch_table_spec(client, live.table, kind)) == []
    state = store(project, live)
    assert state.applied_ids() == {"0001"}
    assert live.table in state.ttl_changes()  # our own TTL change, for the 1-hour cooldown
    again = migrate(live, "--yes")
    assert again.exit_code == 0 and "Nothing to apply" in again.stderr


# --------------------------------------------------------------------------------------------
# (2) LSI change -> replace
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_lsi_change_replaces_the_table_only_with_allow_destructive(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table)
    new_spec = write_migration(project, client, lsi_desired(live.table))
    assert new_spec is not None and new_spec.name == live.new
    steps = read_migration(project / "migrations/dynamorm/0001_change.yaml").plan.steps
    assert any(s.step_class == "replace" for s in steps)
    assert [c.operation for s in steps for c in s.calls] == [
        "CreateBackup",
        "CreateTable",
        "lift:CopyItems",
        "lift:VerifyCopy",
        "DeleteTable",
    ]

    refused = migrate(live, "--yes")
    assert refused.exit_code == 1
    assert "--allow-destructive" in refused.stderr and "Nothing was changed" in refused.stderr
    assert tables(client, live) == [live.table]
    assert not store(project, live).run_path("0001").exists()

    source = table_digest(client, live.table)
    applied = migrate(live, "--yes", "--allow-destructive")
    assert applied.exit_code == 0, applied.output
    assert "Paused: step 005 is a manual action" in applied.stderr
    target = table_digest(client, live.new)
    assert (target.count, target.digest) == (ITEMS, source.digest)
    kind = endpoint_kind(client, live.new)
    assert compare(new_spec, fetch_table_spec(client, live.new, kind)) == []
    run = store(project, live).load_run("0001")
    assert run is not None and run.status == "paused"
    verify = run.step("004")["detail"]
    assert verify["verified"] is True
    assert verify["source_count"] == verify["target_count"] == ITEMS
    assert verify["source_hash"] == verify["target_hash"] == source.hex
    backup = run.step("001")["detail"]
    if live.kind == "jar":  # DynamoDB Local has no CreateBackup: a JSON-lines export instead
        assert len(Path(backup["export"]).read_text(encoding="utf-8").splitlines()) == ITEMS
    else:
        assert backup["backup_arn"].startswith("arn:aws:dynamodb:")
    assert tables(client, live) == [live.table, live.new]

    finished = migrate(live, "--yes", "--allow-destructive", "--resume", "--manual-done")
    assert finished.exit_code == 0, finished.output
    assert tables(client, live) == [live.new]
    assert store(project, live).applied_ids() == {"0001"}


def test_protected_environment_refuses_replace(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table, items=10)
    (project / "lift.yaml").write_text(
        f"dynamorm:\n  environments:\n    prod:\n      endpoint_url: {live.url}\n      protected: true\n",
        encoding="utf-8",
    )
    write_migration(project, client, lsi_desired(live.table))
    result = CliRunner().invoke(
        lift_group, ["dynamorm", "migrate", "--env", "prod", "--yes", "--allow-destructive"]
    )
    assert result.exit_code == 1
    assert "environment prod is protected" in result.stderr
    assert tables(client, live) == [live.table]


# --------------------------------------------------------------------------------------------
# (3) a lost connection mid-copy, then --resume
# --------------------------------------------------------------------------------------------


class FailingClient:
    """Passes calls through; the Nth BatchWriteItem raises a connection error (mid-page)."""

    def __init__(self, client: Any, fail_at: int) -> None:
        self._client = client
        self._fail_at = fail_at
        self.batch_writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_write_item(self, **kwargs: Any) -> Any:
        from botocore.exceptions import EndpointConnectionError

        self.batch_writes += 1
        if self.batch_writes == self._fail_at:
            raise EndpointConnectionError(endpoint_url="http://lost")
        return self._client.batch_write_item(**kwargs)


@pytest.mark.slow
def test_copy_resumes_after_a_lost_connection(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table)
    write_migration(project, client, lsi_desired(live.table))
    migration = read_migration(project / "migrations/dynamorm/0001_change.yaml")
    state = store(project, live)
    options = ApplyOptions(allow_destructive=True, copy=CopyOptions(segments=3, page_size=100))
    kind = endpoint_kind(client, live.table)
    # 4 batches per 100-item page: the 23rd batch fails half-way through a page.
    failing = FailingClient(client, fail_at=23)
    with pytest.raises(AwsError, match=f"copy {live.table} -> {live.new}"):
        apply_migration(migration, failing, state, endpoint_kind=kind, options=options)
    run = state.load_run("0001")
    assert run is not None and run.status == "failed"
    checkpointed = sum(s["count"] for s in run.data["copies"]["003"]["segments"].values())
    assert 0 < checkpointed < ITEMS
    assert checkpointed % 100 == 0  # only whole pages are checkpointed

    result = migrate(
        live, "--resume", "--yes", "--allow-destructive", "--copy-segments", "3", "--copy-page-size", "100"
    )
    assert result.exit_code == 0, result.output
    source, target = table_digest(client, live.table), table_digest(client, live.new)
    assert target.count == ITEMS and target.digest == source.digest
    run = state.load_run("0001")
    assert run is not None and run.step("004")["detail"]["verified"] is True
    assert sum(s["count"] for s in run.data["copies"]["003"]["segments"].values()) == ITEMS


def test_resume_with_another_segment_count_is_refused(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table, items=300)
    write_migration(project, client, lsi_desired(live.table))
    migration = read_migration(project / "migrations/dynamorm/0001_change.yaml")
    options = ApplyOptions(allow_destructive=True, copy=CopyOptions(segments=2, page_size=50))
    with pytest.raises(AwsError):
        apply_migration(
            migration,
            FailingClient(client, 3),
            store(project, live),
            endpoint_kind=endpoint_kind(client, live.table),
            options=options,
        )
    result = migrate(live, "--resume", "--yes", "--allow-destructive", "--copy-segments", "4")
    assert result.exit_code == 1
    assert "--copy-segments 2" in result.stderr


@pytest.mark.slow
def test_killed_server_then_resume(project: Path) -> None:
    """The jar is SIGKILLed mid-copy, restarted on the same -dbPath storage, and --resume finishes."""
    jar = find_jar()
    if jar is None:
        skip_or_fail("DynamoDBLocal.jar is not installed (scripts/setup/dynamodb-local.sh)")
    port, db = free_port(), project / "db"
    db.mkdir()
    url = f"http://127.0.0.1:{port}"
    proc = start_jar(jar, port, db)
    try:
        client = make_client(url)
        create_orders(client, "orders")
        write_migration(project, client, lsi_desired("orders"))
        state = StateStore(project / ".lift" / "dynamorm", Target(None, url))
        cmd = migrate_argv(url, segments=1, page_size=50)
        child = subprocess.Popen(
            cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env()
        )
        copied = _wait_for_copy_progress(state, "0001", "003", 300, child)
        proc.kill()
        proc.wait(timeout=30)
        _, err = child.communicate(timeout=120)
        assert child.returncode == 1, err.decode()
        assert 300 <= copied < ITEMS
        run = state.load_run("0001")
        assert run is not None and run.status == "failed"

        proc = start_jar(jar, port, db)
        client = make_client(url)
        resumed = subprocess.run(
            [*cmd, "--resume"], cwd=project, capture_output=True, text=True, env=_child_env()
        )
        assert resumed.returncode == 0, resumed.stderr
        source, target = table_digest(client, "orders"), table_digest(client, "orders-v2")
        assert source.count == ITEMS
        assert (target.count, target.digest) == (source.count, source.digest)
    finally:
        stop_proc(proc)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def _wait_for_copy_progress(
    state: StateStore, migration_id: str, step: str, at_least: int, child: subprocess.Popen[Any]
) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(
                f"migrate exited early: {child.stderr.read().decode() if child.stderr else ''}"
            )
        try:
            run = state.load_run(migration_id)
        except Exception:
            run = None
        if run is not None and step in (run.data.get("copies") or {}):
            count = sum(s["count"] for s in run.data["copies"][step]["segments"].values())
            if count >= at_least:
                return count
        time.sleep(0.005)
    raise AssertionError("the copy made no progress")


# --------------------------------------------------------------------------------------------
# (5) Ctrl-C mid-copy
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_mid_copy_then_resume(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table)
    write_migration(project, client, lsi_desired(live.table))
    state = store(project, live)
    cmd = migrate_argv(live.url, segments=2, page_size=100)
    child = subprocess.Popen(
        cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env()
    )
    copied = _wait_for_copy_progress(state, "0001", "003", 200, child)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err.decode()
    assert "--resume" in err.decode()
    run = state.load_run("0001")
    assert run is not None and run.status == "interrupted"
    saved = sum(s["count"] for s in run.data["copies"]["003"]["segments"].values())
    assert copied <= saved < ITEMS

    resumed = subprocess.run(
        [*cmd, "--resume"], cwd=project, capture_output=True, text=True, env=_child_env()
    )
    assert resumed.returncode == 0, resumed.stderr
    source, target = table_digest(client, live.table), table_digest(client, live.new)
    assert (target.count, target.digest) == (ITEMS, source.digest)


# --------------------------------------------------------------------------------------------
# (4) throttling and LimitExceeded injected into real calls are retried
# --------------------------------------------------------------------------------------------


def inject_errors(client: Any, operation: str, errors: list[tuple[str, str]]) -> list[str]:
    """Answer the next calls of ``operation`` with these errors (as botocore Stubber does), then
    let the real server answer. Returns the list of injected codes, filled as they fire."""
    from botocore.awsrequest import AWSResponse

    fired: list[str] = []

    def handler(**_: Any) -> Any:
        if not errors:
            return None
        code, message = errors.pop(0)
        fired.append(code)
        parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return AWSResponse("http://injected", 400, {}, None), parsed

    client.meta.events.register(f"before-call.dynamodb.{operation}", handler)
    return fired


def test_injected_throttling_and_limit_exceeded_are_retried(live: Live, project: Path) -> None:
    client = live.client()
    create_orders(client, live.table, items=120)
    desired = TableSpec(
        live.table,
        PK,
        SK,
        gsis=(Index("byCreated", "GSI", KeyAttribute("created", "N")),),
        billing_mode="PAY_PER_REQUEST",
        ttl_attribute="expires",
        ttl_enabled=True,
    )
    write_migration(project, client, desired)
    simultaneous = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously"
    update = inject_errors(
        client,
        "UpdateTable",
        [("LimitExceededException", simultaneous), ("ThrottlingException", "Rate exceeded")],
    )
    ttl = inject_errors(client, "UpdateTimeToLive", [("RequestLimitExceeded", "Too many requests")])
    events: list[Any] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        # Record the backoff without waiting it out, but never spin: a poll loop without any
        # pause floods DynamoDB Local's single SQLite queue and starves its index-creation job.
        sleeps.append(seconds)
        time.sleep(min(seconds, 0.05))

    migration = read_migration(project / "migrations/dynamorm/0001_change.yaml")
    result = apply_migration(
        migration,
        client,
        store(project, live),
        endpoint_kind=endpoint_kind(client, live.table),
        on_event=events.append,
        sleep=sleep,
    )
    assert result.status == "done"
    assert update == ["LimitExceededException", "ThrottlingException"] and ttl == ["RequestLimitExceeded"]
    retried = [e.message for e in events if e.kind == "retry"]
    assert len(retried) == 3 and len(sleeps) >= 3
    assert compare(desired, fetch_table_spec(client, live.table, endpoint_kind(client, live.table))) == []

    # The copy of a replace: throttled scans and writes are retried, and nothing is lost.
    write_migration(project, client, lsi_desired(live.table), migration_id="0002")
    inject_errors(client, "Scan", [("ProvisionedThroughputExceededException", "slow down")])
    writes = inject_errors(client, "BatchWriteItem", [("ThrottlingException", "slow down")] * 2)
    replace_migration = read_migration(project / "migrations/dynamorm/0002_change.yaml")
    result = apply_migration(
        replace_migration,
        client,
        store(project, live),
        endpoint_kind=endpoint_kind(client, live.table),
        options=ApplyOptions(allow_destructive=True, copy=CopyOptions(segments=2)),
        sleep=sleep,
    )
    assert result.status == "paused" and writes == ["ThrottlingException"] * 2
    assert table_digest(client, live.new).digest == table_digest(client, live.table).digest


# --------------------------------------------------------------------------------------------
# Progress: rich bars on a terminal, plain lines otherwise
# --------------------------------------------------------------------------------------------


def test_copy_progress_is_a_bar_on_a_terminal_and_lines_otherwise(live: Live, project: Path) -> None:
    import pexpect

    client = live.client()
    create_orders(client, live.table)
    write_migration(project, client, lsi_desired(live.table))
    env = {k: v for k, v in _child_env().items() if k not in ("NO_COLOR", "TERM")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
    args = ["-m", "liftcli", "dynamorm", "migrate", "--yes", "--allow-destructive", "--endpoint-url", live.url,
            "--copy-segments", "2", "--copy-page-size", "200"]
    child = pexpect.spawn(sys.executable, args, cwd=str(project), env=env, timeout=180, encoding="utf-8")
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before or ""
    assert child.exitstatus == 0, screen
    assert "━" in screen, screen  # rich's bar
    assert f"{ITEMS}/{ITEMS}" in screen, screen  # its M of N column at the end of the copy

    # the same command without a terminal prints plain lines
    client.delete_table(TableName=live.new)
    for path in (project / ".lift").rglob("*.json"):
        path.unlink()
    plain = subprocess.run([sys.executable, *args], cwd=project, capture_output=True, text=True, env=_child_env(),
                           timeout=180)
    assert plain.returncode == 0, plain.stderr
    assert "━" not in plain.stderr and "\x1b[" not in plain.stderr
    assert f"{ITEMS}/{ITEMS} items" in plain.stderr


def test_dynamodb_local_that_can_never_build_a_gsi_says_why(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB Local 3.x keeps one of the 10 threads that build GSIs per table with TTL on: with 7 such
    tables a GSI added by UpdateTable stays CREATING forever. Migrate names the cause instead of
    waiting hours (on a server of its own, so the shared one keeps its threads)."""
    require_backend("jar")
    from liftcli.dynamorm import apply as apply_module
    from liftcli.local import ServerSpec, start_server

    monkeypatch.setattr(apply_module, "LOCAL_GSI_STALL_SECONDS", 3.0)
    with start_server(ServerSpec(backend="jar", start_timeout=60)) as server:
        client = make_client(server.endpoint)
        for n in range(apply_module.LOCAL_TTL_TABLES_THAT_BLOCK_GSIS):
            name = f"sessions-{n}"
            client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            client.update_time_to_live(TableName=name,
                                       TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
        time.sleep(3)  # DynamoDB Local's TTL scheduler starts the per-table jobs within a couple of seconds
        create_orders(client, "orders", items=10)
        desired = TableSpec("orders", PK, SK, gsis=(Index("byCreated", "GSI", KeyAttribute("created", "N")),),
                            billing_mode="PAY_PER_REQUEST")
        write_migration(project, client, desired)
        migration = read_migration(project / "migrations/dynamorm/0001_change.yaml")
        with pytest.raises(MigrationError, match=r"will never build GSI byCreated on orders: 7 tables have TTL on"):
            apply_migration(migration, client, StateStore(project / ".lift" / "dynamorm", Target(None, server.endpoint)),
                            endpoint_kind="dynamodb-local", sleep=lambda s: time.sleep(min(s, 0.5)))
