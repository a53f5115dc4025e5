"""Local DynamoDB servers for ``local``, ``test``, the pytest plugin and other commands' tests.

Core only (no click/rich): functions return data and raise ``liftcli.errors`` exceptions.

Public API::

    from liftcli.local import ServerSpec, start_server, client_for, create_tables, seed

    spec = ServerSpec(backend="auto")            # auto | docker | jar | embedded
    with start_server(spec, on_event=print) as server:   # a LocalServer
        server.endpoint      # "http://127.0.0.1:<port>" (always loopback)
        server.backend       # the backend actually used; server.reason says why
        server.region, server.pid, server.log_tail(), server.stop()
        client = client_for(server.endpoint, server.region)  # dummy letter-only credentials
        tables = create_tables(client, project.models, table_prefix="run1-")  # -> [CreatedTable]
        seed(client, project.models, [Path("seeds/dev.yaml")])

* ``ServerSpec`` (frozen): backend, port (None = free), persist (None = in memory), region,
  delay_transient_statuses, start_timeout, jar, java, image, cache_dir. Build it from lift.yaml
  with ``spec_from_settings(settings, backend=..., port=...)``.
* ``start_server(spec, *, on_event=None) -> LocalServer``: returns once a real ListTables call
  succeeds; raises ``LocalServerError`` with the backend's log tail otherwise. The server dies
  with the process that started it (process group + PDEATHSIG on Linux; labelled containers
  whose owner is gone are removed at the next docker start).
* ``create_tables(client, models, *, table_prefix=None, env_overrides=None,
  replace_existing=False) -> list[CreatedTable]``: DynamORM's CreateTable request per table
  (models sharing a table create it once), waits ACTIVE, enables TTL where a model has one.
  ``replace_existing`` resets instead: identical tables are kept and emptied, others recreated
  (``liftcli.local.tables.prepare_tables``, which takes the JSON-safe ``table_requests(plan)``).
* ``LocalServer.client()``: a boto3 client; for the embedded server its calls from this process
  skip the loopback socket (``server.in_process``).
* Background servers (``liftcli.local.daemon``) serve a control channel
  (``liftcli.local.control``): health and table/seed preparation without boto3 in the caller.
* ``seed(client, models, paths, table_names=None) -> {table: count}``: validates every item
  against its model first, then writes.
* ``install(source="npm"|"aws", ...)`` / ``find_installation()`` in ``liftcli.local.install``.
* ``run_tests(TestRequest, models)`` in ``liftcli.local.runner``: the core of ``test``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liftcli.local.client import client_for, is_healthy
    from liftcli.local.seed import SeedError, seed
    from liftcli.local.server import LocalServer, choose_backend, start_server
    from liftcli.local.spec import ServerSpec, client_environment, spec_from_settings
    from liftcli.local.tables import CreatedTable, create_tables, delete_tables, truncate_tables

# Every name is imported from its module on first use: a process that only starts a server
# does not pay for seeds and tables (YAML, validation), and `test --reuse` (liftcli.local.runner)
# does not pay for the backends (subprocess management, zipfile, logging...).
_HOMES = {
    "client_for": "client", "is_healthy": "client",
    "SeedError": "seed", "seed": "seed",
    "LocalServer": "server", "choose_backend": "server", "start_server": "server",
    "ServerSpec": "spec", "client_environment": "spec", "spec_from_settings": "spec",
    "CreatedTable": "tables", "create_tables": "tables", "delete_tables": "tables", "truncate_tables": "tables",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'liftcli.local' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"liftcli.local.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CreatedTable",
    "LocalServer",
    "SeedError",
    "ServerSpec",
    "choose_backend",
    "client_environment",
    "client_for",
    "create_tables",
    "delete_tables",
    "is_healthy",
    "seed",
    "spec_from_settings",
    "start_server",
    "truncate_tables",
]
