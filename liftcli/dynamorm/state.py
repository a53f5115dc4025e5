"""State files of ``lift dynamorm migrate``: progress per migration, the applied log, TTL changes.

Everything lives under ``migrations.state_directory`` (default ``.lift/dynamorm``), one
sub-directory per target (environment + endpoint), so the same migration can be applied to
``dev`` on DynamoDB Local and to ``prod`` on AWS without the two runs seeing each other::

    .lift/dynamorm/<env>--<endpoint slug>/
        run-<migration id>.json   progress of one migration (steps, copy checkpoints, verify)
        applied.json              migrations fully applied to this target, oldest first
        ttl-changes.json          when lift last called UpdateTimeToLive per table
        backups/                  JSON-lines exports (endpoints without CreateBackup)
        migrate.lock              the local lock of a running migrate (lock.py)

Every write is atomic: JSON to a temporary file in the same directory, fsync, ``os.replace``.
A crash therefore leaves either the previous or the next version of a file, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liftcli.errors import MigrationError
from liftcli.fsutil import atomic_writer

if TYPE_CHECKING:
    from liftcli.config import Settings

STATE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Target:
    """Where a migration is applied: environment name and endpoint (URL, or ``aws:<region>``)."""

    environment: str | None
    endpoint: str

    @property
    def slug(self) -> str:
        env = _safe(self.environment or "default")
        readable = _safe(re.sub(r"^[a-z]+://", "", self.endpoint))[:40]
        digest = hashlib.sha256(f"{self.environment}\0{self.endpoint}".encode()).hexdigest()[:8]
        return f"{env}--{readable}-{digest}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "_"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` via temp file + fsync + rename.

    A file that cannot be written (disk full, read-only or unwritable directory) raises
    MigrationError naming it (exit 1, not an internal error); the previous version stays intact.
    """
    try:
        with atomic_writer(path) as handle:
            json.dump(data, handle, indent=1, sort_keys=True, default=str)
            handle.write("\n")
    except OSError as exc:
        raise MigrationError(
            f"cannot write state file {path}: {exc.strerror or exc}",
            hint="Free disk space or make the state directory (migrations.state_directory) writable, "
            "then run the command again; a run that had started continues with "
            "`lift dynamorm migrate --resume`.",
        ) from exc


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise MigrationError(
            f"cannot read state file {path}: {exc}",
            hint="The file is written atomically, so this is outside damage; move it away to start over.",
        ) from exc


class RunState:
    """Progress of one migration on one target. Thread-safe; every change is saved at once.

    The document::

        {"format": 1, "migration_id", "migration_name", "checksum", "environment", "endpoint",
         "status": "running|paused|failed|interrupted|done", "message", "started_at", "updated_at",
         "steps": {"001": {"status": "pending|sent|done|skipped", "request_ids": [...],
                           "detail": {...}, "started_at", "finished_at"}},
         "copies": {"004": {"total_segments": 4, "segments": {"0": {"last_key": {...}|null,
                            "count": 1200, "done": false}}}}}
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self._lock = threading.RLock()

    # -- generic --------------------------------------------------------------------------

    def save(self) -> None:
        with self._lock:
            write_json_atomic(self.path, self.data)

    def update(self, now: datetime, **fields: Any) -> None:
        with self._lock:
            self.data.update(fields)
            self.data["updated_at"] = now.isoformat()
            self.save()

    @property
    def status(self) -> str:
        return str(self.data.get("status", "running"))

    # -- steps ----------------------------------------------------------------------------

    def step(self, step_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.data.setdefault("steps", {}).get(step_id) or {"status": "pending"})

    def step_status(self, step_id: str) -> str:
        return str(self.step(step_id).get("status", "pending"))

    def set_step(self, step_id: str, now: datetime, **fields: Any) -> None:
        with self._lock:
            steps = self.data.setdefault("steps", {})
            entry = steps.setdefault(step_id, {"status": "pending"})
            if fields.get("status") == "sent" and "started_at" not in entry:
                entry["started_at"] = now.isoformat()
            if fields.get("status") in ("done", "skipped"):
                entry["finished_at"] = now.isoformat()
            detail = fields.pop("detail", None)
            if detail:
                entry.setdefault("detail", {}).update(detail)
            request_id = fields.pop("request_id", None)
            if request_id:
                entry.setdefault("request_ids", []).append(request_id)
            entry.update(fields)
            self.data["updated_at"] = now.isoformat()
            self.save()

    # -- copy checkpoints -----------------------------------------------------------------

    def copy_progress(self, step_id: str, total_segments: int) -> dict[int, dict[str, Any]]:
        """Per-segment checkpoints of a copy step; creates them on first use.

        Raises MigrationError when a resumed copy asks for another segment count: parallel scan
        segments are defined by TotalSegments, so a checkpoint is only valid with the same one.
        """
        with self._lock:
            copies = self.data.setdefault("copies", {})
            entry = copies.get(step_id)
            if entry is None:
                entry = {
                    "total_segments": total_segments,
                    "segments": {
                        str(s): {"last_key": None, "count": 0, "done": False} for s in range(total_segments)
                    },
                }
                copies[step_id] = entry
                self.save()
            elif int(entry["total_segments"]) != total_segments:
                raise MigrationError(
                    f"step {step_id}: the interrupted copy used {entry['total_segments']} scan segments, "
                    f"not {total_segments}",
                    hint=f"Resume with --copy-segments {entry['total_segments']}.",
                )
            return {int(k): dict(v) for k, v in entry["segments"].items()}

    def checkpoint(
        self, step_id: str, segment: int, last_key: Mapping[str, Any] | None, count: int, done: bool
    ) -> None:
        """Record that every item of ``segment`` up to ``last_key`` is written (``count`` in all)."""
        with self._lock:
            segments = self.data["copies"][step_id]["segments"]
            segments[str(segment)] = {"last_key": last_key, "count": count, "done": done}
            self.save()


class StateStore:
    """The state directory of one target."""

    def __init__(self, root: Path, target: Target) -> None:
        self.root = root
        self.target = target
        self.directory = root / target.slug

    def run_path(self, migration_id: str) -> Path:
        return self.directory / f"run-{_safe(migration_id)}.json"

    def backups_directory(self) -> Path:
        return self.directory / "backups"

    def load_run(self, migration_id: str) -> RunState | None:
        path = self.run_path(migration_id)
        data = read_json(path)
        if data is None:
            return None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise MigrationError(f"{path}: not a lift migrate state file (format {STATE_FORMAT})")
        return RunState(path, data)

    def new_run(self, migration_id: str, name: str, checksum: str, now: datetime) -> RunState:
        data = {
            "format": STATE_FORMAT,
            "migration_id": migration_id,
            "migration_name": name,
            "checksum": checksum,
            "environment": self.target.environment,
            "endpoint": self.target.endpoint,
            "status": "running",
            "message": "",
            "started_at": now.isoformat(),
            "updated_at": now.isoformat(),
            "steps": {},
            "copies": {},
        }
        run = RunState(self.run_path(migration_id), data)
        run.save()
        return run

    def unfinished_runs(self) -> list[str]:
        """Migration ids with a state file that is not done, sorted."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("run-*.json")):
            data = read_json(path)
            if isinstance(data, dict) and data.get("status") != "done":
                out.append(str(data.get("migration_id")))
        return sorted(out)

    # -- applied log ----------------------------------------------------------------------

    def applied(self) -> list[dict[str, Any]]:
        data = read_json(self.directory / "applied.json")
        return list(data.get("applied") or []) if isinstance(data, dict) else []

    def applied_ids(self) -> set[str]:
        return {str(entry["id"]) for entry in self.applied()}

    def record_applied(self, migration_id: str, name: str, checksum: str, now: datetime) -> None:
        entries = [e for e in self.applied() if str(e.get("id")) != migration_id]
        entries.append(
            {"id": migration_id, "name": name, "checksum": checksum, "applied_at": now.isoformat()}
        )
        write_json_atomic(
            self.directory / "applied.json",
            {
                "format": STATE_FORMAT,
                "environment": self.target.environment,
                "endpoint": self.target.endpoint,
                "applied": entries,
            },
        )

    # -- TTL changes (DynamoDB Local and moto cannot tell when TTL last changed) -----------

    def ttl_changes(self) -> dict[str, datetime]:
        data = read_json(self.directory / "ttl-changes.json")
        if not isinstance(data, dict):
            return {}
        return {str(t): datetime.fromisoformat(str(v)) for t, v in (data.get("tables") or {}).items()}

    def record_ttl_change(self, table: str, now: datetime) -> None:
        tables = {t: v.isoformat() for t, v in self.ttl_changes().items()}
        tables[table] = now.isoformat()
        write_json_atomic(self.directory / "ttl-changes.json", {"format": STATE_FORMAT, "tables": tables})


def store_for(settings: Settings) -> StateStore:
    """The state store of the environment/endpoint ``settings`` point at (used by migrate and
    generate-migration alike, so both see the same history)."""
    endpoint = settings.endpoint_url or f"aws:{settings.region or 'us-east-1'}" + (
        f":{settings.profile}" if settings.profile else ""
    )
    root = settings.root / str(settings.config.get("migrations.state_directory"))
    return StateStore(root, Target(settings.env_name, endpoint))
