"""The background daemon's control channel: prepare tables without importing boto3 in the CLI.

``test --reuse`` used to spend ~0.3 s importing boto3/botocore and building a client just to
recreate tables on a server that was already warm. The daemon has all of that loaded, so it
serves a tiny HTTP API on 127.0.0.1 (an OS-chosen port) and does the work itself:

* ``GET /health``: ListTables (Limit 1) through the daemon's client; 200 ``{"ok": true}``, else 503.
* ``POST /prepare`` ``{"tables": [{"request": CreateTable request, "ttl": attr|null}], "reset":
  bool, "seeds": {table: [typed item]}}``: :func:`liftcli.local.tables.prepare_tables` (reset:
  identical tables are kept and emptied, others recreated, missing ones created; TTL enabled),
  then the seed items are written. 200 ``{"tables": {name: action}, "seeded": {table: n}}``;
  422 ``{"error", "hint"}`` when the work itself fails (a LiftError).

Every request needs ``Authorization: Bearer <key>``; the key is random per daemon and recorded
(with the URL) in the owner-only ``.lift/dynamorm/local.json``. (The daemon's ``--token`` is on its
command line, visible to every local user, so it is not used as the secret.) Both ends use only
the standard library, and the client side only ``socket`` and ``json`` (``urllib.request`` alone
costs ~30 ms of imports, a sizeable part of a 0.5 s budget). Binary attribute values travel
base64-encoded, as in DynamoDB's own JSON.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from liftcli.errors import LiftError, LocalServerError

HEALTH_TIMEOUT = 5.0
PREPARE_TIMEOUT = 300.0
CONNECT_TIMEOUT = 2.0
MAX_BODY = 256 * 1024 * 1024


class ControlUnavailable(Exception):  # noqa: N818 - a condition, not a failure of the work
    """The channel is not there (nothing listens, wrong key, an older daemon): use the in-process path."""


# --------------------------------------------------------------------------- client side


def call(url: str, key: str, method: str, path: str, body: Any = None, *, timeout: float) -> tuple[int, Any]:
    """One request over a fresh connection (the server closes it after answering): (status, JSON)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    head = (f"{method} {path} HTTP/1.0\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise ControlUnavailable(f"nothing answers at {url}: {exc}") from exc
    try:
        sock.settimeout(timeout)
        sock.sendall(head + payload)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except TimeoutError as exc:
        raise LocalServerError(f"the background server's control channel did not answer {path} within "
                               f"{timeout:.0f} s", hint="See .lift/dynamorm/local.log, or restart it with "
                               "`lift dynamorm local stop`.") from exc
    except OSError as exc:
        raise ControlUnavailable(f"the control channel at {url} failed: {exc}") from exc
    finally:
        sock.close()
    raw = b"".join(chunks)
    header, _, content = raw.partition(b"\r\n\r\n")
    try:
        status = int(header.split(b"\r\n", 1)[0].split()[1])
        data = json.loads(content) if content else None
    except (IndexError, ValueError) as exc:
        raise ControlUnavailable(f"unexpected answer from {url}: {raw[:200]!r}") from exc
    return status, data


def health(url: str, key: str, *, timeout: float = HEALTH_TIMEOUT) -> bool:
    """The daemon answers and its server answers ListTables. Raises ControlUnavailable when the
    channel itself is not usable (so the caller can check the server the old way)."""
    status, _ = call(url, key, "GET", "/health", timeout=timeout)
    if status in (401, 404):
        raise ControlUnavailable(f"control channel refused /health ({status})")
    return status == 200


def prepare(url: str, key: str, tables: Sequence[Mapping[str, Any]], *, reset: bool = True,
            seeds: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
            timeout: float = PREPARE_TIMEOUT) -> dict[str, Any]:
    """Have the daemon prepare ``tables`` (from :func:`liftcli.local.tables.table_requests`) and
    write ``seeds`` (DynamoDB-typed items per table, already validated)."""
    body = {"tables": list(tables), "reset": reset,
            "seeds": {t: [encode_item(i) for i in items] for t, items in (seeds or {}).items()}}
    status, data = call(url, key, "POST", "/prepare", body, timeout=timeout)
    if status == 200 and isinstance(data, dict):
        return data
    if status == 422 and isinstance(data, dict):
        raise LocalServerError(str(data.get("error")), hint=data.get("hint"))
    if status in (401, 404):
        raise ControlUnavailable(f"control channel refused /prepare ({status})")
    detail = data.get("error") if isinstance(data, dict) else data
    raise LocalServerError(f"the background server failed to prepare the tables ({status}): {detail}",
                           hint="See .lift/dynamorm/local.log, or restart it with `lift dynamorm local stop`.")


def encode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _encode(v) for k, v in item.items()}


def decode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _decode(v) for k, v in item.items()}


def _encode(value: Mapping[str, Any]) -> dict[str, Any]:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "L":
        return {"L": [_encode(v) for v in inner]}
    if kind == "M":
        return {"M": encode_item(inner)}
    return {kind: inner}


def _decode(value: Mapping[str, Any]) -> dict[str, Any]:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "L":
        return {"L": [_decode(v) for v in inner]}
    if kind == "M":
        return {"M": decode_item(inner)}
    return {kind: inner}


# --------------------------------------------------------------------------- server side (daemon)


class ControlServer:
    """The daemon's end: a threaded HTTP server on 127.0.0.1:0 acting through ``client``."""

    def __init__(self, client: Any, *, key: str | None = None, host: str = "127.0.0.1") -> None:
        import hmac
        import secrets
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.client = client
        self.key = key or secrets.token_urlsafe(32)
        self._lock = threading.Lock()  # one prepare at a time: two runs would fight over the tables
        control = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "lift-dynamorm-control"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

            def _reply(self, status: int, data: Any) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _authorized(self) -> bool:
                given = self.headers.get("Authorization", "")
                if hmac.compare_digest(given.encode(), f"Bearer {control.key}".encode()):
                    return True
                self._reply(401, {"error": "unauthorized"})
                return False

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if not self._authorized():
                    return
                if self.path != "/health":
                    self._reply(404, {"error": f"no such endpoint {self.path}"})
                    return
                try:
                    control.client.list_tables(Limit=1)
                except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
                    self._reply(503, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
                    return
                self._reply(200, {"ok": True})

            def do_POST(self) -> None:  # noqa: N802
                if not self._authorized():
                    return
                if self.path != "/prepare":
                    self._reply(404, {"error": f"no such endpoint {self.path}"})
                    return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    if not 0 <= length <= MAX_BODY:
                        raise ValueError(f"body of {length} bytes")
                    body = json.loads(self.rfile.read(length))
                    if not isinstance(body, dict) or not isinstance(body.get("tables"), list):
                        raise ValueError("expected {\"tables\": [...]}")
                except ValueError as exc:
                    self._reply(400, {"error": f"bad request: {exc}"})
                    return
                try:
                    with control._lock:
                        result = control.prepare(body)
                except LiftError as exc:
                    self._reply(422, {"error": exc.message, "hint": exc.hint})
                    return
                except Exception as exc:  # noqa: BLE001 - reported to the CLI, which shows it
                    self._reply(500, {"error": f"{type(exc).__name__}: {exc}"})
                    return
                self._reply(200, result)

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> ControlServer:
        import threading

        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="lift-control", daemon=True)
        self._thread.start()
        return self

    def prepare(self, body: Mapping[str, Any]) -> dict[str, Any]:
        import time

        from liftcli.local.seed import write_items
        from liftcli.local.tables import MAX_PARALLEL, is_in_process, prepare_tables

        start = time.perf_counter()
        actions = prepare_tables(self.client, body["tables"], reset=bool(body.get("reset", True)),
                                 workers=1 if is_in_process(self.client) else MAX_PARALLEL)
        mark = time.perf_counter()
        seeds = {t: [decode_item(i) for i in items] for t, items in (body.get("seeds") or {}).items()}
        seeded = write_items(self.client, seeds) if seeds else {}
        timings = {"tables": mark - start, "seed": time.perf_counter() - mark}
        return {"tables": actions, "seeded": seeded, "timings": timings}

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()
