"""The three ways to run a local server: DynamoDBLocal.jar, the Docker image, moto in-process.

Each ``start_*`` returns a handle with ``endpoint``, ``pid``, ``alive()``, ``stop()`` and
``log_tail()``; :mod:`liftcli.local.server` wraps it with the health wait and the public API.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from liftcli.errors import LocalServerError
from liftcli.local import procs
from liftcli.local.client import answers_list_tables
from liftcli.local.launcher import READY_MARK, JarLayout, jvm_command
from liftcli.local.spec import DEFAULT_REGION, HOST, ServerSpec

Say = Callable[[str], None]
CONTAINER_PORT = 8000
CONTAINER_DATA = "/home/dynamodblocal/data"
LABEL = "lift.dynamorm"


class Handle(Protocol):
    endpoint: str
    pid: int | None

    def alive(self) -> bool: ...

    def stop(self) -> None: ...

    def log_tail(self, lines: int = 40) -> str: ...

    def wait_listening(self, timeout: float) -> None: ...


def free_port() -> int:
    """A port that was free a moment ago (only for servers that cannot take port 0)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def check_port_free(port: int) -> None:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError as exc:
            raise LocalServerError(
                f"port {port} on {HOST} is already in use",
                hint="Leave --port unset to get a free port, or stop whatever listens there.",
            ) from exc


def server_args(spec: ServerSpec, port: int, *, data_dir: str | None = None) -> list[str]:
    """DynamoDB Local's own flags (dynamodb-rules.md §3.8): -inMemory and -dbPath exclude each other."""
    args = ["-sharedDb", "-disableTelemetry", "-port", str(port)]
    if spec.persist:
        args += ["-dbPath", data_dir or str(spec.persist)]
    else:
        args.append("-inMemory")
    if spec.delay_transient_statuses:
        args.append("-delayTransientStatuses")
    return args


# --------------------------------------------------------------------------- jar


class JarHandle:
    def __init__(self, proc: Any, log: Path, endpoint: str, *, own_log: bool, loopback: bool) -> None:
        self.proc = proc
        self.log = log
        self.endpoint = endpoint
        self.pid: int | None = proc.pid
        self._own_log = own_log
        self._loopback = loopback

    def wait_listening(self, timeout: float) -> None:
        """With the launcher, learn the OS-chosen port from its ready line."""
        if self._loopback:
            self.endpoint = f"http://{HOST}:{_wait_ready_mark(self, timeout)}"

    def alive(self) -> bool:
        return bool(self.proc.poll() is None)

    def stop(self) -> None:
        procs.terminate(self.proc)
        if self._own_log:
            with contextlib.suppress(OSError):
                self.log.unlink()

    def log_tail(self, lines: int = 40) -> str:
        return procs.tail(self.log, lines)


def start_jar(
    spec: ServerSpec,
    layout: JarLayout,
    java: str,
    *,
    say: Say,
    extra_jvm: tuple[str, ...] = (),
    use_cds: bool = True,
    log: Path | None = None,
) -> JarHandle:
    """Start DynamoDBLocal.jar; returns once it listens (before the API health check)."""
    own_log = log is None
    if log is None:
        fd, name = tempfile.mkstemp(prefix="lift-dynamodb-local-", suffix=".log")
        os.close(fd)
        log = Path(name)
    loopback = layout.launcher is not None
    if spec.port:
        check_port_free(spec.port)
    port = spec.port or (0 if loopback else free_port())
    if not loopback:
        say("warning: no loopback launcher (javac was missing at install time): DynamoDB Local listens on "
            "all interfaces; run `lift dynamorm local install --force` with a JDK to restrict it to 127.0.0.1")
    if spec.persist:
        spec.persist.mkdir(parents=True, exist_ok=True)
    cmd = jvm_command(layout, java, server_args(spec, port), use_cds=use_cds, extra=extra_jvm)
    cwd = spec.persist or Path(tempfile.gettempdir())
    proc = procs.spawn(cmd, log=log, cwd=cwd)
    return JarHandle(proc, log, f"http://{HOST}:{port}", own_log=own_log, loopback=loopback)


def _wait_ready_mark(handle: JarHandle, timeout: float) -> int:
    """The port from the launcher's ``DDBLOCAL_READY host:port`` line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = handle.log_tail(200)
        for line in text.splitlines():
            if line.startswith(READY_MARK):
                return int(line.rsplit(":", 1)[1])
        if not handle.alive():
            break
        time.sleep(0.005)
    tail = handle.log_tail()
    handle.stop()
    raise LocalServerError(
        "DynamoDB Local did not start" + ("" if handle.proc.poll() is not None else f" within {timeout:.0f} s"),
        hint="Its log ends with:\n" + (tail or "(empty)") + "\nDynamoDB Local 3.x needs Java 17 or newer.",
    )


# --------------------------------------------------------------------------- embedded (moto)


class _TailHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: collections.deque[str] = collections.deque(maxlen=200)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


_TAIL: _TailHandler | None = None


def _capture_werkzeug() -> _TailHandler:
    """Keep werkzeug's request log in memory: by default it prints every request to stderr."""
    global _TAIL
    if _TAIL is None:
        _TAIL = _TailHandler()
        logger = logging.getLogger("werkzeug")
        logger.addHandler(_TAIL)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return _TAIL


class EmbeddedHandle:
    def __init__(self, server: Any, endpoint: str) -> None:
        self.server = server
        self.endpoint = endpoint
        self.pid: int | None = os.getpid()
        # Clients made in this process can skip HTTP (see route_in_process).
        self.wsgi_app: Any = server if isinstance(server, _DynamoDBServer) else None
        self._running = True

    def alive(self) -> bool:
        return self._running

    def wait_listening(self, timeout: float) -> None:
        pass

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        # moto keeps its backends in module globals: without a reset the next embedded server in
        # this process would see this one's tables.
        with contextlib.suppress(Exception):
            if isinstance(self.server, _DynamoDBServer):
                _reset_moto()
            else:
                import urllib.request

                req = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
                urllib.request.urlopen(req, timeout=5).close()  # noqa: S310 - our own loopback server
        self.server.stop()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(list(_capture_werkzeug().lines)[-lines:])


def start_embedded(spec: ServerSpec, *, say: Say) -> EmbeddedHandle:
    if spec.persist:
        raise LocalServerError(
            "the embedded server keeps data in memory only; --persist needs DynamoDB Local",
            hint="Use --backend jar (after `lift dynamorm local install`) or --backend docker.",
        )
    if spec.delay_transient_statuses:
        say("note: --delay-transient-statuses has no effect on the embedded server")
    if spec.port:
        # ThreadedMotoServer.start() waits forever if its thread cannot bind, so check first.
        check_port_free(spec.port)
    from liftcli.gcpause import collector_paused

    with collector_paused():
        # Importing moto and answering the first call make many objects and almost no garbage
        # cycles: the cyclic collector ran ~200 times, collecting ~600 objects, for ~45 ms of a
        # ~0.45 s start (measured with gc.callbacks).
        return _start_embedded(spec, say)


def _start_embedded(spec: ServerSpec, say: Say) -> EmbeddedHandle:
    _drop_missing_profile(say)
    _capture_werkzeug()
    try:
        server: Any = _DynamoDBServer(HOST, spec.port or 0)
        server.start()
        host, port = server.get_host_and_port()
        if not answers_list_tables(f"http://{host}:{port}", spec.region or DEFAULT_REGION, timeout=10):
            # The lean app leans on moto internals; a moto that changed them gets its full server.
            server.stop()
            raise AttributeError("the DynamoDB-only app does not answer with this moto")
    except (ImportError, AttributeError):
        from moto.server import ThreadedMotoServer

        say("note: using moto's full server (this moto version does not fit the lean one)")
        server = ThreadedMotoServer(ip_address=HOST, port=spec.port or 0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
    return EmbeddedHandle(server, f"http://{host}:{port}")


def _drop_missing_profile(say: Say) -> None:
    """Forget an AWS_PROFILE that names no configured profile.

    Every botocore session in this process (moto builds some while it serves requests) raises
    ProfileNotFound for such a profile; a local server needs no profile at all.
    """
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        name = os.environ.get(var)
        if name and name not in _configured_profiles():
            os.environ.pop(var)
            say(f"note: ignoring {var}={name}: no such profile, and the embedded server needs none")


def _configured_profiles() -> set[str]:
    import botocore.session

    session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    return set(session.available_profiles)


class _DynamoDBServer:
    """moto's DynamoDB (and DynamoDB Streams) API alone on a threaded werkzeug server.

    moto's ``ThreadedMotoServer`` serves every AWS service through a Flask app per service,
    chosen per request from the Host/Authorization headers: importing Flask and building the
    app cost ~0.1 s of the embedded start. DynamoDB clients only ever POST JSON to ``/`` with an
    ``X-Amz-Target`` header, so this WSGI app hands each request straight to moto's handler
    (what moto's own Flask view does), plus ``POST /moto-api/reset`` like moto's server.
    """

    def __init__(self, host: str, port: int) -> None:
        from moto.dynamodb.responses import DynamoHandler
        from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
        from werkzeug.serving import make_server

        self._handlers = (DynamoHandler, DynamoDBStreamsHandler)
        self._request_class = _server_request_class()
        try:
            self._server = make_server(host, port, self, threaded=True)
        except OSError as exc:
            raise LocalServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self._thread: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from botocore.exceptions import ClientError
        from werkzeug.wrappers import Response

        request = self._request_class(environ)
        if request.path == "/moto-api/reset" and request.method == "POST":
            _reset_moto()
            response = Response('{"status": "ok"}', status=200, content_type="application/json")
        elif request.path != "/":
            response = Response(f"no DynamoDB API at {request.path}", status=404)
        else:
            target = request.headers.get("X-Amz-Target", "")
            handler = self._handlers[1] if target.startswith("DynamoDBStreams") else self._handlers[0]
            try:
                result = handler.dispatch(request, request.url, dict(request.headers))
            except ClientError as exc:
                result = 400, {}, exc.response["Error"]["Message"]
            status, headers, content = result if len(result) == 3 else (200, {}, result)
            response = Response(response=content, status=status, headers=headers)
        return response(environ, start_response)

    def start(self) -> None:
        import threading

        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="lift-embedded-dynamodb", daemon=True)
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)


def _server_request_class() -> Any:
    """The request class moto's own server hands its handlers.

    moto >= 5.2 has its own werkzeug ``Request`` (``raw_path``, preserved header names) and asks
    ``from_wsgi_server`` to know the request came through a real WSGI server, as ours does;
    older versions take werkzeug's.
    """
    try:
        from moto.core.request import Request as Base
    except ImportError:
        from werkzeug.wrappers import Request as Base

    return type("LiftServerRequest", (Base,), {"from_wsgi_server": True})


def route_in_process(client: Any, app: Any) -> Any:
    """Send ``client``'s requests straight to the in-process WSGI ``app`` (the embedded server)
    instead of over a loopback socket; returns the client.

    Same handler, same requests and responses, minus the transport: werkzeug closes every
    connection and starts a thread per request, so a call over HTTP costs ~3-6 ms here against
    ~1.4 ms in-process, which matters for the ~60 calls that set up 20 tables. Only the
    process's own setup calls take this path; the user's command talks HTTP as usual.
    """

    def send(request: Any, **_kwargs: Any) -> Any:
        return _call_wsgi(app, request)

    client.meta.events.register("before-send.dynamodb", send)
    client.meta.events.register("before-send.dynamodbstreams", send)
    client._lift_in_process = True  # liftcli.local.tables runs its calls on one thread then
    return client


class _Body:
    """The ``raw`` of a botocore AWSResponse: what it reads the content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Any:
        for start in range(0, len(self._data), amt):
            yield self._data[start:start + amt]

    def read(self, amt: int | None = None) -> bytes:
        data, self._data = (self._data, b"") if amt is None else (self._data[:amt], self._data[amt:])
        return data


def _call_wsgi(app: Any, request: Any) -> Any:
    import io
    import sys
    from urllib.parse import urlsplit

    from botocore.awsrequest import AWSResponse

    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    url = urlsplit(request.url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": url.path or "/",
        "QUERY_STRING": url.query, "SERVER_NAME": url.hostname or HOST, "SERVER_PORT": str(url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": HOST, "wsgi.version": (1, 0), "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": url.netloc,
    }
    for name, value in request.headers.items():
        text = value.decode() if isinstance(value, bytes) else str(value)
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = text
        else:
            environ[f"HTTP_{key}"] = text
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda _data: None

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    status, headers = started
    return AWSResponse(request.url, int(status.split(" ", 1)[0]), dict(headers), _Body(content))


def _reset_moto() -> None:
    """What moto's ``POST /moto-api/reset`` does: forget every backend's state."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    BackendDict.reset()
    reset_model_data()


# --------------------------------------------------------------------------- docker


def import_docker() -> Any:
    try:
        import docker
    except ImportError as exc:
        raise LocalServerError(
            "the docker backend needs the Docker SDK for Python",
            hint="pip install 'lift-dynamorm[docker]', or use --backend jar / embedded.",
        ) from exc
    return docker


def docker_engine_hint(environ: dict[str, str] | None = None) -> str | None:
    """Why no Docker engine can answer, without importing the SDK (None: one might)."""
    env = os.environ if environ is None else environ
    if env.get("DOCKER_HOST"):
        return None
    sockets = [Path("/var/run/docker.sock"), Path.home() / ".docker/run/docker.sock",
               Path.home() / ".colima/default/docker.sock"]
    if any(s.exists() for s in sockets):
        return None
    return "no Docker engine socket (DOCKER_HOST unset, no /var/run/docker.sock)"


class DockerHandle:
    def __init__(self, container: Any, endpoint: str) -> None:
        self.container = container
        self.endpoint = endpoint
        self.pid: int | None = None
        self.container_id = str(getattr(container, "id", ""))

    def wait_listening(self, timeout: float) -> None:
        pass

    def alive(self) -> bool:
        try:
            self.container.reload()
        except Exception:  # noqa: BLE001 - gone is gone, whatever the SDK raises
            return False
        return bool(self.container.status in ("created", "running"))

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.container.remove(force=True, v=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            data = self.container.logs(tail=lines)
        except Exception:  # noqa: BLE001
            return ""
        return data.decode(errors="replace") if isinstance(data, bytes) else str(data)


def start_docker(spec: ServerSpec, *, say: Say, client: Any = None) -> DockerHandle:
    """Run the pinned image, published on 127.0.0.1 only; the container is labelled as ours."""
    if client is None:
        docker = import_docker()
        try:
            client = docker.from_env(timeout=5)
            client.ping()
        except Exception as exc:  # noqa: BLE001 - the SDK raises several unrelated types here
            raise LocalServerError(f"no Docker engine answered: {exc}",
                                   hint="Start Docker, or use --backend jar / embedded.") from exc
    _reap_orphans(client, say)
    _ensure_image(client, spec.image, say)
    command = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "DynamoDBLocal.jar",
               *server_args(spec, CONTAINER_PORT, data_dir=CONTAINER_DATA if spec.persist else None)]
    options: dict[str, Any] = {}
    if spec.persist:
        spec.persist.mkdir(parents=True, exist_ok=True)
        options["volumes"] = {str(spec.persist.resolve()): {"bind": CONTAINER_DATA, "mode": "rw"}}
        # The image runs as user dynamodblocal, which cannot write a host directory it does not
        # own (awsdocs #297); running as the host user keeps the files ours and writable.
        if hasattr(os, "getuid"):
            options["user"] = f"{os.getuid()}:{os.getgid()}"
    container = client.containers.run(
        spec.image,
        command=command,
        detach=True,
        ports={f"{CONTAINER_PORT}/tcp": (HOST, spec.port or None)},
        labels={LABEL: "1", f"{LABEL}.owner-pid": str(os.getpid()), f"{LABEL}.owner-host": socket.gethostname()},
        working_dir="/home/dynamodblocal",
        **options,
    )
    try:
        port = _published_port(container, spec.start_timeout)
    except BaseException:
        with contextlib.suppress(Exception):
            container.remove(force=True, v=True)
        raise
    return DockerHandle(container, f"http://{HOST}:{port}")


def _ensure_image(client: Any, image: str, say: Say) -> None:
    try:
        client.images.get(image)
    except Exception:  # noqa: BLE001 - ImageNotFound, or a fake client without it
        say(f"pulling {image}")
        client.images.pull(image)


def _published_port(container: Any, timeout: float) -> int:
    deadline = time.monotonic() + min(timeout, 10)
    while True:
        container.reload()
        bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{CONTAINER_PORT}/tcp")
        if bindings:
            return int(bindings[0]["HostPort"])
        if time.monotonic() > deadline:
            raise LocalServerError("the DynamoDB Local container published no port")
        time.sleep(0.05)


def _reap_orphans(client: Any, say: Say) -> None:
    """Remove our labelled containers whose owning process on this host is gone (it was SIGKILLed)."""
    host = socket.gethostname()
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        labels = container.labels or {}
        owner = labels.get(f"{LABEL}.owner-pid", "")
        if labels.get(f"{LABEL}.owner-host") == host and owner.isdigit() and not procs.pid_alive(int(owner)):
            say(f"removing container {container.short_id}: its owner (pid {owner}) is gone")
            with contextlib.suppress(Exception):
                container.remove(force=True, v=True)
