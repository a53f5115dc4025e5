"""What a local server should look like (``ServerSpec``) and the conventions every backend follows.

Safe defaults (anchors.md §4 item 8): bind 127.0.0.1 only, a free port unless one is asked for,
``-sharedDb`` (one database whatever the credentials or region), ``-disableTelemetry``, in memory
unless a persist directory is given, dummy letter-only credentials, region us-east-1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from liftcli.config import Settings

Backend = Literal["auto", "docker", "jar", "embedded"]
BACKENDS: tuple[str, ...] = ("auto", "docker", "jar", "embedded")

HOST = "127.0.0.1"
DEFAULT_REGION = "us-east-1"
DEFAULT_IMAGE = "amazon/dynamodb-local:3.1.0"
# Letters only: DynamoDB Local rejects access keys with other characters in some versions, and
# DynamORM's own compose files use exactly these (dynamorm-facts.md §9).
DUMMY_ACCESS_KEY_ID = "dummy"
DUMMY_SECRET_ACCESS_KEY = "dummy"


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """How to run a local DynamoDB-compatible server.

    ``port`` None means a free port chosen by the OS. ``persist`` None means in memory.
    ``jar`` is DynamoDBLocal.jar (or the directory holding it); None means the tool's cache.
    """

    backend: Backend = "auto"
    port: int | None = None
    persist: Path | None = None
    region: str = DEFAULT_REGION
    delay_transient_statuses: bool = False
    start_timeout: float = 60.0
    jar: Path | None = None
    java: str | None = None
    image: str = DEFAULT_IMAGE
    cache_dir: Path | None = None

    def with_backend(self, backend: Backend) -> ServerSpec:
        return replace(self, backend=backend)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (used to hand the spec to the background daemon)."""
        return {
            "backend": self.backend,
            "port": self.port,
            "persist": str(self.persist) if self.persist else None,
            "region": self.region,
            "delay_transient_statuses": self.delay_transient_statuses,
            "start_timeout": self.start_timeout,
            "jar": str(self.jar) if self.jar else None,
            "java": self.java,
            "image": self.image,
            "cache_dir": str(self.cache_dir) if self.cache_dir else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ServerSpec:
        paths = {k: Path(data[k]) if data.get(k) else None for k in ("persist", "jar", "cache_dir")}
        plain = {k: v for k, v in data.items() if k not in paths}
        return cls(**plain, **paths)


def spec_from_settings(settings: Settings, **overrides: Any) -> ServerSpec:
    """The ServerSpec from lift.yaml ``local:`` + environment + flags (``overrides``; None = unset).

    Precedence: flag > environment variable (LIFT_DYNAMORM_BACKEND, DYNAMODB_LOCAL_JAR,
    LIFT_DYNAMORM_CACHE) > lift.yaml > default. Relative paths are relative to the project root.
    """
    local = settings.config.get("local")
    environ = settings.environ or os.environ
    root = settings.root

    def pick(name: str, env_var: str | None = None) -> Any:
        if overrides.get(name) is not None:
            return overrides[name]
        if env_var and environ.get(env_var):
            return environ[env_var]
        return local.get(name)

    def path(value: Any) -> Path | None:
        return (root / Path(str(value)).expanduser()) if value else None

    region = pick("region") or settings.region or DEFAULT_REGION
    cache = environ.get("LIFT_DYNAMORM_CACHE")
    return ServerSpec(
        backend=pick("backend", "LIFT_DYNAMORM_BACKEND") or "auto",
        port=pick("port"),
        persist=path(pick("persist")),
        region=str(region),
        delay_transient_statuses=bool(pick("delay_transient_statuses")),
        start_timeout=float(pick("start_timeout") or 60),
        jar=path(pick("jar", "DYNAMODB_LOCAL_JAR")),
        java=pick("java"),
        image=pick("image") or DEFAULT_IMAGE,
        cache_dir=Path(cache).expanduser() if cache else None,
    )


#: Variables that could hand the caller's real AWS identity to a process pointed at a local
#: server; it gets the dummy keys instead.
REAL_CREDENTIAL_VARIABLES = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CREDENTIAL_EXPIRATION",
)


def local_only_environment(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` without any variable that carries or locates real AWS credentials."""
    return {k: v for k, v in base.items() if k not in REAL_CREDENTIAL_VARIABLES}


def client_environment(endpoint: str, region: str) -> dict[str, str]:
    """Environment variables that point every DynamORM runtime and AWS SDK at ``endpoint``.

    DYNAMODB_ENDPOINT is what DynamORM's tests and examples read; AWS_ENDPOINT_URL_DYNAMODB is
    honoured natively by recent AWS SDKs; DYNAMODB_LOCAL_ENDPOINT is Lift's CDK test helper
    (lift-conventions.md §5).
    """
    return {
        "DYNAMODB_ENDPOINT": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "DYNAMODB_LOCAL_ENDPOINT": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
    }
