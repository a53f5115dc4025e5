"""The background process of ``lift dynamorm local start`` (and ``test --reuse``).

``python -m liftcli.local.daemon --state PATH --token T --spec JSON`` starts a server with
:func:`liftcli.local.server.start_server`, records it in PATH, and waits for SIGTERM/SIGHUP/
SIGINT; then it stops the server and removes the record. Its JVM child is tied to it with
PDEATHSIG, so even a SIGKILL of the daemon leaves no JVM behind.

It also serves the control channel (:mod:`liftcli.local.control`, recorded in PATH) through which
``test --reuse`` has it prepare tables and seeds with its already-loaded boto3 client.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from liftcli.errors import LiftError, LocalServerError
from liftcli.local import procs
from liftcli.local.spec import (
    DUMMY_ACCESS_KEY_ID,
    DUMMY_SECRET_ACCESS_KEY,
    ServerSpec,
    local_only_environment,
)
from liftcli.local.state import (  # noqa: F401 - is_alive_daemon is part of this module's API
    DAEMON_MODULE,
    ServerRecord,
    is_alive_daemon,
    read_record,
    remove_record,
    write_record,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=DAEMON_MODULE)
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--token", required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args(argv)
    from liftcli.local.control import ControlServer
    from liftcli.local.server import start_server

    spec = ServerSpec.from_json(json.loads(args.spec))
    log = args.state.with_suffix(".log")
    control: ControlServer | None = None
    try:
        with procs.terminate_on_signals():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            with start_server(spec, on_event=lambda m: print(m, flush=True), warm_client=True) as server:
                control = ControlServer(server.client()).start()
                write_record(args.state, ServerRecord(
                    pid=os.getpid(), token=args.token, backend=server.backend, reason=server.reason,
                    endpoint=server.endpoint, region=server.region, started_at=server.started_at,
                    log=str(log), server_pid=server.pid if server.pid != os.getpid() else None,
                    persist=str(spec.persist) if spec.persist else None,
                    control=control.url, control_key=control.key,
                ))
                print(f"ready {server.endpoint}", flush=True)
                while server.alive():
                    time.sleep(0.5)
                print("the server exited on its own:\n" + server.log_tail(), flush=True)
                return 1
    except (procs.Terminated, KeyboardInterrupt):
        return 0
    except LiftError as exc:
        print(f"Error: {exc.message}" + (f"\nHint: {exc.hint}" if exc.hint else ""), flush=True)
        return 1
    finally:
        if control is not None:
            control.close()
        remove_record(args.state, args.token)


# Detached daemons are never waited for; holding their Popen objects keeps CPython from warning
# "subprocess is still running" when they would be garbage-collected while we still run.
_DETACHED: list[subprocess.Popen[bytes]] = []


def start_background(spec: ServerSpec, state: Path, *, timeout: float | None = None) -> ServerRecord:
    """Spawn the daemon detached (it must outlive this process) and wait for its record."""
    log = state.with_suffix(".log")
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        # The daemon writes its log and record here; a full disk or a read-only folder would
        # kill it silently on its first line, so find out now, with the reason.
        with log.open("wb") as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
        log.write_bytes(b"")
    except OSError as exc:
        raise LocalServerError(
            f"cannot write the server's state in {state.parent}: {exc.strerror or exc}",
            hint="Free disk space or make the folder writable; the background server records itself there.",
        ) from None
    token = secrets.token_hex(8)
    argv = [sys.executable, "-m", DAEMON_MODULE, "--state", str(state), "--token", token,
            "--spec", json.dumps(spec.to_json())]
    # The daemon and its server talk only to themselves: they get dummy credentials, never ours.
    env = {**local_only_environment(os.environ), "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
           "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY}
    proc = procs.spawn(argv, log=log, tied=False, env=env)
    _DETACHED.append(proc)
    deadline = time.monotonic() + (timeout or spec.start_timeout) + 10
    while time.monotonic() < deadline:
        record = read_record(state)
        if record is not None and record.token == token:
            return record
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    if proc.poll() is None:
        procs.terminate(proc)
    else:
        proc.wait()
    raise LocalServerError("the background server did not start", hint="Its log ends with:\n" + procs.tail(log))


def stop_background(state: Path) -> ServerRecord | None:
    """Stop the recorded daemon if it is really ours; returns its record (None if none)."""
    record = read_record(state)
    if record is None:
        return None
    if is_alive_daemon(record):
        procs.kill_verified(record.pid, record.token, timeout=15)
    remove_record(state, record.token)
    return record


if __name__ == "__main__":
    sys.exit(main())
