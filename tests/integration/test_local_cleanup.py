"""Nothing is left running: SIGKILL/SIGTERM/SIGINT of the runner's process, Ctrl-C during
`lift dynamorm test`, a crashing command; and two parallel `test` runs do not collide."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import _DDB_CACHE, _ddb_unavailable, require_backend, skip_or_fail

pytestmark = pytest.mark.integration
LIFT = [sys.executable, "-m", "liftcli", "dynamorm"]


@pytest.fixture
def jar_available() -> None:
    require_backend("jar")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if _DDB_CACHE:
        env["LIFT_DYNAMORM_CACHE"] = _DDB_CACHE
    return env


def _gone(pid: int, timeout: float = 15.0) -> bool:
    from liftcli.local.procs import pid_alive

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        if proc.poll() is not None:
            raise AssertionError(f"process exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


RUNNER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from liftcli.local import ServerSpec, start_server
    from liftcli.local.procs import terminate_on_signals
    with terminate_on_signals():
        with start_server(ServerSpec(backend="jar")) as server:
            Path(sys.argv[1]).write_text(str(server.pid))
            time.sleep(120)
''')


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_no_orphan_jvm_when_the_runner_dies(jar_available: None, tmp_path: Path, sig: int) -> None:
    pid_file = tmp_path / "pid"
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(pid_file)], env=_env(),
                            stderr=subprocess.PIPE)
    try:
        java_pid = int(_wait_for(pid_file, proc))
        assert not _gone(java_pid, 0.2), "the JVM should be running"
        proc.send_signal(sig)
        proc.wait(30)
        assert _gone(java_pid), f"JVM {java_pid} outlived its parent after signal {sig}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()


# Writes the endpoint it was given and the pids of its siblings (the JVM is one), then obeys argv[2].
COMMAND = textwrap.dedent('''
    import json, os, sys, time
    from pathlib import Path
    siblings = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getppid() and int(stat.parent.name) != os.getpid():
            siblings.append(int(stat.parent.name))
    Path(sys.argv[1]).write_text(json.dumps({"endpoint": os.environ["DYNAMODB_ENDPOINT"], "siblings": siblings}))
    if sys.argv[2] == "sleep":
        time.sleep(60)
    elif sys.argv[2] == "crash":
        os.abort()
''')


def _lift_test(project: Path, out: Path, mode: str, backend: str = "jar") -> subprocess.Popen[bytes]:
    argv = [*LIFT, "test", "--backend", backend, "--", sys.executable, "-c", COMMAND, str(out), mode]
    return subprocess.Popen(argv, cwd=project, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> tuple[int, str]:
    _out, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode()


def test_ctrl_c_during_test_leaves_no_server(jar_available: None, local_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    proc = _lift_test(local_project, out, "sleep")
    seen = json.loads(_wait_for(out, proc))
    assert seen["siblings"], "the JVM should be a sibling of the command"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    code, err = _finish(proc)
    assert code == 130, err
    assert all(_gone(pid) for pid in seen["siblings"]), err


def test_crashing_command_exit_code_and_no_server_left(jar_available: None, local_project: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    code, err = _finish(_lift_test(local_project, out, "crash"))
    assert code == 128 + signal.SIGABRT, err
    seen = json.loads(out.read_text())
    assert all(_gone(pid) for pid in seen["siblings"]), err


@pytest.mark.parametrize("backend", ["jar", "embedded"])
def test_two_parallel_runs_do_not_collide(backend: str, local_project: Path, tmp_path: Path) -> None:
    if backend == "jar":
        reason = _ddb_unavailable("jar")
        if reason:
            skip_or_fail(reason)
    outs = [tmp_path / f"run{i}.json" for i in range(2)]
    procs = [_lift_test(local_project, out, "exit", backend) for out in outs]
    results = [_finish(p) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    endpoints = {json.loads(out.read_text())["endpoint"] for out in outs}
    assert len(endpoints) == 2, "each run gets its own server on its own port"
