"""Planted AWS credentials never show up in output, logs or written files.

Fake credentials are planted in the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_SESSION_TOKEN) and in a profile of a temporary AWS_SHARED_CREDENTIALS_FILE. The real CLI then
runs (as a subprocess, so `--debug` tracebacks, logging and the background daemon behave as they
do for a user) against endpoints that fail in various ways: nothing listening, a local server that
refuses every call (UnrecognizedClientException, AccessDenied, a non-JSON 500), and the embedded
server for a full generate-migration/migrate run, `local start/status/stop` and `test --json`.
Every stdout, stderr and every file written under the project must be free of the planted values.

`lift dynamorm test` gives its command dummy credentials; the planted ones must not reach it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import LOCAL_MODELS_GO, require_backend, write_tree
from tests.helpers import GO_MOD

ACCESS_KEY = "AKIAFAKEFAKEFAKE1234"
SECRET_KEY = "planted/secret/value"
SESSION_TOKEN = "planted-session-token"
PROFILE_ACCESS_KEY = "AKIAPROFILEFAKE56789"
PROFILE_SECRET = "profile/planted/secret+value"
PROFILE_TOKEN = "profile-planted-session-token"
#: values that must never be printed or written (the access key ids are not secret by themselves,
#: but lift has no reason to print them either, so they are checked too)
PLANTED = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, PROFILE_ACCESS_KEY, PROFILE_SECRET, PROFILE_TOKEN)


@pytest.fixture
def planted(local_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a developer with real-looking credentials, for subprocesses."""
    home = tmp_path_factory.mktemp("aws-home")
    credentials = home / "credentials"
    credentials.write_text(
        "[planted]\n"
        f"aws_access_key_id = {PROFILE_ACCESS_KEY}\n"
        f"aws_secret_access_key = {PROFILE_SECRET}\n"
        f"aws_session_token = {PROFILE_TOKEN}\n"
    )
    (home / "config").write_text("[profile planted]\nregion = us-east-1\n")
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_CONFIG_FILE=str(home / "config"),
        PYTHONWARNINGS="ignore",
    )
    return env


def lift(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liftcli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_clean(where: str, text: str) -> None:
    for value in PLANTED:
        assert value not in text, f"planted credential {value!r} appears in {where}:\n{text[-3000:]}"


def assert_run_clean(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert_clean(f"stdout of {what}", result.stdout)
    assert_clean(f"stderr of {what}", result.stderr)


def assert_files_clean(root: Path) -> list[Path]:
    """Every file under root (state files, migrations, logs, records) is free of the values."""
    checked = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            assert_clean(str(path.relative_to(root)), path.read_bytes().decode("utf-8", "replace"))
            checked.append(path)
    return checked


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------
# A local server that refuses every call
# ---------------------------------------------------------------------------------------------

REFUSALS = {
    "unrecognized-client": (
        400,
        "com.amazon.coral.service#UnrecognizedClientException",
        "The security token included in the request is invalid.",
    ),
    "access-denied": (
        400,
        "com.amazonaws.dynamodb.v20120810#AccessDeniedException",
        "User is not authorized to perform: dynamodb:DescribeTable",
    ),
    "server-error": (500, None, "<html>upstream broke</html>"),
}


@pytest.fixture(params=sorted(REFUSALS))
def refusing_server(request: pytest.FixtureRequest) -> Iterator[str]:
    status, error_type, message = REFUSALS[request.param]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if error_type is None:
                body, ctype = message.encode(), "text/html"
            else:
                body = json.dumps({"__type": error_type, "message": message}).encode()
                ctype = "application/x-amz-json-1.0"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "REFUSED0000000000000000000000000000000000000000000000")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


COMMANDS = [
    ("dynamorm", "validate"),
    ("--debug", "dynamorm", "validate"),
    ("dynamorm", "validate", "--profile", "planted"),
    ("dynamorm", "generate-migration", "--name", "x"),
    ("--debug", "dynamorm", "generate-migration", "--name", "x"),
    ("dynamorm", "import", "--all"),
    ("--debug", "dynamorm", "import", "--all", "--profile", "planted"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_unreachable_endpoint(planted: dict[str, str], local_project: Path, args: tuple[str, ...]) -> None:
    result = lift(planted, local_project, *args, "--endpoint-url", f"http://127.0.0.1:{closed_port()}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Error:" in result.stderr or "Traceback" in result.stderr
    assert_run_clean(result, " ".join(args))
    assert_files_clean(local_project)


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_endpoint_refuses_the_call(
    planted: dict[str, str], local_project: Path, refusing_server: str, args: tuple[str, ...]
) -> None:
    result = lift(planted, local_project, *args, "--endpoint-url", refusing_server)
    assert result.returncode == 1, result.stdout + result.stderr
    assert_run_clean(result, " ".join(args))
    assert_files_clean(local_project)


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_bad_profile_and_config_output(
    planted: dict[str, str], local_project: Path, debug: tuple[str, ...]
) -> None:
    missing = lift(
        planted,
        local_project,
        *debug,
        "dynamorm",
        "validate",
        "--profile",
        "nope",
        "--endpoint-url",
        f"http://127.0.0.1:{closed_port()}",
    )
    assert missing.returncode == 1, missing.stderr
    assert "nope" in missing.stderr
    assert_run_clean(missing, "validate --profile nope")
    for fmt in ("text", "json"):
        for extra in ((), ("--profile", "planted")):
            result = lift(planted, local_project, *debug, "dynamorm", "config", "--format", fmt, *extra)
            assert result.returncode == 0, result.stderr
            assert_run_clean(result, f"config --format {fmt} {extra}")
    shown = json.loads(
        lift(planted, local_project, "dynamorm", "config", "--format", "json", "--profile", "planted").stdout
    )
    assert shown["settings"]["profile"] == "planted"  # the profile name is shown, never its keys


# ---------------------------------------------------------------------------------------------
# The embedded server: local start/status/stop, a full migrate run, test --json
# ---------------------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["embedded", "jar"])
def test_local_server_migrate_and_state_files(
    planted: dict[str, str], local_project: Path, backend: str
) -> None:
    require_backend(backend)
    started = lift(planted, local_project, "dynamorm", "local", "start", "--backend", backend, timeout=180)
    assert started.returncode == 0, started.stderr
    try:
        assert_run_clean(started, "local start")
        endpoint = next(
            line.split("=", 1)[1]
            for line in started.stdout.splitlines()
            if line.startswith("export DYNAMODB_ENDPOINT=")
        )
        assert "export AWS_SECRET_ACCESS_KEY=dummy" in started.stdout
        for fmt in ("text", "json"):
            status = lift(planted, local_project, "--debug", "dynamorm", "local", "status", "--format", fmt)
            assert status.returncode == 0, status.stderr
            assert_run_clean(status, f"local status --format {fmt}")
        # a whole migration with the planted credentials (the CLI's own client uses them; the
        # local server accepts any): files under migrations/ and .lift/dynamorm/
        drift = lift(planted, local_project, "dynamorm", "validate", "--endpoint-url", endpoint)
        assert drift.returncode == 3, drift.stderr
        generated = lift(
            planted,
            local_project,
            "dynamorm",
            "generate-migration",
            "--name",
            "create",
            "--endpoint-url",
            endpoint,
        )
        assert generated.returncode == 0, generated.stderr
        applied = lift(
            planted,
            local_project,
            "--debug",
            "dynamorm",
            "migrate",
            "--yes",
            "--endpoint-url",
            endpoint,
            timeout=300,
        )
        assert applied.returncode == 0, applied.stderr
        again = lift(planted, local_project, "dynamorm", "migrate", "--yes", "--endpoint-url", endpoint)
        in_sync = lift(planted, local_project, "dynamorm", "validate", "--endpoint-url", endpoint)
        assert in_sync.returncode == 0, in_sync.stderr
        for result, what in (
            (drift, "validate"),
            (generated, "generate-migration"),
            (applied, "migrate"),
            (again, "migrate again"),
            (in_sync, "validate"),
        ):
            assert_run_clean(result, what)
    finally:
        stopped = lift(planted, local_project, "dynamorm", "local", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert_run_clean(stopped, "local stop")
    files = {p.relative_to(local_project).as_posix() for p in assert_files_clean(local_project)}
    assert ".lift/dynamorm/local.log" in files
    assert any(f.startswith("migrations/dynamorm/") for f in files)
    assert any(f.startswith(".lift/dynamorm/") and f.endswith("/applied.json") for f in files), files


def child_env(
    planted: dict[str, str], project: Path, *extra: str, backend: str = "embedded"
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    dump = project / "child-env.json"
    script = f"import json, os; json.dump(dict(os.environ), open({str(dump)!r}, 'w'))"
    result = lift(
        planted,
        project,
        "dynamorm",
        "test",
        "--backend",
        backend,
        "--json",
        *extra,
        "--",
        sys.executable,
        "-c",
        script,
    )
    env = json.loads(dump.read_text()) if dump.exists() else {}
    dump.unlink(missing_ok=True)
    return result, env


@pytest.mark.integration
def test_test_command_gives_the_child_dummy_credentials(planted: dict[str, str], local_project: Path) -> None:
    result, env = child_env(planted, local_project)
    assert result.returncode == 0, result.stderr
    assert_run_clean(result, "test --json")
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 0 and summary["backend"] == "embedded"
    assert env["AWS_ACCESS_KEY_ID"] == "dummy" and env["AWS_SECRET_ACCESS_KEY"] == "dummy"
    assert env["DYNAMODB_ENDPOINT"] == summary["endpoint"]
    for value in (ACCESS_KEY, SECRET_KEY):
        assert value not in env.values(), f"planted {value!r} forwarded to the test command"
    assert_files_clean(local_project)


@pytest.mark.integration
def test_test_command_does_not_forward_the_session_token(
    planted: dict[str, str], local_project: Path
) -> None:
    result, env = child_env(planted, local_project)
    assert result.returncode == 0, result.stderr
    assert "AWS_SESSION_TOKEN" not in env and SESSION_TOKEN not in env.values()


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["embedded", "jar"])
def test_test_command_ignores_an_unknown_profile(
    planted: dict[str, str], local_project: Path, backend: str
) -> None:
    require_backend(backend)
    result, env = child_env(
        {**planted, "AWS_PROFILE": "not-configured-here"},
        local_project,
        "--start-timeout",
        "5",
        backend=backend,
    )
    assert_run_clean(result, "test with AWS_PROFILE")
    assert result.returncode == 0, result.stderr
    assert env["AWS_ACCESS_KEY_ID"] == "dummy"


def test_fixture_files_are_where_the_project_is(local_project: Path) -> None:
    """Guard: the scanned tree is the project the commands ran in (a typo would scan nothing)."""
    write_tree(local_project, {"probe.txt": "x"})
    assert (local_project / "models" / "models.go").read_text() == LOCAL_MODELS_GO
    assert (local_project / "go.mod").read_text() == GO_MOD.format(version="v1.3.0")
    assert local_project / "probe.txt" in assert_files_clean(local_project)
