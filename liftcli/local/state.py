"""The record of a background server: ``.lift/dynamorm/local.json`` in the project.

Written by the daemon once its server answers; read by ``local status|stop`` and ``test --reuse``.
The daemon's command line carries a random token that is also recorded, so ``stop`` can verify
that a recorded pid is still our daemon before signalling it (pids get reused).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from liftcli.local import procs

STATE_DIR = Path(".lift") / "dynamorm"
STATE_FILE = "local.json"
DAEMON_MODULE = "liftcli.local.daemon"


@dataclass(frozen=True, slots=True)
class ServerRecord:
    pid: int  # the daemon's pid (it owns the server process or container)
    token: str
    backend: str
    reason: str
    endpoint: str
    region: str
    started_at: float
    log: str
    server_pid: int | None = None  # the JVM (jar), None for docker/embedded
    persist: str | None = None
    # The daemon's control channel (liftcli.local.control): its URL on 127.0.0.1 and the bearer
    # key it accepts. None in records written by daemons that predate it.
    control: str | None = None
    control_key: str | None = None

    @property
    def uptime(self) -> float:
        return max(0.0, time.time() - self.started_at)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def state_path(root: Path) -> Path:
    return state_dir(root) / STATE_FILE


def write_record(path: Path, record: ServerRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # Owner-only: the record carries the control channel's key.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(record.to_json(), indent=2) + "\n")
    os.replace(tmp, path)


def read_record(path: Path) -> ServerRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # Fields a newer version may add are ignored rather than making the record unreadable.
        return ServerRecord(**{k: v for k, v in data.items() if k in ServerRecord.__dataclass_fields__})
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def is_ours(record: ServerRecord) -> bool:
    """The recorded pid is alive and is our daemon with this record's token."""
    argv = procs.command_line(record.pid)
    return bool(argv) and any(DAEMON_MODULE in a for a in argv) and record.token in argv  # type: ignore[operator]


def is_alive_daemon(record: ServerRecord) -> bool:
    """The recorded daemon is running (its pid is alive and carries the record's token)."""
    return procs.pid_alive(record.pid) and is_ours(record)


def remove_record(path: Path, token: str | None = None) -> None:
    """Remove the record (only if it still carries ``token``, when given)."""
    record = read_record(path)
    if record is None or token is None or record.token == token:
        path.unlink(missing_ok=True)
