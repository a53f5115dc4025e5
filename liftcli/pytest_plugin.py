"""pytest plugin of lift dynamorm: a local DynamoDB with your models' tables, for Python tests.

Registered through the ``pytest11`` entry point, so installing lift-dynamorm is enough.
Fixtures (see docs/pytest-plugin.md):

* ``dynamodb_local`` (session): starts a server (``--dynamodb-backend``, default auto), creates
  every model's table of the project (lift.yaml / ``--dynamodb-models``), and yields a
  :class:`DynamoDBLocal` with ``endpoint``, ``region``, ``backend``, ``tables``, ``environ``,
  ``client()``, ``resource()``, ``table_name(model)`` and ``reset()``.
* ``dynamodb_clean`` (function): empties every table before the test and sets the
  DYNAMODB_ENDPOINT/AWS_* and table-name variables for its duration; yields the same object.

Nothing is imported or started unless a test asks for one of these fixtures, so other test
runs are not slowed down.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from liftcli.local.tables import CreatedTable


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lift-dynamorm", "lift dynamorm local DynamoDB")
    group.addoption("--dynamodb-backend", dest="dynamodb_backend", default=None,
                    choices=("auto", "docker", "jar", "embedded"),
                    help="Server for the dynamodb_local fixture (ini: dynamodb_backend; default auto).")
    group.addoption("--dynamodb-endpoint", dest="dynamodb_endpoint", default=None,
                    help="Use this running local server instead of starting one (ini: dynamodb_endpoint).")
    group.addoption("--dynamodb-models", dest="dynamodb_models", action="append", default=None,
                    help="Model file/dir/glob (repeatable; default: dynamorm.models of lift.yaml).")
    parser.addini("dynamodb_backend", "Server for the dynamodb_local fixture.", default="auto")
    parser.addini("dynamodb_endpoint", "Running local server to use instead of starting one.", default="")
    parser.addini("dynamodb_models", "Model paths (default: from lift.yaml).", type="linelist", default=[])
    parser.addini("dynamodb_table_prefix", "Prefix for tables named by an environment variable.", default="")


@dataclass
class DynamoDBLocal:
    """What the ``dynamodb_local`` fixture yields."""

    endpoint: str
    region: str
    backend: str
    tables: list[CreatedTable] = field(default_factory=list)

    @property
    def environ(self) -> dict[str, str]:
        """DYNAMODB_ENDPOINT, AWS_* (dummy credentials) and each model's table variable."""
        from liftcli.local.runner import command_environment

        env = command_environment(self.endpoint, self.region, self.tables, base={})
        env.pop("INTEGRATION_TEST", None)
        return env

    def client(self) -> Any:
        from liftcli.local.client import client_for

        return client_for(self.endpoint, self.region)

    def resource(self) -> Any:
        import boto3

        from liftcli.local.spec import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY

        return boto3.resource("dynamodb", endpoint_url=self.endpoint, region_name=self.region,
                              aws_access_key_id=DUMMY_ACCESS_KEY_ID, aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY)

    def table_name(self, model: str) -> str:
        for table in self.tables:
            if model in table.models:
                return table.name
        raise KeyError(f"no table for model {model!r}; models: {[m for t in self.tables for m in t.models]}")

    def expire_ttl(self, now: float | None = None) -> int:
        """Delete the expired TTL items of the model tables, as DynamoDB's TTL process would
        (the embedded server never does); ``now`` (epoch seconds) lets a test jump ahead in time.
        Returns the number of items deleted. See ``liftcli.local.ttl``."""
        from liftcli.local.ttl import expire_ttl

        return expire_ttl(self.client(), tables=[t.name for t in self.tables], now=now).expired

    def reset(self) -> int:
        """Delete every item of every model table (keeps tables, indexes and TTL); returns items deleted."""
        from liftcli.local.tables import truncate_tables

        return truncate_tables(self.client(), [t.name for t in self.tables])


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    return value if value not in (None, []) else (config.getini(name) or None)


def _load_models(config: pytest.Config) -> list[Any]:
    from liftcli.config import Overrides, load_config, resolve_settings
    from liftcli.dynamorm.project import load_project

    root = Path(str(config.rootpath))
    models = _option(config, "dynamodb_models") or ()
    settings = resolve_settings(load_config(cwd=root), Overrides(models=tuple(models)))
    project = load_project(settings, cwd=root)
    if project.has_errors:
        problems = "; ".join(d.message for d in project.diagnostics if d.severity == "error")
        raise pytest.UsageError(f"lift dynamorm: models have errors: {problems}")
    return list(project.models)


@pytest.fixture(scope="session")
def dynamodb_local(pytestconfig: pytest.Config) -> Iterator[DynamoDBLocal]:
    """A local DynamoDB server with every model's table, for the whole session."""
    from liftcli.local import ServerSpec, client_for, create_tables, start_server

    models = _load_models(pytestconfig)
    prefix = pytestconfig.getini("dynamodb_table_prefix") or None
    endpoint = _option(pytestconfig, "dynamodb_endpoint")
    region = os.environ.get("AWS_REGION") or "us-east-1"
    if endpoint:
        tables = create_tables(client_for(endpoint, region), models, table_prefix=prefix, replace_existing=True)
        yield DynamoDBLocal(endpoint, region, "external", tables)
        return
    spec = ServerSpec(backend=_option(pytestconfig, "dynamodb_backend") or "auto", region=region)
    with start_server(spec, warm_client=True) as server:
        tables = create_tables(client_for(server.endpoint, server.region), models, table_prefix=prefix)
        yield DynamoDBLocal(server.endpoint, server.region, server.backend, tables)


@pytest.fixture
def dynamodb_clean(dynamodb_local: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch) -> DynamoDBLocal:
    """Per-test reset: empty tables, and the endpoint/table variables set for this test."""
    dynamodb_local.reset()
    for name, value in dynamodb_local.environ.items():
        monkeypatch.setenv(name, value)
    return dynamodb_local
