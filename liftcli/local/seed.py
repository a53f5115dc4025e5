"""Seed data: plain JSON/YAML items per model (or table), checked against the model, then written.

A seed file is a mapping of model name (or table name) to a list of items in plain JSON values::

    Invoice:
      - {tenantId: t1, invoiceId: i1, total: 12.5, expiresAt: 1767225600}

Every item of every file is validated first (keys present with the key's type, index keys of
the right type, TTL in epoch seconds, version a whole number, known attributes of their model
type), so a bad item means nothing is written. Values are converted to DynamoDB's typed form
using the model's attribute types; attributes the model does not declare are converted from
their JSON type.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liftcli.errors import LiftError

if TYPE_CHECKING:
    from liftcli.dynamorm.model import Model

MAX_REPORTED = 20
# Epoch seconds stay below this until the year 5138; larger values are almost always milliseconds.
MAX_EPOCH_SECONDS = 10**11


class SeedError(LiftError):
    """A seed file is unreadable or an item does not fit its model."""


@dataclass(frozen=True, slots=True)
class SeedItem:
    file: str
    target: str  # the name used in the file (model or table)
    index: int
    table: str
    item: Mapping[str, Any]  # DynamoDB-typed (AttributeValue) form


@dataclass(frozen=True, slots=True)
class SeedPlan:
    items: tuple[SeedItem, ...] = ()
    files: tuple[str, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.items:
            out[item.table] = out.get(item.table, 0) + 1
        return dict(sorted(out.items()))


def read_seed_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc.strerror}") from exc
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        import yaml

        return yaml.safe_load(text)
    except (ValueError, Exception) as exc:  # json.JSONDecodeError / yaml.YAMLError
        raise SeedError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from exc


def load_seeds(paths: Sequence[Path], models: Sequence[Model], table_names: Mapping[str, str]) -> SeedPlan:
    """Read and validate every file; raises SeedError listing the problems (nothing is written).

    ``table_names`` maps model name -> the table created for it in this run.
    """
    by_model = {m.name: m for m in models}
    by_table: dict[str, Model] = {}
    for model in models:
        by_table.setdefault(table_names.get(model.name, model.table.resolved), model)
        by_table.setdefault(model.table.resolved, model)
    items: list[SeedItem] = []
    problems: list[str] = []
    for path in paths:
        data = read_seed_file(path)
        if not isinstance(data, dict):
            problems.append(f"{path}: expected a mapping of model or table name to a list of items")
            continue
        for target, entries in data.items():
            model = by_model.get(str(target)) or by_table.get(str(target))
            if model is None:
                problems.append(f"{path}: {target}: no model or table of that name "
                                f"(models: {', '.join(sorted(by_model)) or 'none'})")
                continue
            if not isinstance(entries, list):
                problems.append(f"{path}: {target}: expected a list of items")
                continue
            table = table_names.get(model.name, model.table.resolved)
            for i, raw in enumerate(entries):
                where = f"{path}: {target}[{i}]"
                converted = _convert_item(raw, model, where, problems)
                if converted is not None:
                    items.append(SeedItem(str(path), str(target), i, table, converted))
    if problems:
        shown = problems[:MAX_REPORTED]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise SeedError(
            "seed data does not match the models; nothing was written:\n  " + "\n  ".join(shown) + more,
            hint="Each item needs the model's key attributes with their types; TTL in epoch seconds.",
        )
    return SeedPlan(tuple(items), tuple(str(p) for p in paths))


def _convert_item(raw: Any, model: Model, where: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping of attribute names to values")
        return None
    item = {_attribute_name(model, str(k)): v for k, v in raw.items()}
    before = len(problems)
    for key, role in _required_keys(model):
        if item.get(key.name) in (None, ""):
            problems.append(f"{where}: missing {role} attribute {key.name!r} ({key.type})")
    out: dict[str, Any] = {}
    for name, value in item.items():
        expected = _expected_type(model, name)
        try:
            out[name] = _to_attribute_value(value, expected)
        except ValueError as exc:
            problems.append(f"{where}: {name}: {exc}")
    if model.ttl_attribute and item.get(model.ttl_attribute) is not None:
        _check_ttl(item[model.ttl_attribute], model.ttl_attribute, where, problems)
    if model.version_attribute and item.get(model.version_attribute) is not None:
        version = item[model.version_attribute]
        if isinstance(version, bool) or not isinstance(version, int):
            problems.append(f"{where}: version attribute {model.version_attribute!r} must be a whole number")
    return out if len(problems) == before else None


def _attribute_name(model: Model, key: str) -> str:
    """Items may use attribute names or Go field names (``TenantID`` for ``tenantId``)."""
    if model.attribute(key) is None:
        attr = model.attribute_for_field(key)
        if attr is not None:
            return attr.name
    return key


def _required_keys(model: Model) -> Iterable[tuple[Any, str]]:
    yield model.partition, "partition key"
    if model.sort is not None:
        yield model.sort, "sort key"


def _expected_type(model: Model, name: str) -> str | None:
    """The DynamoDB type an attribute must have: key types first (they are enforced by DynamoDB)."""
    keys = [model.partition, model.sort] + [k for i in model.indexes for k in (i.partition, i.sort)]
    for key in keys:
        if key is not None and key.name == name:
            return key.type
    if name in (model.ttl_attribute, model.version_attribute):
        return "N"
    attr = model.attribute(name)
    return attr.type if attr is not None else None


def _check_ttl(value: Any, name: str, where: str, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: TTL attribute {name!r} must be epoch seconds (a whole number), got {value!r}")
    elif value < 0 or value >= MAX_EPOCH_SECONDS:
        problems.append(f"{where}: TTL attribute {name!r} = {value} is not epoch seconds (milliseconds?)")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any) -> str:
    if not _is_number(value):
        raise ValueError(f"expected a number, got {_json_type(value)} {value!r}")
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        raise ValueError("NaN and infinity are not DynamoDB numbers")
    return repr(value) if isinstance(value, float) else str(value)


def _binary(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected base64 text for binary, got {_json_type(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("binary values must be base64 text") from exc


def _to_attribute_value(value: Any, expected: str | None) -> dict[str, Any]:  # noqa: C901 - one branch per type
    """Plain JSON/YAML -> AttributeValue, enforcing ``expected`` (a DynamoDB type) when known."""
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()  # YAML turns unquoted dates into date objects
    if value is None:
        return {"NULL": True}
    if expected == "S":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_json_type(value)} {value!r}")
        return {"S": value}
    if expected == "N":
        return {"N": _number(value)}
    if expected == "B":
        return {"B": _binary(value)}
    if expected == "BOOL":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_json_type(value)} {value!r}")
        return {"BOOL": value}
    if expected in ("SS", "NS", "BS"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a non-empty list for a {expected} set")
        members = [_to_attribute_value(v, expected[0])[expected[0]] for v in value]
        if len(set(map(str, members))) != len(members):
            raise ValueError("set members must be unique")
        return {expected: members}
    if expected == "L" and not isinstance(value, list):
        raise ValueError(f"expected a list, got {_json_type(value)}")
    if expected == "M" and not isinstance(value, dict):
        raise ValueError(f"expected a mapping, got {_json_type(value)}")
    return _infer(value)


def _infer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, list):
        return {"L": [_to_attribute_value(v, None) for v in value]}
    if isinstance(value, dict):
        return {"M": {str(k): _to_attribute_value(v, None) for k, v in value.items()}}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (dt.datetime, dt.date)):
        return {"S": value.isoformat()}
    raise ValueError(f"unsupported value {value!r}")


def _json_type(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "null"}.get(type(value), type(value).__name__)


def write_seeds(client: Any, plan: SeedPlan) -> dict[str, int]:
    """BatchWriteItem in chunks of 25 per table; returns items written per table."""
    write_items(client, items_by_table(plan))
    return plan.counts()


def items_by_table(plan: SeedPlan) -> dict[str, list[Mapping[str, Any]]]:
    by_table: dict[str, list[Mapping[str, Any]]] = {}
    for item in plan.items:
        by_table.setdefault(item.table, []).append(item.item)
    return by_table


def write_items(client: Any, by_table: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, int]:
    """Write DynamoDB-typed items, BatchWriteItem in chunks of 25; returns items written per table."""
    from liftcli.local.tables import _batch_write

    for table, items in by_table.items():
        for start in range(0, len(items), 25):
            _batch_write(client, {table: [{"PutRequest": {"Item": dict(i)}} for i in items[start:start + 25]]})
    return dict(sorted((table, len(items)) for table, items in by_table.items() if items))


def seed(client: Any, models: Sequence[Model], paths: Sequence[Path],
         table_names: Mapping[str, str] | None = None) -> dict[str, int]:
    """Validate every file against ``models`` and write the items; returns counts per table."""
    plan = load_seeds(paths, models, table_names or {})
    return write_seeds(client, plan)
