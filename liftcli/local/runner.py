"""The core of ``lift dynamorm test``: server, tables, seeds, the user's command, teardown."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from liftcli.errors import LiftError, LocalServerError, UsageError
from liftcli.local import procs
from liftcli.local.spec import ServerSpec, client_environment, local_only_environment
from liftcli.local.tables import CreatedTable, plan_tables

if TYPE_CHECKING:
    from liftcli.dynamorm.model import Model
    from liftcli.local.seed import SeedPlan
    from liftcli.local.state import ServerRecord

OnEvent = Callable[[str], None]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]", "host.docker.internal")


@dataclass(frozen=True, slots=True)
class TestRequest:
    """What ``lift dynamorm test`` was asked to do (flags and config already merged)."""

    command: tuple[str, ...]
    server: ServerSpec = field(default_factory=ServerSpec)
    endpoint_url: str | None = None  # reuse this server instead of starting one
    seeds: tuple[Path, ...] = ()
    table_prefix: str | None = None
    keep: bool = False
    reuse: bool = False
    state_file: Path | None = None  # .lift/dynamorm/local.json (needed for keep/reuse)
    cwd: Path | None = None
    environ: Mapping[str, str] | None = None  # base environment of the command (default: ours)


@dataclass(frozen=True, slots=True)
class TestSummary:
    backend: str
    reason: str
    endpoint: str
    region: str
    tables: tuple[CreatedTable, ...]
    seeded: Mapping[str, int]
    exit_code: int
    timings: Mapping[str, float]
    reused: bool = False
    kept: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend, "reason": self.reason, "endpoint": self.endpoint, "region": self.region,
            "tables": [t.to_dict() for t in self.tables], "seeded": dict(self.seeded),
            "exit_code": self.exit_code, "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "reused": self.reused, "kept": self.kept,
        }


@dataclass(slots=True)
class _Server:
    endpoint: str
    region: str
    backend: str
    reason: str
    stop: Callable[[], None] | None  # None: not ours to stop (kept, reused or external)
    reused: bool = False
    control: tuple[str, str] | None = None  # (url, key) of the daemon's control channel
    make_client: Callable[[], Any] | None = None  # LocalServer.client of a server we started


def command_environment(
    endpoint: str, region: str, tables: Sequence[CreatedTable], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The command's environment: ours, the endpoint variables, and each model's table variable."""
    env = local_only_environment(os.environ if base is None else base)
    env.update(client_environment(endpoint, region))
    env["INTEGRATION_TEST"] = "true"
    env.pop("SKIP_INTEGRATION", None)  # we just made integration tests possible
    for table in tables:
        for var in table.env_vars:
            env[var] = table.name
    return env


def run_tests(request: TestRequest, models: Sequence[Model] | Callable[[], Sequence[Model]], *,
              on_event: OnEvent | None = None) -> TestSummary:
    """Run ``request.command`` against a local server with the models' tables; never raises
    for a failing command (its exit code is in the summary).

    ``models`` may be a function that loads them: it is then called while a fresh server starts.
    """
    say = on_event or (lambda _m: None)
    if not request.command:
        raise UsageError("no command to run", hint="Pass one after `--`, or set test.command in lift.yaml.")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    env_overrides = dict(request.environ or os.environ)
    prepared: list[Any] = []

    def plan() -> None:
        loaded = list(models() if callable(models) else models)
        planned = plan_tables(loaded, table_prefix=request.table_prefix, env_overrides=env_overrides)
        prepared[:] = [planned, _validated_seeds(request, loaded, planned)]

    fresh = not (request.endpoint_url or request.reuse or request.keep)
    if not fresh:
        plan()  # before anything starts or is written
    # A fresh server: the models are read and the seeds validated while it starts (a JVM takes
    # ~1 s); a problem stops it again before any table is written.
    server = _acquire_server(request, say, while_starting=plan if fresh else None)
    planned, seeds = prepared
    timings["server"] = time.perf_counter() - t0
    try:
        reset = server.reused or request.endpoint_url is not None
        mark = time.perf_counter()
        done = _prepare_in_daemon(server, planned, seeds, reset, say) if server.control else None
        if done is not None:
            seeded = done.get("seeded") or {}
            daemon_timings = done.get("timings") or {}
            timings["tables"] = float(daemon_timings.get("tables", time.perf_counter() - mark))
            timings["seed"] = float(daemon_timings.get("seed", 0.0))
        else:
            from liftcli.local.client import client_for
            from liftcli.local.tables import MAX_PARALLEL, is_in_process, prepare_tables, table_requests

            client = server.make_client() if server.make_client else client_for(server.endpoint, server.region)
            prepare_tables(client, table_requests(planned), reset=reset,
                           workers=1 if is_in_process(client) else MAX_PARALLEL)
            timings["tables"] = time.perf_counter() - mark
            mark = time.perf_counter()
            seeded = _write_seeds(client, seeds)
            timings["seed"] = time.perf_counter() - mark
        tables = [table for _, table in planned]
        env = command_environment(server.endpoint, server.region, tables, request.environ)
        timings["until_command"] = time.perf_counter() - t0
        mark = time.perf_counter()
        code = run_command(request.command, env=env, cwd=request.cwd)
        timings["command"] = time.perf_counter() - mark
    finally:
        if server.stop is not None:
            server.stop()
    timings["total"] = time.perf_counter() - t0
    return TestSummary(server.backend, server.reason, server.endpoint, server.region, tuple(tables), seeded, code,
                       timings, reused=server.reused, kept=server.stop is None and request.endpoint_url is None)


def _validated_seeds(request: TestRequest, models: Sequence[Model], planned: Sequence[Any]) -> SeedPlan | None:
    if not request.seeds:
        return None
    from liftcli.local.seed import load_seeds

    names = {model: table.name for _, table in planned for model in table.models}
    return load_seeds(request.seeds, models, names)


def _prepare_in_daemon(server: _Server, planned: Sequence[Any], seeds: SeedPlan | None, reset: bool,
                       say: OnEvent) -> dict[str, Any] | None:
    """Tables and seeds through the background daemon's control channel (no boto3 here);
    None when the channel is not usable, so the caller does it in this process."""
    from liftcli.local import control
    from liftcli.local.tables import table_requests

    assert server.control is not None
    url, key = server.control
    items = None
    if seeds is not None:
        from liftcli.local.seed import items_by_table

        items = items_by_table(seeds)
    try:
        return control.prepare(url, key, table_requests(planned), reset=reset, seeds=items)
    except control.ControlUnavailable as exc:
        say(f"note: {exc}; preparing the tables in this process")
        return None


def _write_seeds(client: Any, plan: SeedPlan | None) -> dict[str, int]:
    if plan is None:
        return {}
    from liftcli.local.seed import write_seeds

    return write_seeds(client, plan)


def _acquire_server(request: TestRequest, say: OnEvent, *, while_starting: Callable[[], None] | None = None) -> _Server:
    spec = request.server
    if request.endpoint_url:
        _check_loopback(request.endpoint_url)
        from liftcli.local.client import is_healthy

        if not is_healthy(request.endpoint_url, spec.region):
            raise LocalServerError(f"nothing answers DynamoDB calls at {request.endpoint_url}",
                                   hint="Start it (`lift dynamorm local start`) or drop --endpoint-url.")
        return _Server(request.endpoint_url, spec.region, "external", "--endpoint-url", None)
    if request.reuse or request.keep:
        return _background_server(request, say)
    from liftcli.local.server import start_server

    server = start_server(spec, on_event=say, while_starting=while_starting, warm_client=True)
    return _Server(server.endpoint, server.region, server.backend, server.reason, server.stop,
                   make_client=server.client)


def _background_server(request: TestRequest, say: OnEvent) -> _Server:
    from liftcli.local.state import is_alive_daemon, read_record

    if request.state_file is None:
        raise UsageError("--keep and --reuse need a project directory to record the server in")
    record = read_record(request.state_file)
    if record is not None and is_alive_daemon(record):
        healthy, control = _record_health(record)
        if healthy:
            if not request.reuse:
                raise LocalServerError(
                    f"a kept server is already running at {record.endpoint}",
                    hint="Add --reuse to use it, or stop it with `lift dynamorm local stop`.",
                )
            say(f"reusing the {record.backend} server at {record.endpoint} (pid {record.pid})")
            return _Server(record.endpoint, record.region, record.backend, "reused", None, reused=True,
                           control=control)
    from liftcli.local.daemon import start_background

    record = start_background(request.server, request.state_file)
    say(f"backend: {record.backend} ({record.reason}); kept running in the background (pid {record.pid})")
    return _Server(record.endpoint, record.region, record.backend, record.reason, None, control=_control(record))


def _control(record: ServerRecord) -> tuple[str, str] | None:
    return (record.control, record.control_key) if record.control and record.control_key else None


def _record_health(record: ServerRecord) -> tuple[bool, tuple[str, str] | None]:
    """(the recorded server answers, its usable control channel): through the channel when the
    daemon has one (no boto3 import), else (an older daemon) with a DynamoDB call from here."""
    control = _control(record)
    if control is not None:
        from liftcli.local import control as channel

        try:
            return channel.health(*control), control
        except channel.ControlUnavailable:
            control = None
    from liftcli.local.client import is_healthy

    return is_healthy(record.endpoint, record.region), control


def _check_loopback(url: str) -> None:
    # The run deletes and recreates the models' tables: never do that to a remote endpoint.
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise UsageError(
            f"--endpoint-url {url} is not a local server; `test` deletes and recreates tables there",
            hint="Use an endpoint on 127.0.0.1/localhost, e.g. from `lift dynamorm local start`.",
        )


def run_command(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> int:
    """Run the user's command in our process group (so Ctrl-C reaches it directly); returns its
    exit code (128+N when killed by signal N). SIGTERM to us is forwarded to it."""
    try:
        proc = subprocess.Popen(list(argv), env=dict(env), cwd=cwd,
                                preexec_fn=procs._die_with_parent(os.getpid()))  # noqa: PLW1509
    except FileNotFoundError as exc:
        raise LiftError(f"command not found: {argv[0]}",
                        hint="Install it, or set the command with `-- CMD ...` or test.command in lift.yaml.") from exc
    except PermissionError as exc:
        raise LiftError(f"cannot run {argv[0]}: permission denied") from exc
    try:
        code = proc.wait()
    except BaseException:
        # Ctrl-C already reached the child (same process group); SIGTERM did not.
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        raise
    return 128 - code if code < 0 else code
