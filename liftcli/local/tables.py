"""Creating, resetting and deleting the tables the project's models describe, on a local server."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from liftcli.errors import LocalServerError

if TYPE_CHECKING:
    from liftcli.dynamorm.model import Model
    from liftcli.dynamorm.spec import TableSpec

# Enough to overlap round trips; DynamoDB Local serialises table creation internally anyway.
MAX_PARALLEL = 8


@dataclass(frozen=True, slots=True)
class CreatedTable:
    """A table created for one or more models (several models may share a table)."""

    name: str
    models: tuple[str, ...]
    env_vars: tuple[str, ...] = ()  # the TableName() variables of those models
    ttl_attribute: str | None = None
    gsis: tuple[str, ...] = ()
    lsis: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "models": list(self.models), "env_vars": list(self.env_vars),
                "ttl_attribute": self.ttl_attribute, "gsis": list(self.gsis), "lsis": list(self.lsis)}


def table_name_for(model: Model, *, table_prefix: str | None = None,
                   env_overrides: Mapping[str, str] | None = None) -> str:
    """The table name ``model`` uses in this run.

    Only models whose name comes from an environment variable (``table.source == "env"``) can
    be renamed: an explicit value for the variable in ``env_overrides`` wins, else the prefix
    is put in front of the resolved name. Literal names are what the code will use, so they
    stay as they are.
    """
    if model.table.source != "env":
        return model.table.resolved
    if env_overrides and model.table.env_var and env_overrides.get(model.table.env_var):
        return env_overrides[model.table.env_var]
    return f"{table_prefix or ''}{model.table.resolved}"


def plan_tables(models: Sequence[Model], *, table_prefix: str | None = None,
                env_overrides: Mapping[str, str] | None = None) -> list[tuple[TableSpec, CreatedTable]]:
    """One (spec, description) per distinct table, in first-seen order; indexes are merged."""
    from liftcli.dynamorm.spec import table_spec_from_model

    specs: dict[str, TableSpec] = {}
    owners: dict[str, list[Model]] = {}
    by_var: dict[str, str] = {}
    for model in models:
        name = table_name_for(model, table_prefix=table_prefix, env_overrides=env_overrides)
        if model.table.source == "env" and model.table.env_var:
            # One variable holds one table name at run time, whatever each model's fallback is.
            name = by_var.setdefault(model.table.env_var, name)
        spec = table_spec_from_model(model, table_name=name)
        specs[name] = _merge(specs[name], spec, model) if name in specs else spec
        owners.setdefault(name, []).append(model)
    out = []
    for name, spec in specs.items():
        group = owners[name]
        out.append((spec, CreatedTable(
            name=name,
            models=tuple(m.name for m in group),
            env_vars=tuple(sorted({m.table.env_var for m in group if m.table.source == "env" and m.table.env_var})),
            ttl_attribute=spec.ttl_attribute,
            gsis=tuple(i.name for i in spec.gsis),
            lsis=tuple(i.name for i in spec.lsis),
        )))
    return out


def _merge(first: TableSpec, other: TableSpec, model: Model) -> TableSpec:
    """Single-table design: models sharing a table share keys; each may add its own indexes."""
    if (first.partition, first.sort) != (other.partition, other.sort):
        raise LocalServerError(
            f"model {model.name} shares table {first.name} but declares different keys",
            hint="Models on one table must use the same partition and sort key attributes and types.",
        )
    if first.ttl_attribute and other.ttl_attribute and first.ttl_attribute != other.ttl_attribute:
        raise LocalServerError(f"models on table {first.name} declare different TTL attributes "
                               f"({first.ttl_attribute}, {other.ttl_attribute}); a table has one")
    gsis = first.gsis + tuple(i for i in other.gsis if first.index(i.name) is None)
    lsis = first.lsis + tuple(i for i in other.lsis if first.index(i.name) is None)
    ttl = first.ttl_attribute or other.ttl_attribute
    return replace(first, gsis=gsis, lsis=lsis, ttl_attribute=ttl, ttl_enabled=ttl is not None)


def create_tables(
    client: Any,
    models: Sequence[Model],
    *,
    table_prefix: str | None = None,
    env_overrides: Mapping[str, str] | None = None,
    replace_existing: bool = False,
    timeout: float = 60.0,
) -> list[CreatedTable]:
    """Create each model's table (DynamORM's CreateTable request), wait ACTIVE, enable TTL.

    ``replace_existing`` deletes a table of the same name first (a reused server); otherwise
    an existing table is an error, since its shape may not be what the models say.
    """
    from liftcli.dynamorm.spec import create_table_request

    planned = plan_tables(models, table_prefix=table_prefix, env_overrides=env_overrides)
    if replace_existing:
        delete_tables(client, [t.name for _, t in planned])

    def one(item: tuple[TableSpec, CreatedTable]) -> CreatedTable:
        spec, table = item
        _call(client.create_table, table.name, **create_table_request(spec))
        _wait_active(client, table.name, timeout)
        if spec.ttl_attribute:
            _call(client.update_time_to_live, table.name, TableName=table.name,
                  TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute})
        return table

    return _parallel(one, planned)


def _parallel(fn: Any, items: Sequence[Any]) -> list[Any]:
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(items))) as pool:
        return list(pool.map(fn, items))


def _call(method: Any, table: str, **kwargs: Any) -> Any:
    from botocore.exceptions import ClientError

    try:
        return method(**kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        hint = None
        if err.get("Code") == "ResourceInUseException":
            hint = "The table already exists: use a fresh server, --table-prefix, or --reuse (which recreates tables)."
        raise LocalServerError(f"{table}: {err.get('Code')}: {err.get('Message')}", hint=hint) from exc


def _wait_active(client: Any, name: str, timeout: float) -> None:
    """Table and every GSI ACTIVE (with -delayTransientStatuses GSIs stay CREATING for a while)."""
    deadline = time.monotonic() + timeout
    while True:
        table = client.describe_table(TableName=name)["Table"]
        statuses = [table["TableStatus"], *(g.get("IndexStatus", "ACTIVE") for g in table.get("GlobalSecondaryIndexes", []))]
        if all(s == "ACTIVE" for s in statuses):
            return
        if time.monotonic() > deadline:
            raise LocalServerError(f"table {name} is not ACTIVE after {timeout:.0f} s ({', '.join(statuses)})")
        time.sleep(0.05)


def delete_tables(client: Any, names: Iterable[str]) -> list[str]:
    """Delete the tables that exist among ``names``; returns those deleted."""
    existing = set(list_tables(client))
    doomed = [n for n in names if n in existing]
    _parallel(lambda n: client.delete_table(TableName=n), doomed)
    return doomed


def list_tables(client: Any) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = client.list_tables(**kwargs)
        names.extend(page.get("TableNames", []))
        if not page.get("LastEvaluatedTableName"):
            return names
        kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]


def truncate_tables(client: Any, names: Iterable[str]) -> int:
    """Delete every item of ``names`` (the per-test reset); returns the number deleted.

    Cheaper than recreating tables and keeps their settings (TTL, indexes) untouched.
    """
    total = 0
    for name in names:
        table = client.describe_table(TableName=name)["Table"]
        keys = [k["AttributeName"] for k in table["KeySchema"]]
        projection = ", ".join(f"#k{i}" for i in range(len(keys)))
        names_map = {f"#k{i}": k for i, k in enumerate(keys)}
        kwargs: dict[str, Any] = {"TableName": name, "ProjectionExpression": projection,
                                  "ExpressionAttributeNames": names_map}
        while True:
            page = client.scan(**kwargs)
            items = page.get("Items", [])
            for start in range(0, len(items), 25):
                requests = [{"DeleteRequest": {"Key": item}} for item in items[start:start + 25]]
                _batch_write(client, {name: requests})
            total += len(items)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return total


def _batch_write(client: Any, request_items: dict[str, list[dict[str, Any]]]) -> None:
    """BatchWriteItem, retrying UnprocessedItems (local servers rarely return any)."""
    for attempt in range(10):
        response = client.batch_write_item(RequestItems=request_items)
        request_items = response.get("UnprocessedItems") or {}
        if not request_items:
            return
        time.sleep(0.05 * (attempt + 1))
    raise LocalServerError("BatchWriteItem kept returning unprocessed items")
