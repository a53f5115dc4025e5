"""The docker backend with a fake Docker client (this machine has no engine)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from liftcli.local import backends
from liftcli.local.server import start_server
from liftcli.local.spec import ServerSpec


class FakeContainer:
    def __init__(self, cid: str, labels: dict[str, str] | None = None, port: str = "49153") -> None:
        self.id = cid
        self.short_id = cid[:6]
        self.labels = labels or {}
        self.status = "running"
        self.removed = False
        self.attrs = {"NetworkSettings": {"Ports": {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}]}}}

    def reload(self) -> None:
        if self.removed:
            raise RuntimeError("gone")

    def remove(self, force: bool = False, v: bool = False) -> None:
        self.removed = True

    def logs(self, tail: int = 40) -> bytes:
        return b"Initializing DynamoDB Local\n"


class FakeClient:
    def __init__(self, existing: list[FakeContainer] | None = None) -> None:
        self.existing = existing or []
        self.run_calls: list[tuple[str, dict[str, Any]]] = []
        self.pulled: list[str] = []
        self.images = self
        self.containers = self

    # images
    def get(self, image: str) -> None:
        raise LookupError(image)

    def pull(self, image: str) -> None:
        self.pulled.append(image)

    # containers
    def list(self, all: bool = False, filters: dict[str, str] | None = None) -> list[FakeContainer]:  # noqa: A002
        return self.existing

    def run(self, image: str, **kwargs: Any) -> FakeContainer:
        self.run_calls.append((image, kwargs))
        self.container = FakeContainer("abcdef123456", kwargs["labels"])
        return self.container


def test_runs_the_pinned_image_on_loopback_with_safe_flags() -> None:
    client = FakeClient()
    handle = backends.start_docker(ServerSpec(backend="docker"), say=lambda _m: None, client=client)
    image, kwargs = client.run_calls[0]
    assert image == "amazon/dynamodb-local:3.1.0" and client.pulled == [image]
    assert kwargs["ports"] == {"8000/tcp": ("127.0.0.1", None)}  # loopback, free host port
    cmd = kwargs["command"]
    assert cmd[cmd.index("-jar"):] == ["-jar", "DynamoDBLocal.jar", "-sharedDb", "-disableTelemetry", "-port",
                                       "8000", "-inMemory"]
    assert kwargs["labels"]["lift.dynamorm.owner-pid"] == str(os.getpid())
    assert handle.endpoint == "http://127.0.0.1:49153"
    handle.stop()
    assert client.container.removed and not handle.alive()


def test_persist_mounts_a_writable_volume(tmp_path: Path) -> None:
    client = FakeClient()
    spec = ServerSpec(backend="docker", persist=tmp_path / "data", port=8000, delay_transient_statuses=True)
    backends.start_docker(spec, say=lambda _m: None, client=client)
    _image, kwargs = client.run_calls[0]
    assert kwargs["volumes"] == {str((tmp_path / "data").resolve()): {"bind": backends.CONTAINER_DATA, "mode": "rw"}}
    assert kwargs["user"] == f"{os.getuid()}:{os.getgid()}"
    assert kwargs["ports"] == {"8000/tcp": ("127.0.0.1", 8000)}
    assert ["-dbPath", backends.CONTAINER_DATA] == kwargs["command"][-3:-1]
    assert kwargs["command"][-1] == "-delayTransientStatuses"


def test_orphans_of_dead_owners_are_removed_and_others_kept() -> None:
    import socket

    host = socket.gethostname()
    dead = FakeContainer("dead00", {"lift.dynamorm.owner-pid": "999999999", "lift.dynamorm.owner-host": host})
    live = FakeContainer("live00", {"lift.dynamorm.owner-pid": str(os.getpid()), "lift.dynamorm.owner-host": host})
    other = FakeContainer("other0", {"lift.dynamorm.owner-pid": "999999999", "lift.dynamorm.owner-host": "elsewhere"})
    backends.start_docker(ServerSpec(backend="docker"), say=lambda _m: None, client=FakeClient([dead, live, other]))
    assert dead.removed and not live.removed and not other.removed


def test_container_is_removed_when_it_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from liftcli.errors import LocalServerError

    client = FakeClient()
    with pytest.raises(LocalServerError, match="did not answer") as info:
        start_server(ServerSpec(backend="docker", start_timeout=1), docker_client=client)
    assert client.container.removed
    assert "Initializing DynamoDB Local" in (info.value.hint or "")


def test_missing_sdk_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from liftcli.errors import LocalServerError

    real_import = builtins.__import__

    def no_docker(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "docker":
            raise ImportError("no docker")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_docker)
    with pytest.raises(LocalServerError, match="Docker SDK") as info:
        backends.import_docker()
    assert "lift-dynamorm[docker]" in (info.value.hint or "")
