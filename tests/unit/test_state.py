"""state.py: atomic JSON writes, per-target directories, applied log, TTL record, copy checkpoints."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from liftcli.dynamorm.state import StateStore, Target, write_json_atomic
from liftcli.errors import MigrationError

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_atomic_write_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "a" / "state.json"
    write_json_atomic(path, {"n": 1})
    write_json_atomic(path, {"n": 2})
    assert json.loads(path.read_text()) == {"n": 2}
    assert os.listdir(path.parent) == ["state.json"]


def test_failed_write_keeps_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_json_atomic(path, {"n": 1})

    class Unwritable:
        def __str__(self) -> str:
            raise TypeError("cannot serialise")

    with pytest.raises(TypeError):
        write_json_atomic(path, {"n": Unwritable()})
    assert json.loads(path.read_text()) == {"n": 1}
    assert os.listdir(tmp_path) == ["state.json"]


def test_targets_are_kept_apart(tmp_path: Path) -> None:
    dev = StateStore(tmp_path, Target("dev", "http://127.0.0.1:8000"))
    prod = StateStore(tmp_path, Target("prod", "aws:us-east-1"))
    other_port = StateStore(tmp_path, Target("dev", "http://127.0.0.1:8001"))
    assert len({dev.directory, prod.directory, other_port.directory}) == 3
    assert dev.directory.name.startswith("dev--127.0.0.1_8000-")
    dev.record_applied("0001", "first", "sha256:a", NOW)
    assert dev.applied_ids() == {"0001"} and prod.applied_ids() == set()


def test_applied_log_keeps_order_and_replaces_reapplied_entries(tmp_path: Path) -> None:
    store = StateStore(tmp_path, Target(None, "aws:us-east-1"))
    store.record_applied("0001", "a", "sha256:1", NOW)
    store.record_applied("0002", "b", "sha256:2", NOW)
    store.record_applied("0001", "a", "sha256:1", NOW + timedelta(hours=1))
    assert [e["id"] for e in store.applied()] == ["0002", "0001"]


def test_ttl_changes_are_recorded_per_table(tmp_path: Path) -> None:
    store = StateStore(tmp_path, Target(None, "aws:us-east-1"))
    store.record_ttl_change("orders", NOW)
    store.record_ttl_change("users", NOW + timedelta(minutes=5))
    assert store.ttl_changes() == {"orders": NOW, "users": NOW + timedelta(minutes=5)}


def test_run_state_round_trip_and_unfinished_runs(tmp_path: Path) -> None:
    store = StateStore(tmp_path, Target("dev", "x"))
    run = store.new_run("0002", "two", "sha256:x", NOW)
    run.set_step("001", NOW, status="sent", request_id="r1", detail={"a": 1})
    run.set_step("001", NOW, status="done", detail={"b": 2})
    loaded = store.load_run("0002")
    assert loaded is not None
    assert loaded.step("001")["status"] == "done"
    assert loaded.step("001")["request_ids"] == ["r1"]
    assert loaded.step("001")["detail"] == {"a": 1, "b": 2}
    assert store.unfinished_runs() == ["0002"]
    loaded.update(NOW, status="done")
    assert store.unfinished_runs() == []


def test_copy_checkpoints_persist_and_refuse_another_segment_count(tmp_path: Path) -> None:
    store = StateStore(tmp_path, Target("dev", "x"))
    run = store.new_run("0001", "one", "sha256:x", NOW)
    assert run.copy_progress("003", 2) == {
        0: {"last_key": None, "count": 0, "done": False},
        1: {"last_key": None, "count": 0, "done": False},
    }
    run.checkpoint("003", 1, {"pk": {"S": "k9"}}, 10, False)
    again = store.load_run("0001")
    assert again is not None
    assert again.copy_progress("003", 2)[1] == {"last_key": {"pk": {"S": "k9"}}, "count": 10, "done": False}
    with pytest.raises(MigrationError, match="used 2 scan segments") as caught:
        again.copy_progress("003", 4)
    assert "--copy-segments 2" in str(caught.value.hint)


def test_damaged_state_file_is_reported(tmp_path: Path) -> None:
    store = StateStore(tmp_path, Target("dev", "x"))
    store.directory.mkdir(parents=True)
    store.run_path("0001").write_text("{not json", encoding="utf-8")
    with pytest.raises(MigrationError, match="cannot read state file"):
        store.load_run("0001")
