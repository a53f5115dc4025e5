"""Creating, resetting and deleting the tables the project's models describe, on a local server."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liftcli.aws_client import list_tables
from liftcli.errors import LocalServerError

if TYPE_CHECKING:
    from liftcli.dynamorm.model import Model
    from liftcli.dynamorm.spec import TableSpec

# Enough to overlap round trips; DynamoDB Local serialises table creation internally anyway, and
# more threads than ~2 per CPU only add contention (measured on 2 CPUs: 4 beats 8).
MAX_PARALLEL = max(2, min(8, 2 * (os.cpu_count() or 1)))


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
    from liftcli.dynamorm.spec import merge_shared_table

    return merge_shared_table(first, other)


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

    ``replace_existing`` (a reused server) resets tables of the same name instead: one whose
    definition is identical is kept and emptied, any other is deleted and recreated (see
    :func:`prepare_tables`); otherwise an existing table is an error, since its shape may not
    be what the models say.
    """
    planned = plan_tables(models, table_prefix=table_prefix, env_overrides=env_overrides)
    prepare_tables(client, table_requests(planned), reset=replace_existing, timeout=timeout,
                   workers=1 if is_in_process(client) else MAX_PARALLEL)
    return [table for _, table in planned]


def is_in_process(client: Any) -> bool:
    """The client was routed to an in-process server (``LocalServer.client()`` of the embedded one)."""
    return bool(getattr(client, "_lift_in_process", False))


def table_requests(planned: Sequence[tuple[TableSpec, CreatedTable]]) -> list[dict[str, Any]]:
    """The JSON-safe form of a plan: ``{"request": CreateTable request, "ttl": attribute | None}``
    per table (what :func:`prepare_tables` and the daemon's control channel take)."""
    from liftcli.dynamorm.spec import create_table_request

    return [{"request": create_table_request(spec), "ttl": spec.ttl_attribute} for spec, _ in planned]


def prepare_tables(client: Any, requests: Sequence[Mapping[str, Any]], *, reset: bool = False,
                   timeout: float = 60.0, workers: int = MAX_PARALLEL) -> dict[str, str]:
    """Make every requested table exist, ACTIVE, with TTL as requested; returns {name: action}.

    Without ``reset`` each table is created (an existing one is a ResourceInUseException).
    With ``reset`` (a reused server) a table that already exists with an identical definition
    (key schema, attribute definitions, GSIs, LSIs, stream, TTL) is kept and emptied (a
    keys-only scan and batch deletes: much cheaper than recreating it); any other existing
    table is deleted and recreated; missing ones are created. Actions: created, recreated, emptied.
    Tables are done ``workers`` at a time (1 for a server in this process: threads would only
    contend for the GIL).
    """
    existing = set(list_tables(client)) if reset else set()

    def one(item: Mapping[str, Any]) -> tuple[str, str]:
        request, ttl = item["request"], item.get("ttl")
        name = request["TableName"]
        action = "created"
        if name in existing:
            table = client.describe_table(TableName=name)["Table"]
            if same_definition(table, _ttl_attribute(client, name), request, ttl):
                if table.get("TableStatus") != "ACTIVE":
                    _wait_active(client, name, timeout)
                # Local servers keep ItemCount exact (AWS refreshes it every ~6 h): a table that
                # reports 0 needs no scan. A missing count means scan.
                if table.get("ItemCount", 1) != 0:
                    empty_table(client, name, [k["AttributeName"] for k in table["KeySchema"]])
                return name, "emptied"
            _delete(client, table)
            action = "recreated"
        created = _call(client.create_table, name, **request).get("TableDescription") or {}
        if not created or any(status != "ACTIVE" for status in _statuses(created)):
            _wait_active(client, name, timeout)  # local servers usually answer ACTIVE already
        if ttl:
            _call(client.update_time_to_live, name, TableName=name,
                  TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})
        return name, action

    return dict(_parallel(one, requests, workers))


def same_definition(table: Mapping[str, Any], ttl_enabled: str | None, request: Mapping[str, Any],
                    ttl: str | None) -> bool:
    """Whether a DescribeTable result (plus its enabled TTL attribute) has the shape ``request``
    (a CreateTable request) and ``ttl`` ask for. Throughput and table class are not compared:
    local servers do not enforce them."""
    if ttl_enabled != ttl or list(_keys(table.get("KeySchema"))) != list(_keys(request.get("KeySchema"))):
        return False
    if _attributes(table) != _attributes(request):
        return False
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if _indexes(table.get(kind)) != _indexes(request.get(kind)):
            return False
    if _stream(table.get("StreamSpecification")) != _stream(request.get("StreamSpecification")):
        return False
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode")
    # Servers that do not report the billing mode get the benefit of the doubt.
    return billing is None or billing == request.get("BillingMode", "PROVISIONED")


def _keys(schema: Any) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema or ()]


def _attributes(definition: Mapping[str, Any]) -> set[tuple[str, str]]:
    return {(a["AttributeName"], a["AttributeType"]) for a in definition.get("AttributeDefinitions") or ()}


def _indexes(indexes: Any) -> dict[str, Any]:
    out = {}
    for index in indexes or ():
        projection = index.get("Projection") or {}
        out[index["IndexName"]] = (_keys(index.get("KeySchema")), projection.get("ProjectionType", "ALL"),
                                   sorted(projection.get("NonKeyAttributes") or ()))
    return out


def _stream(spec: Any) -> tuple[bool, str | None]:
    if not spec or not spec.get("StreamEnabled"):
        return False, None
    return True, spec.get("StreamViewType")


def _ttl_attribute(client: Any, name: str) -> str | None:
    """The table's enabled (or enabling) TTL attribute, None when TTL is off."""
    description = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription") or {}
    if description.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return description.get("AttributeName")
    return None


def _delete(client: Any, table: Mapping[str, Any]) -> None:
    name = table["TableName"]
    if table.get("DeletionProtectionEnabled"):
        _call(client.update_table, name, TableName=name, DeletionProtectionEnabled=False)
    _call(client.delete_table, name, TableName=name)
    _wait_gone(client, name)


def _wait_gone(client: Any, name: str, timeout: float = 60.0) -> None:
    """Until DescribeTable says the table is gone (immediately, unless -delayTransientStatuses
    keeps it DELETING for a while; creating it again before that fails)."""
    from botocore.exceptions import ClientError

    deadline = time.monotonic() + timeout
    while True:
        try:
            client.describe_table(TableName=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return
            raise
        if time.monotonic() > deadline:
            raise LocalServerError(f"table {name} is still being deleted after {timeout:.0f} s")
        time.sleep(0.05)


def _parallel(fn: Any, items: Sequence[Any], workers: int = MAX_PARALLEL) -> list[Any]:
    if len(items) <= 1 or workers <= 1:
        return [fn(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
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
        statuses = _statuses(client.describe_table(TableName=name)["Table"])
        if all(s == "ACTIVE" for s in statuses):
            return
        if time.monotonic() > deadline:
            raise LocalServerError(f"table {name} is not ACTIVE after {timeout:.0f} s ({', '.join(statuses)})")
        time.sleep(0.05)


def _statuses(table: Mapping[str, Any]) -> list[str]:
    """The table's status and each GSI's."""
    return [table.get("TableStatus", ""),
            *(g.get("IndexStatus", "ACTIVE") for g in table.get("GlobalSecondaryIndexes", []))]


def delete_tables(client: Any, names: Iterable[str]) -> list[str]:
    """Delete the tables that exist among ``names``; returns those deleted."""
    existing = set(list_tables(client))
    doomed = [n for n in names if n in existing]
    _parallel(lambda n: client.delete_table(TableName=n), doomed)
    return doomed


def truncate_tables(client: Any, names: Iterable[str]) -> int:
    """Delete every item of ``names`` (the per-test reset); returns the number deleted.

    Cheaper than recreating tables and keeps their settings (TTL, indexes) untouched.
    """
    def one(name: str) -> int:
        table = client.describe_table(TableName=name)["Table"]
        return empty_table(client, name, [k["AttributeName"] for k in table["KeySchema"]])

    return sum(_parallel(one, list(names)))


def empty_table(client: Any, name: str, keys: Sequence[str]) -> int:
    """Delete every item of ``name`` (key attributes ``keys``): keys-only scan + batch deletes."""
    total = 0
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
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _batch_write(client: Any, request_items: dict[str, list[dict[str, Any]]]) -> None:
    """BatchWriteItem, retrying UnprocessedItems (local servers rarely return any)."""
    for attempt in range(10):
        response = client.batch_write_item(RequestItems=request_items)
        request_items = response.get("UnprocessedItems") or {}
        if not request_items:
            return
        time.sleep(0.05 * (attempt + 1))
    raise LocalServerError("BatchWriteItem kept returning unprocessed items")
