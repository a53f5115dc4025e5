"""``start_server``: pick a backend, start it, wait until it answers, and always clean up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from liftcli.errors import LocalServerError
from liftcli.local import backends
from liftcli.local.client import answers_list_tables, client_for
from liftcli.local.spec import ServerSpec

OnEvent = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BackendChoice:
    backend: str
    reason: str


class LocalServer:
    """A running local server. Use as a context manager, or call ``stop()`` (idempotent)."""

    def __init__(self, handle: backends.Handle, backend: str, reason: str, region: str) -> None:
        self._handle = handle
        self.endpoint: str = handle.endpoint
        self.backend = backend
        self.reason = reason
        self.region = region
        self.pid: int | None = handle.pid
        self.started_at = time.time()
        self._stopped = False

    @property
    def in_process(self) -> bool:
        """The server runs in this process and its clients skip HTTP (see ``client``)."""
        return getattr(self._handle, "wsgi_app", None) is not None

    def client(self) -> Any:
        """A boto3 client for this server; for the embedded one, its calls from this process go
        straight to the server's handler instead of over a loopback socket (same responses,
        ~2-4x cheaper per call)."""
        client = client_for(self.endpoint, self.region)
        app = getattr(self._handle, "wsgi_app", None)
        return client if app is None else backends.route_in_process(client, app)

    def alive(self) -> bool:
        return not self._stopped and self._handle.alive()

    def log_tail(self, lines: int = 40) -> str:
        return self._handle.log_tail(lines)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._handle.stop()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalServer(backend={self.backend!r}, endpoint={self.endpoint!r}, pid={self.pid})"


def choose_backend(spec: ServerSpec, environ: dict[str, str] | None = None) -> BackendChoice:
    """The backend ``auto`` resolves to, with the reason (docker > jar > embedded)."""
    if spec.backend != "auto":
        return BackendChoice(spec.backend, "requested")
    why_not: list[str] = []
    docker_reason = _docker_unavailable(environ)
    if docker_reason is None:
        return BackendChoice("docker", "a Docker engine answered")
    why_not.append(f"docker: {docker_reason}")
    jar_reason = _jar_unavailable(spec, environ)
    if jar_reason is None:
        return BackendChoice("jar", "; ".join([*why_not, "jar: Java and DynamoDBLocal.jar found"]))
    why_not.append(f"jar: {jar_reason}")
    return BackendChoice("embedded", "; ".join(why_not))


def _docker_unavailable(environ: dict[str, str] | None) -> str | None:
    # Importing the SDK costs ~0.2 s: skip it when no engine socket can exist.
    hint = backends.docker_engine_hint(environ)
    if hint:
        return hint
    try:
        docker = backends.import_docker()
    except LocalServerError:
        return "the Docker SDK for Python is not installed (pip install 'lift-dynamorm[docker]')"
    try:
        docker.from_env(timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - connection errors come in many types
        return f"no engine answered ({type(exc).__name__})"
    return None


def _jar_unavailable(spec: ServerSpec, environ: dict[str, str] | None) -> str | None:
    from liftcli.local.install import find_installation
    from liftcli.local.launcher import find_java

    if not find_java(spec.java, environ):
        return "no Java found (install Java 17+ or set JAVA_HOME)"
    try:
        found = find_installation(spec.jar, spec.cache_dir, environ)
    except LocalServerError as exc:
        return exc.message
    return None if found else "DynamoDBLocal.jar not installed (run `lift dynamorm local install`)"


def start_server(spec: ServerSpec, *, on_event: OnEvent | None = None, docker_client: Any = None,
                 while_starting: Callable[[], None] | None = None, warm_client: bool = False) -> LocalServer:
    """Start a server as ``spec`` says and return it once a real API call succeeds.

    Raises LocalServerError (with the backend's log tail) when it cannot start or does not
    answer within ``spec.start_timeout``; nothing is left running in that case.
    ``while_starting`` runs once the server process is spawned, before waiting for it (work
    that overlaps a JVM's start); if it raises, the server is stopped and the error propagates.
    ``warm_client`` imports boto3 and loads DynamoDB's service model while a JVM or container
    starts, for callers that make a client right after (the health check itself needs neither).
    """
    say = on_event or (lambda _m: None)
    choice = choose_backend(spec)
    say(f"backend: {choice.backend} ({choice.reason})")
    handle = _start_handle(choice.backend, spec, say, docker_client)
    try:
        if while_starting is not None:
            while_starting()
        if warm_client and choice.backend != "embedded":
            _warm_boto(spec.region)  # ~0.2 s of imports, overlapped with the JVM's start
        handle.wait_listening(spec.start_timeout)
        server = LocalServer(handle, choice.backend, choice.reason, spec.region)
        # A plain HTTP ListTables shows the server answers; boto3 is not needed for that.
        _wait_healthy(server, spec.start_timeout)
    except BaseException:
        handle.stop()
        raise
    return server


def _warm_boto(region: str) -> None:
    # botocore caches the loaded service model per process, so the probe client built once the
    # port is known is cheap.
    client_for("http://127.0.0.1:9", region, probe=True)


def _start_handle(backend: str, spec: ServerSpec, say: OnEvent, docker_client: Any) -> backends.Handle:
    if backend == "embedded":
        return backends.start_embedded(spec, say=say)
    if backend == "docker":
        return backends.start_docker(spec, say=say, client=docker_client)
    if backend == "jar":
        return _start_jar(spec, say)
    raise LocalServerError(f"unknown backend {backend!r}", hint="Use auto, docker, jar or embedded.")


def _start_jar(spec: ServerSpec, say: OnEvent) -> backends.Handle:
    from liftcli.local.install import find_installation
    from liftcli.local.launcher import find_java

    java = find_java(spec.java)
    if not java:
        raise LocalServerError("Java was not found", hint="Install Java 17+ (or set JAVA_HOME / local.java).")
    found = find_installation(spec.jar, spec.cache_dir)
    if found is None:
        raise LocalServerError(
            "DynamoDBLocal.jar is not installed",
            hint="Run `lift dynamorm local install` (or pass --jar PATH / set DYNAMODB_LOCAL_JAR).",
        )
    return backends.start_jar(spec, found.layout, java, say=say)


def _wait_healthy(server: LocalServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        if answers_list_tables(server.endpoint, server.region):
            return
        if not server.alive() or time.monotonic() > deadline:
            state = "exited" if not server.alive() else f"did not answer within {timeout:.0f} s"
            raise LocalServerError(
                f"the {server.backend} server at {server.endpoint} {state}",
                hint="Its log ends with:\n" + (server.log_tail() or "(empty)"),
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)

