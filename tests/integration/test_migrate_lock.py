"""One `lift dynamorm migrate` per target: the table lease (migrations.lock_table) against real
servers, and the refusals as a user sees them.

Every test runs on DynamoDB Local (the jar) and the embedded (moto) server through the shared
``ddb_server`` fixture (tests/conftest.py); lock tables and data tables carry ``ddb_prefix``.
Lease expiry is tested with an injected clock (the server does not judge time: the condition
``expires < :now`` carries the caller's clock), renewal also with the real one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.dynamorm.lock import (
    LEASE_SECONDS,
    LocalLock,
    Owner,
    TableLease,
    local_lock_path,
    lock_id_for,
    read_lease,
    read_local_owner,
)
from liftcli.dynamorm.model import Index, KeyAttribute
from liftcli.dynamorm.spec import TableSpec
from liftcli.dynamorm.state import StateStore, Target
from liftcli.errors import ExitCode, MigrationError
from tests.integration.test_migrate_apply import (
    PK,
    SK,
    _child_env,
    _wait_for_copy_progress,
    create_orders,
    lsi_desired,
    make_client,
    migrate_argv,
    write_migration,
)

pytestmark = pytest.mark.integration

T0 = 1_750_000_000.0
STARTED = datetime(2025, 6, 1, 12, 0, 3, tzinfo=UTC)
#: a holder that is not this process, as a CI runner on another machine would be
RUNNER = Owner("ci-runner-7:4242:0123456789ab", "ci-runner-7", 4242, "deploy", STARTED, "0001")


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def lease(client: Any, table: str, owner: Owner, clock: Clock | None = None, **kw: Any) -> TableLease:
    return TableLease(
        client, table, "dev--lock-test", owner, clock=clock or Clock(), target="environment dev", **kw
    )


@pytest.fixture
def lock_table(ddb_client: Any, ddb_prefix: str) -> str:
    """A lock table, created on first use by the code under test."""
    return f"{ddb_prefix}locks"


def gsi_desired(table: str) -> TableSpec:
    return TableSpec(
        table,
        PK,
        SK,
        gsis=(Index("byCreated", "GSI", KeyAttribute("created", "N")),),
        billing_mode="PAY_PER_REQUEST",
    )


def gsis(client: Any, table: str) -> list[str]:
    return [
        g["IndexName"]
        for g in client.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])
    ]


def target_store(project: Path, url: str) -> StateStore:
    return StateStore(project / ".lift" / "dynamorm", Target(None, url))


def use_lock_table(project: Path, table: str) -> None:
    (project / "lift.yaml").write_text(
        f"dynamorm:\n  migrations:\n    lock_table: {table}\n", encoding="utf-8"
    )


def migrate(url: str, *args: str) -> Any:
    return CliRunner().invoke(lift_group, ["dynamorm", "migrate", *args, "--endpoint-url", url])


# --------------------------------------------------------------------------------------------
# The lease itself
# --------------------------------------------------------------------------------------------


def test_a_missing_lock_table_is_created_and_awaited(ddb_client: Any, lock_table: str) -> None:
    told: list[str] = []
    first = lease(ddb_client, lock_table, Owner.current("0001"), notify=told.append)
    first.acquire()
    assert told == [f"created lock table {lock_table} (migrations.lock_table)"]
    described = ddb_client.describe_table(TableName=lock_table)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"] == [{"AttributeName": "lock_id", "KeyType": "HASH"}]
    assert described["AttributeDefinitions"] == [{"AttributeName": "lock_id", "AttributeType": "S"}]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert first.ensure_table() is False  # there already: not created again, nothing said
    assert len(told) == 1
    assert first.release() is True


def test_the_lease_is_taken_and_a_second_owner_is_refused_naming_the_holder(
    ddb_client: Any, lock_table: str
) -> None:
    clock = Clock()
    held = lease(ddb_client, lock_table, RUNNER, clock)
    held.acquire()
    stored = read_lease(ddb_client, lock_table, "dev--lock-test")
    assert stored is not None
    assert stored.owner == RUNNER and stored.expires == int(T0) + LEASE_SECONDS
    raw = ddb_client.get_item(TableName=lock_table, Key={"lock_id": {"S": "dev--lock-test"}})["Item"]
    assert {"owner", "host", "pid", "migration", "started", "expires"} <= set(raw)
    assert raw["expires"] == {"N": str(int(T0) + LEASE_SECONDS)}

    clock.now += 60
    second = lease(ddb_client, lock_table, Owner.current("0002"), clock)
    with pytest.raises(MigrationError) as refused:
        second.acquire()
    message, hint = refused.value.message, refused.value.hint or ""
    assert "pid 4242 on ci-runner-7 (user deploy), migration 0001, since 2025-06-01 12:00:03Z" in message
    expiry = datetime.fromtimestamp(int(T0) + LEASE_SECONDS, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    assert f"lease expires {expiry} (in {LEASE_SECONDS - 60} s)" in message
    assert f"table {lock_table}" in message and "environment dev" in message
    assert "Wait for it to finish" in hint and "lift dynamorm migrate --force-unlock" in hint
    assert second.expires is None
    assert read_lease(ddb_client, lock_table, "dev--lock-test") == stored  # untouched by the refusal


def test_an_expired_lease_is_taken_over_and_only_its_owner_releases_it(
    ddb_client: Any, lock_table: str
) -> None:
    clock = Clock()
    dead = lease(ddb_client, lock_table, RUNNER, clock)
    dead.acquire()
    clock.now += LEASE_SECONDS  # expires == now: not yet expired
    with pytest.raises(MigrationError):
        lease(ddb_client, lock_table, Owner.current("0002"), clock).acquire()
    clock.now += 1
    me = Owner.current("0002")
    taker = lease(ddb_client, lock_table, me, clock)
    taker.acquire()
    stored = read_lease(ddb_client, lock_table, "dev--lock-test")
    assert stored is not None and stored.owner.token == me.token
    assert stored.expires == int(clock.now) + LEASE_SECONDS

    # the old owner comes back: it may neither renew nor release the new owner's lease
    assert dead.renew() is False
    assert dead.lost is not None and f"pid {me.pid} on {me.host}" in dead.lost
    assert dead.release() is False
    assert read_lease(ddb_client, lock_table, "dev--lock-test") == stored
    assert taker.release() is True
    assert read_lease(ddb_client, lock_table, "dev--lock-test") is None
    assert taker.release() is False  # idempotent


def test_renewal_extends_the_lease(ddb_client: Any, lock_table: str) -> None:
    clock = Clock()
    mine = lease(ddb_client, lock_table, Owner.current("0001"), clock)
    mine.acquire()
    clock.now += 100
    assert mine.renew() is True
    stored = read_lease(ddb_client, lock_table, "dev--lock-test")
    assert stored is not None and stored.expires == int(T0) + 100 + LEASE_SECONDS
    mine.release()

    # the daemon thread, on the real clock: a 3 s lease is renewed every second
    told: list[str] = []
    live = TableLease(
        ddb_client, lock_table, "dev--renewed", Owner.current("0001"), lease_seconds=3, notify=told.append
    )
    with live:
        first = read_lease(ddb_client, lock_table, "dev--renewed")
        assert first is not None
        deadline = time.monotonic() + 10
        while True:
            now = read_lease(ddb_client, lock_table, "dev--renewed")
            assert now is not None
            if now.expires > first.expires:
                break
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.2)
        assert live.lost is None
    assert read_lease(ddb_client, lock_table, "dev--renewed") is None  # released on exit
    assert told == []  # no warnings (and the table existed already)


def test_a_renewal_finds_the_lease_removed(ddb_client: Any, lock_table: str) -> None:
    from liftcli.dynamorm.lock import remove_lease

    mine = lease(ddb_client, lock_table, Owner.current("0001"))
    mine.acquire()
    assert remove_lease(ddb_client, lock_table, "dev--lock-test", owner="somebody else") is False
    assert remove_lease(ddb_client, lock_table, "dev--lock-test", owner=mine.owner.token) is True
    assert mine.renew() is False and mine.lost == "it was removed"


# --------------------------------------------------------------------------------------------
# migrate with migrations.lock_table
# --------------------------------------------------------------------------------------------


def test_migrate_takes_and_releases_the_lease(
    ddb_server: Any, ddb_prefix: str, lock_table: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liftcli.dynamorm.apply as engine

    url, client = ddb_server.endpoint, make_client(ddb_server.endpoint)
    table = f"{ddb_prefix}orders"
    create_orders(client, table, items=20)
    write_migration(project, client, gsi_desired(table))
    use_lock_table(project, lock_table)
    state = target_store(project, url)
    lock_id = lock_id_for(state)

    seen: list[Any] = []
    real_apply = engine.apply_migration

    def observed(*args: Any, **kwargs: Any) -> Any:  # what holds while the engine runs
        seen.append((read_lease(client, lock_table, lock_id), read_local_owner(local_lock_path(state))))
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(engine, "apply_migration", observed)
    result = migrate(url, "--yes")
    assert result.exit_code == 0, result.output
    assert f"Created lock table {lock_table} (migrations.lock_table)" in result.stderr
    assert gsis(client, table) == ["byCreated"]
    [(held, local)] = seen
    assert held is not None and held.lock_id == lock_id and held.owner.migration == "0001"
    assert held.owner.pid == os.getpid() and held.owner.host == socket.gethostname()
    assert local is not None and local.token == held.owner.token  # one owner, both locks
    assert read_lease(client, lock_table, lock_id) is None  # released at the end

    # the dry run is read-only and takes no lock: it works while another run holds the lease
    write_migration(project, client, lsi_desired(table), migration_id="0002")
    with TableLease(client, lock_table, lock_id, RUNNER):
        dry = migrate(url, "--dry-run")
    assert dry.exit_code == 0, dry.output


def test_migrate_is_refused_while_another_run_holds_the_lease_then_force_unlock(
    ddb_server: Any, ddb_prefix: str, lock_table: str, project: Path
) -> None:
    url, client = ddb_server.endpoint, make_client(ddb_server.endpoint)
    table = f"{ddb_prefix}orders"
    create_orders(client, table, items=20)
    write_migration(project, client, gsi_desired(table))
    use_lock_table(project, lock_table)
    lock_id = lock_id_for(target_store(project, url))
    holder = TableLease(client, lock_table, lock_id, RUNNER)  # a runner that died holding it
    holder.acquire()

    refused = migrate(url, "--yes")
    assert refused.exit_code == ExitCode.USER_ERROR, refused.output
    assert (
        "Error: another `lift dynamorm migrate` is applying to environment default at " + url
        in refused.stderr
    )
    assert "pid 4242 on ci-runner-7 (user deploy), migration 0001" in refused.stderr
    assert "lease expires" in refused.stderr
    assert "Hint: Wait for it to finish" in refused.stderr and "--force-unlock" in refused.stderr
    assert "Traceback" not in refused.output
    assert gsis(client, table) == []  # nothing was changed
    assert read_lease(client, lock_table, lock_id) is not None

    # --force-unlock: shows the holder, asks (no terminal here: refuses naming --yes), removes
    asked = migrate(url, "--force-unlock")
    assert asked.exit_code == 1 and "--yes" in asked.stderr
    assert "held by pid 4242 on ci-runner-7" in asked.stderr
    assert read_lease(client, lock_table, lock_id) is not None
    unlocked = migrate(url, "--force-unlock", "--yes")
    assert unlocked.exit_code == 0, unlocked.output
    assert "Removed the lease of pid 4242 on ci-runner-7" in unlocked.stderr
    assert read_lease(client, lock_table, lock_id) is None
    again = migrate(url, "--force-unlock", "--yes")
    assert again.exit_code == 0 and "nothing to unlock" in again.stderr

    applied = migrate(url, "--yes")
    assert applied.exit_code == 0, applied.output
    assert gsis(client, table) == ["byCreated"]


def test_force_unlock_without_a_lock_table_explains_the_local_lock(ddb_server: Any, project: Path) -> None:
    result = migrate(ddb_server.endpoint, "--force-unlock", "--yes")
    assert result.exit_code == 1
    assert "migrations.lock_table is not set" in result.stderr and "Traceback" not in result.output
    usage = migrate(ddb_server.endpoint, "--force-unlock", "--dry-run")
    assert usage.exit_code == ExitCode.USAGE and "--force-unlock" in usage.stderr


def test_the_lease_is_released_when_the_run_is_refused(
    ddb_server: Any, ddb_prefix: str, lock_table: str, project: Path
) -> None:
    url, client = ddb_server.endpoint, make_client(ddb_server.endpoint)
    table = f"{ddb_prefix}orders"
    create_orders(client, table, items=20)
    write_migration(project, client, lsi_desired(table))  # a replace: needs --allow-destructive
    use_lock_table(project, lock_table)
    result = migrate(url, "--yes")
    assert result.exit_code == 1 and "--allow-destructive" in result.stderr
    assert read_lease(client, lock_table, lock_id_for(target_store(project, url))) is None
    with LocalLock(local_lock_path(target_store(project, url))) as lock:
        lock.acquire(Owner.current())  # and the local lock is free again


@pytest.mark.slow
def test_the_lease_is_released_on_ctrl_c(
    ddb_server: Any, ddb_prefix: str, lock_table: str, project: Path
) -> None:
    url, client = ddb_server.endpoint, make_client(ddb_server.endpoint)
    table = f"{ddb_prefix}orders"
    create_orders(client, table)
    write_migration(project, client, lsi_desired(table))
    use_lock_table(project, lock_table)
    state = target_store(project, url)
    cmd = migrate_argv(url, segments=1, page_size=50)
    child = subprocess.Popen(
        cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env()
    )
    _wait_for_copy_progress(state, "0001", "003", 100, child)
    held = read_lease(client, lock_table, lock_id_for(state))
    assert held is not None and held.owner.pid == child.pid
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == ExitCode.INTERRUPTED, err.decode()
    assert read_lease(client, lock_table, lock_id_for(state)) is None
    with LocalLock(local_lock_path(state)) as lock:
        lock.acquire(Owner.current())


# --------------------------------------------------------------------------------------------
# The local lock, as a user meets it: a real `lift dynamorm migrate` process
# --------------------------------------------------------------------------------------------


def test_migrate_in_a_subprocess_is_refused_while_the_local_lock_is_held(
    ddb_server: Any, ddb_prefix: str, project: Path
) -> None:
    url, client = ddb_server.endpoint, make_client(ddb_server.endpoint)
    table = f"{ddb_prefix}orders"
    create_orders(client, table, items=20)
    write_migration(project, client, gsi_desired(table))
    path = local_lock_path(target_store(project, url))
    cmd = [sys.executable, "-m", "liftcli", "dynamorm", "migrate", "--yes", "--endpoint-url", url]

    held = LocalLock(path)
    held.acquire(Owner.current("0001"))  # this test process is "the other run"
    try:
        refused = subprocess.run(
            cmd, cwd=project, capture_output=True, text=True, env=_child_env(), timeout=120
        )
    finally:
        held.release()
    assert refused.returncode == ExitCode.USER_ERROR, refused.stderr
    err = refused.stderr
    assert f"Error: another `lift dynamorm migrate` is applying to environment default at {url}" in err
    assert f"pid {os.getpid()} on {socket.gethostname()}" in err and "migration 0001" in err
    assert "Hint: Wait for it to finish" in err and "--resume" in err
    assert "Traceback" not in err and "Internal error" not in err
    assert gsis(client, table) == []  # refused before any change

    applied = subprocess.run(cmd, cwd=project, capture_output=True, text=True, env=_child_env(), timeout=120)
    assert applied.returncode == 0, applied.stderr
    assert gsis(client, table) == ["byCreated"]
