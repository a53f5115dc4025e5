"""lock.py, the local lock: a real flock on the target's migrate.lock, with its owner recorded.

flock belongs to the open file description, so two LocalLocks in this one process conflict just
as two processes do; the crash case uses a real child process that is SIGKILLed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from liftcli.dynamorm.lock import LocalLock, MigrateLock, Owner, local_lock_path, read_local_owner
from liftcli.dynamorm.state import StateStore, Target
from liftcli.errors import MigrationError

REPO = Path(__file__).resolve().parents[2]
STARTED = datetime(2025, 6, 1, 12, 0, 3, tzinfo=UTC)


def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / ".lift" / "dynamorm", Target("dev", "http://127.0.0.1:8000"))


def owner(migration: str | None = "0002", pid: int | None = None) -> Owner:
    current = Owner.current(migration, now=STARTED)
    return (
        current if pid is None else Owner(current.token, current.host, pid, current.user, STARTED, migration)
    )


def test_the_lock_file_lives_in_the_target_state_directory(tmp_path: Path) -> None:
    state = store(tmp_path)
    assert local_lock_path(state) == state.directory / "migrate.lock"
    assert state.directory.name.startswith("dev--127.0.0.1_8000-")


def test_a_second_lock_on_the_same_target_is_refused_naming_the_holder(tmp_path: Path) -> None:
    state = store(tmp_path)
    first = MigrateLock(state, owner=owner("0002"))
    first.acquire()
    held_file = local_lock_path(state).read_bytes()

    second = MigrateLock(state, owner=owner("0003"))
    with pytest.raises(MigrationError) as refused:
        second.acquire()
    message, hint = refused.value.message, refused.value.hint or ""
    assert f"pid {os.getpid()} on {socket.gethostname()}" in message
    assert "migration 0002" in message and "since 2025-06-01 12:00:03Z" in message
    assert "environment dev at http://127.0.0.1:8000" in message
    assert str(local_lock_path(state)) in message
    assert "Wait for it to finish" in hint and "--resume" in hint
    assert "--force-unlock" not in hint  # the local lock cannot be stale: nothing to force
    assert not second.local.held
    # the refused attempt did not touch the holder's file (it locks before it writes)
    assert local_lock_path(state).read_bytes() == held_file

    first.release()
    second.acquire()  # free again once released
    try:
        recorded = read_local_owner(local_lock_path(state))
        assert recorded is not None and recorded.migration == "0003" and recorded.token == second.owner.token
    finally:
        second.release()
    assert read_local_owner(local_lock_path(state)) is None  # a released lock names nobody


def test_the_owner_info_is_json_and_follows_the_chosen_migration(tmp_path: Path) -> None:
    state = store(tmp_path)
    with MigrateLock(state, owner=owner(None)) as lock:
        data = json.loads(local_lock_path(state).read_text())
        assert data["pid"] == os.getpid() and data["host"] == socket.gethostname()
        assert data["migration"] is None and data["started"] == STARTED.isoformat() and data["user"]
        lock.set_migration("0007")
        assert json.loads(local_lock_path(state).read_text())["migration"] == "0007"
        with pytest.raises(MigrationError, match="migration 0007"):
            LocalLock(local_lock_path(state)).acquire(owner("0008"))
    with LocalLock(local_lock_path(state)) as again:
        again.acquire(owner("0008"))
        assert again.held


def test_a_holder_that_has_not_written_its_info_yet_is_still_refused(tmp_path: Path) -> None:
    import fcntl

    path = local_lock_path(store(tmp_path))
    path.parent.mkdir(parents=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # locked, file still empty
        with pytest.raises(MigrationError, match="has not recorded itself yet"):
            LocalLock(path).acquire(owner())
    finally:
        os.close(fd)


HOLD = """
import sys, time
from pathlib import Path
from liftcli.dynamorm.lock import LocalLock, Owner
lock = LocalLock(Path(sys.argv[1]))
lock.acquire(Owner.current("0009"))
print("locked", flush=True)
time.sleep(600)
"""


def test_a_lock_held_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    path = local_lock_path(store(tmp_path))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(MigrationError) as refused:
            LocalLock(path).acquire(owner())
        assert f"pid {child.pid} on {socket.gethostname()}" in refused.value.message
        assert "migration 0009" in refused.value.message
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    # the kernel released the flock with the process; its info is still in the file, harmlessly
    assert json.loads(path.read_text())["pid"] == child.pid
    lock = LocalLock(path)
    lock.acquire(owner("0010"))
    try:
        recorded = read_local_owner(path)
        assert recorded is not None and recorded.pid == os.getpid() and recorded.migration == "0010"
    finally:
        lock.release()


def test_an_unusable_state_directory_is_a_clear_error(tmp_path: Path) -> None:
    state = store(tmp_path)
    state.root.parent.mkdir(parents=True)
    state.root.write_text("not a directory\n")  # .lift/dynamorm is a file
    with pytest.raises(MigrationError) as failed:
        MigrateLock(state, owner=owner()).acquire()
    assert str(local_lock_path(state)) in failed.value.message
    assert "migrations.state_directory" in (failed.value.hint or "")


def test_owner_round_trip_and_description() -> None:
    me = Owner("h:1:abc", "ci-runner-7", 4242, "deploy", STARTED, "0002")
    assert Owner.from_dict(me.to_dict()) == me
    assert (
        me.describe() == "pid 4242 on ci-runner-7 (user deploy), migration 0002, since 2025-06-01 12:00:03Z"
    )
    assert "no migration chosen yet" in me.with_migration(None).describe()
    assert owner(pid=os.getpid()).alive_here()
    assert not Owner("x", "another-host", os.getpid(), "u", STARTED).alive_here()
