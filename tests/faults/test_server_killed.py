"""The local server dies while `lift dynamorm test` runs the user's command.

The command itself SIGKILLs the process that listens on DYNAMODB_ENDPOINT's port (found through
/proc, as `ss -ltnp` does), then makes a DynamoDB call that now fails and exits with its own code.
`test` must report the command's failure (its exit code, in the summary and as lift's exit code),
must not turn the dead server into an internal error during teardown, and must leave no server
process behind: for a plain run the JVM; with --reuse the background daemon (which notices its
server died and removes its record) and its JVM.

Cases: the jar (killed: the JVM) plain and with --reuse, and the embedded server with --reuse
(killed: the daemon that hosts it). A plain embedded run has its server inside lift's own process,
so there is nothing separate to kill.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require_backend

pytestmark = pytest.mark.integration

COMMAND_EXIT = 7

#: the user's command: kill the server, then try to use it
KILLER = r"""
import json, os, signal, sys, time
from pathlib import Path
from urllib.parse import urlparse

port = urlparse(os.environ["DYNAMODB_ENDPOINT"]).port
inodes = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in Path(table).read_text().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and int(f[1].split(":")[1], 16) == port:
            inodes.add(f"socket:[{f[9]}]")
owners = set()
for proc in Path("/proc").iterdir():
    if not proc.name.isdigit():
        continue
    try:
        for fd in (proc / "fd").iterdir():
            if os.readlink(fd) in inodes:
                owners.add(int(proc.name))
                break
    except OSError:
        continue
assert len(owners) == 1, owners
(pid,) = owners
Path(sys.argv[1]).write_text(json.dumps({"pid": pid, "port": port}))
os.kill(pid, signal.SIGKILL)
for _ in range(200):
    if not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
        break
    time.sleep(0.05)

import boto3, botocore.config, botocore.exceptions
client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                      config=botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=2))
try:
    client.list_tables()
except botocore.exceptions.EndpointConnectionError as exc:
    print(f"server gone: {exc}", file=sys.stderr)
    sys.exit(int(sys.argv[2]))
sys.exit(0)  # the server still answers: the test fails on the exit code
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def listeners(port: int) -> list[int]:
    """Pids with a listening socket on port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and int(f[1].split(":")[1], 16) == port:
                inodes.add(f"socket:[{f[9]}]")
    owners = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                    owners.append(int(proc.name))
            except OSError:
                continue
    return owners


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if text.encode() in (proc / "cmdline").read_bytes() and alive(int(proc.name)):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def wait_until(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


@pytest.mark.parametrize(
    ("backend", "reuse"),
    [("jar", False), ("jar", True), ("embedded", True)],
    ids=["jar", "jar-reuse", "embedded-reuse"],
)
def test_server_killed_while_the_command_runs(backend: str, reuse: bool, local_project: Path) -> None:
    require_backend(backend)
    killed = local_project / "killed.json"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    argv = [
        sys.executable,
        "-m",
        "liftcli",
        "dynamorm",
        "test",
        "--backend",
        backend,
        "--json",
        *(["--reuse"] if reuse else []),
        "--",
        sys.executable,
        "-c",
        KILLER,
        str(killed),
        str(COMMAND_EXIT),
    ]
    record_path = local_project / ".lift" / "dynamorm" / "local.json"
    try:
        result = subprocess.run(
            argv, cwd=local_project, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert killed.exists(), f"the command did not run:\n{result.stderr}"
        victim = json.loads(killed.read_text())

        # the command's failure is what lift reports
        assert result.returncode == COMMAND_EXIT, result.stderr
        assert "server gone" in result.stderr
        assert "Traceback" not in result.stderr and "Internal error" not in result.stderr, result.stderr
        assert f"command exited {COMMAND_EXIT}" in result.stderr
        summary = json.loads(result.stdout)
        assert summary["exit_code"] == COMMAND_EXIT and summary["backend"] == backend
        assert summary["endpoint"].endswith(f":{victim['port']}")

        # nothing is left: the killed server, anything else on its port, the daemon of --reuse
        assert wait_until(lambda: not alive(victim["pid"])), f"pid {victim['pid']} still alive"
        assert wait_until(lambda: listeners(victim["port"]) == []), listeners(victim["port"])
        assert wait_until(lambda: processes_mentioning(str(record_path)) == []), (
            "the --reuse daemon is still running"
        )
        if reuse and backend == "jar":
            # the daemon saw its JVM die and removed its record itself
            assert wait_until(lambda: not record_path.exists()), record_path.read_text()
        status = subprocess.run(
            [sys.executable, "-m", "liftcli", "dynamorm", "local", "status"],
            cwd=local_project,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert "No local server is running" in status.stderr or "not running" in status.stderr.lower(), (
            status.stdout + status.stderr
        )

        # and the next run starts a fresh server and works
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "liftcli",
                "dynamorm",
                "test",
                "--backend",
                backend,
                *(["--reuse"] if reuse else []),
                "--",
                sys.executable,
                "-c",
                "pass",
            ],
            cwd=local_project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert again.returncode == 0, again.stderr
    finally:
        if record_path.exists():
            subprocess.run(
                [sys.executable, "-m", "liftcli", "dynamorm", "local", "stop"],
                cwd=local_project,
                env=env,
                capture_output=True,
                timeout=60,
                check=False,
            )
