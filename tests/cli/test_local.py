"""`lift dynamorm local start|status|stop|install` (embedded backend; install from local files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from liftcli.local.procs import pid_alive

LIFT = [sys.executable, "-m", "liftcli", "dynamorm"]


def lift(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIFT, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_start_status_stop(local_project: Path) -> None:
    started = lift(local_project, "local", "start", "--backend", "embedded", "--create-tables")
    try:
        assert started.returncode == 0, started.stderr
        exports = dict(line[len("export "):].split("=", 1) for line in started.stdout.splitlines())
        endpoint = exports["DYNAMODB_ENDPOINT"]
        assert endpoint.startswith("http://127.0.0.1:") and exports["AWS_ACCESS_KEY_ID"] == "dummy"
        assert exports["INVOICES_TABLE"] == "Invoices"
        record = json.loads((local_project / ".lift/dynamorm/local.json").read_text())
        assert record["endpoint"] == endpoint and pid_alive(record["pid"])
        status = lift(local_project, "local", "status")
        assert status.returncode == 0
        assert "embedded" in status.stdout and endpoint in status.stdout
        assert "Invoices, customers" in status.stdout and "uptime" in status.stdout
        again = lift(local_project, "local", "start", "--backend", "embedded")
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        stopped = lift(local_project, "local", "stop")
    assert stopped.returncode == 0 and "Stopped" in stopped.stderr
    assert not pid_alive(record["pid"])
    assert "No local server" in lift(local_project, "local", "status").stderr


def test_stop_never_kills_a_process_that_is_not_ours(local_project: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        state = local_project / ".lift/dynamorm/local.json"
        state.parent.mkdir(parents=True)
        state.write_text(json.dumps({"pid": sleeper.pid, "token": "abc", "backend": "jar", "reason": "x",
                                     "endpoint": "http://127.0.0.1:1", "region": "us-east-1", "started_at": 0,
                                     "log": "x"}))
        done = lift(local_project, "local", "stop")
        assert "no longer running" in done.stderr
        assert sleeper.poll() is None and not state.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_install_aws_offline_is_a_clear_error(tmp_path: Path) -> None:
    done = lift(tmp_path, "local", "install", "--source", "aws", env={"LIFT_DYNAMORM_CACHE": str(tmp_path / "c"),
                                                                     "https_proxy": "http://127.0.0.1:9"})
    assert done.returncode == 1
    assert "could not download" in done.stderr and "--source npm" in done.stderr
    assert "Traceback" not in done.stderr
