"""``lift dynamorm import``: existing tables -> Go models and/or DMS.

``read_tables`` is the only function that talks to DynamoDB (DescribeTable, DescribeTimeToLive
and a bounded Scan). Everything else is pure: ``infer_model`` turns one ``TableSnapshot`` into
an ``ImportedModel`` following dynamorm-facts.md §11.4:

* key types from AttributeDefinitions (S -> string, N -> int64 or float64 when sampled values
  are fractional, B -> []byte with a warning: DynamORM's put path writes []byte as a list);
* non-key types from the sampled items (S, N, BOOL, SS, NS, L, M, B), set-ness included;
* lifecycle fields: RFC3339 strings named like created/updated times -> time.Time
  ``created_at``/``updated_at``; the enabled TTL attribute -> int64 ``ttl``; an integer
  ``version`` -> int64 ``version``;
* names: Go needs every tagged attribute name to pass the model's naming convention (§2.4).
  A key or index attribute that cannot (``Identifier``, ``GSI1PK``, ``user-id``), or a GSI whose
  name starts ``lsi-``/``lsi_``, makes the table inexpressible as a Go model: the reasons are
  listed and the DMS output still carries it. Other such attributes are left out of the Go
  struct with a note. Non-ALL projections are kept in DMS and warned about for Go.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from liftcli.dynamorm import naming as naming_rules
from liftcli.dynamorm.model import (
    Attribute,
    Index,
    KeyAttribute,
    Model,
    Projection,
    SourceLocation,
    TableName,
)
from liftcli.dynamorm.versions import Version

CREATED_NAMES = frozenset({"createdat", "created", "createdon", "createtime", "creationtime"})
UPDATED_NAMES = frozenset({"updatedat", "updated", "updatedon", "modifiedat", "lastmodified", "updatetime"})
TTL_NAMES = frozenset({"ttl", "expiresat", "expires", "expiry", "expiration", "expireat"})
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+\-]\d{2}:\d{2})$")
EPOCH_SECONDS = (10**9, 10**10)  # 2001 .. 2286: plausible epoch seconds, not milliseconds


@dataclass(frozen=True)
class TableSnapshot:
    """What DynamoDB says about one table: DescribeTable's ``Table``, DescribeTimeToLive's
    ``TimeToLiveDescription`` and up to N sampled items (low-level AttributeValue form)."""

    description: dict[str, Any]
    ttl: dict[str, Any] | None = None
    items: tuple[dict[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return str(self.description["TableName"])


@dataclass(frozen=True)
class GoFieldPlan:
    name: str
    go_type: str
    attr: str
    tag_tokens: tuple[str, ...]


@dataclass(frozen=True)
class ImportedModel:
    name: str
    table: str
    model: Model  # language-neutral; the DMS output
    go_fields: tuple[GoFieldPlan, ...]
    table_env: str
    convention: str
    naming_token: str | None
    go_problems: tuple[str, ...] = ()  # why no Go model can map this table
    notes: tuple[str, ...] = field(default=())

    @property
    def go_ok(self) -> bool:
        return not self.go_problems


# --------------------------------------------------------------------------------------------
# Reading (the one place with AWS calls)


def read_tables(
    client: Any,
    *,
    names: Sequence[str] = (),
    prefix: str | None = None,
    all_tables: bool = False,
    sample: int = 100,
) -> list[TableSnapshot]:
    """Describe and sample the chosen tables. ``client`` is a boto3 DynamoDB client."""
    chosen = list(dict.fromkeys(names))
    if all_tables or prefix:
        listed: list[str] = []
        for page in client.get_paginator("list_tables").paginate():
            listed.extend(page.get("TableNames", []))
        chosen += [
            t for t in sorted(listed) if (all_tables or t.startswith(prefix or "")) and t not in chosen
        ]
    snapshots = []
    for name in chosen:
        description = client.describe_table(TableName=name)["Table"]
        ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription")
        items: list[dict[str, Any]] = []
        if sample > 0:
            kwargs: dict[str, Any] = {"TableName": name, "Limit": sample}
            while len(items) < sample:
                page = client.scan(**kwargs)
                items.extend(page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                kwargs["Limit"] = sample - len(items)
        snapshots.append(TableSnapshot(description, ttl, tuple(items[:sample])))
    return snapshots


# --------------------------------------------------------------------------------------------
# Names


def model_name_for_table(table: str) -> str:
    """``lift-orders-table`` -> ``Order``; ``user_profiles`` -> ``UserProfile``."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", table) if w]
    if len(words) > 1 and words[0].lower() in ("lift", "app"):
        words = words[1:]
    if len(words) > 1 and words[-1].lower() == "table":
        words = words[:-1]
    words = [w[:1].upper() + w[1:] for w in words] or ["Imported"]
    words[-1] = _singular(words[-1])
    name = "".join(words)
    return name if name[0].isalpha() else "T" + name


def _singular(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def go_field_for_attribute(attr: str) -> str:
    """An exported Go field name for an attribute: ``tenantID`` -> ``TenantID``, ``user_id`` -> ``UserID``."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", attr) if w]
    out = []
    for w in words:
        if w.lower() in ("id", "url", "ttl", "api", "ip", "arn", "uuid"):
            out.append(w.upper())
        else:
            out.append(w[:1].upper() + w[1:])
    name = "".join(out) or "Field"
    if not name[0].isalpha():
        name = "F" + name
    return name


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# --------------------------------------------------------------------------------------------
# Types from samples


def _observed(items: Iterable[dict[str, Any]]) -> dict[str, Counter[str]]:
    seen: dict[str, Counter[str]] = {}
    for item in items:
        for name, value in item.items():
            if isinstance(value, dict) and value:
                seen.setdefault(name, Counter())[next(iter(value))] += 1
    return seen


def _values(items: Iterable[dict[str, Any]], name: str, kind: str) -> list[Any]:
    return [item[name][kind] for item in items if isinstance(item.get(name), dict) and kind in item[name]]


def _fractional(values: Iterable[Any]) -> bool:
    return any("." in str(v) or "e" in str(v).lower() for v in values)


def _all_rfc3339(values: list[Any]) -> bool:
    if not values:
        return False
    for value in values:
        text = str(value)
        if not _RFC3339.match(text):
            return False
        try:
            datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")[:32])
        except ValueError:
            # fractions longer than Python parses are still RFC3339Nano
            if not re.match(r"^\d{4}-\d{2}-\d{2}T", text):
                return False
    return True


def _epoch_seconds(values: list[Any]) -> bool:
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return False
    return bool(numbers) and all(
        float(int(n)) == n and EPOCH_SECONDS[0] <= n < EPOCH_SECONDS[1] for n in numbers
    )


_LOGICAL_GO = {
    "S": "string",
    "BOOL": "bool",
    "B": "[]byte",
    "SS": "[]string",
    "NS": "[]float64",
    "BS": "[][]byte",
    "L": "[]any",
    "M": "map[string]any",
    "NULL": "any",
}


# --------------------------------------------------------------------------------------------
# Inference


@dataclass
class _Attr:
    name: str
    logical: str
    go_type: str
    key_type: str | None = None
    roles: list[str] = field(default_factory=list)
    index_roles: list[tuple[str, str, str]] = field(default_factory=list)
    set: bool = False
    fmt: str | None = None

    @property
    def is_key(self) -> bool:
        return bool(self.key_type)


def infer_model(
    snapshot: TableSnapshot,
    *,
    convention: str = "auto",
    dynamorm_version: str | None = None,
    model_name: str | None = None,
) -> ImportedModel:
    """One table -> an ImportedModel (see module docstring).

    Args:
        snapshot: describe responses plus sampled items.
        convention: ``auto`` (camelCase when the names allow it, else snake_case), or a forced
            ``camelCase``/``snake_case``/``legacy`` (lift.yaml ``naming``).
        dynamorm_version: from go.mod; below v1.0.31 names are the Go field names (legacy).
        model_name: the Go type name (default: from the table name).
    """
    d = snapshot.description
    table = snapshot.name
    name = model_name or model_name_for_table(table)
    notes: list[str] = []
    types = {a["AttributeName"]: a["AttributeType"] for a in d.get("AttributeDefinitions", [])}
    items = snapshot.items
    observed = _observed(items)
    attrs: dict[str, _Attr] = {}

    def key_attr(attr_name: str) -> _Attr:
        if attr_name not in attrs:
            key_type = types.get(attr_name, "S")
            go_type = {"S": "string", "N": "int64", "B": "[]byte"}[key_type]
            if key_type == "N" and _fractional(_values(items, attr_name, "N")):
                go_type = "float64"
            if key_type == "B":
                notes.append(
                    f"key attribute {attr_name!r} is binary: DynamORM's put path writes []byte as a "
                    "list, which DynamoDB rejects for a B key (dynamorm-facts.md §3.2)"
                )
            attrs[attr_name] = _Attr(attr_name, key_type, go_type, key_type=key_type)
        return attrs[attr_name]

    partition, sort = _key_schema(d["KeySchema"])
    key_attr(partition).roles.append("pk")
    if sort:
        key_attr(sort).roles.append("sk")
    indexes: list[Index] = []
    go_problems: list[str] = []
    for raw, kind in [(g, "GSI") for g in d.get("GlobalSecondaryIndexes") or []] + [
        (li, "LSI") for li in d.get("LocalSecondaryIndexes") or []
    ]:
        iname = raw["IndexName"]
        ip, isort = _key_schema(raw["KeySchema"])
        projection = Projection(
            raw.get("Projection", {}).get("ProjectionType", "ALL"),
            tuple(sorted(raw.get("Projection", {}).get("NonKeyAttributes") or ())),
        )
        indexes.append(
            Index(
                iname,
                kind,
                KeyAttribute(ip, types.get(ip, "S")),  # type: ignore[arg-type]
                KeyAttribute(isort, types.get(isort, "S")) if isort else None,  # type: ignore[arg-type]
                projection,
            )
        )
        if kind == "GSI":
            if iname.startswith(("lsi-", "lsi_")):
                go_problems.append(
                    f"GSI {iname!r} starts with 'lsi-'/'lsi_', so a Go model would declare it as a "
                    "local secondary index (dynamorm-facts.md §1.3)"
                )
            key_attr(ip).index_roles.append((iname, "GSI", "pk"))
            if isort:
                key_attr(isort).index_roles.append((iname, "GSI", "sk"))
        elif isort:
            key_attr(isort).index_roles.append((iname, "LSI", "sk"))
        if projection.type != "ALL":
            notes.append(
                f"index {iname!r} projects {projection.type}: Go tags cannot express that (DynamORM "
                "assumes ALL); the DMS output keeps it"
            )
    ttl_attr = None
    if snapshot.ttl and snapshot.ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        ttl_attr = snapshot.ttl.get("AttributeName")
    for attr_name in sorted(observed):
        if attr_name in attrs:
            continue
        attrs[attr_name] = _non_key(attr_name, observed[attr_name], items, ttl_attr, notes)
    if ttl_attr and ttl_attr not in attrs:
        attrs[ttl_attr] = _Attr(ttl_attr, "N", "int64", roles=["ttl"], fmt="unix_seconds")
    elif ttl_attr and attrs[ttl_attr].is_key:
        notes.append(f"TTL attribute {ttl_attr!r} is also a key; it is not tagged ttl")
    elif ttl_attr and "ttl" not in attrs[ttl_attr].roles:
        notes.append(
            f"TTL attribute {ttl_attr!r} holds {attrs[ttl_attr].logical} values; TTL needs N epoch seconds"
        )
    convention_used, token, problems = _convention(attrs, convention, dynamorm_version)
    go_problems.extend(problems)
    go_fields = _go_fields(attrs, convention_used, dynamorm_version, notes) if not go_problems else ()
    model = _model(name, table, convention_used, attrs, partition, sort, indexes, ttl_attr, types)
    if d.get("BillingModeSummary", {}).get("BillingMode") == "PROVISIONED" or (
        d.get("ProvisionedThroughput", {}).get("ReadCapacityUnits") and "BillingModeSummary" not in d
    ):
        notes.append("the table uses provisioned capacity; DynamORM creates tables PAY_PER_REQUEST")
    if not items:
        notes.append("no items sampled: only key attributes are known (use --sample N on a table with data)")
    env = naming_rules.to_snake_case(name).upper() + "_TABLE_NAME"
    return ImportedModel(
        name=name,
        table=table,
        model=model,
        go_fields=tuple(go_fields),
        table_env=env,
        convention=convention_used,
        naming_token=token,
        go_problems=tuple(go_problems),
        notes=tuple(notes),
    )


def _key_schema(schema: list[dict[str, str]]) -> tuple[str, str | None]:
    hash_key = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
    range_key = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
    return hash_key, range_key


def _non_key(
    name: str, seen: Counter[str], items: Sequence[dict[str, Any]], ttl_attr: str | None, notes: list[str]
) -> _Attr:
    kinds = [k for k, _ in seen.most_common() if k != "NULL"] or ["NULL"]
    kind = kinds[0]
    if len(kinds) > 1 and set(kinds) != {"SS", "L"}:
        notes.append(f"attribute {name!r} holds several types ({', '.join(sorted(kinds))}); it is typed any")
        return _Attr(name, kind, "any")
    if set(kinds) == {"SS", "L"}:
        kind = "SS"  # Go Update(fields...) writes a set field as L (dynamorm-facts.md §11.2)
    norm = _norm(name)
    if kind == "N":
        values = _values(items, name, "N")
        if name == ttl_attr or (norm in TTL_NAMES and _epoch_seconds(values) and ttl_attr is None):
            if name != ttl_attr:
                notes.append(
                    f"attribute {name!r} looks like epoch-second TTL but TTL is not enabled on the table"
                )
                return _Attr(name, "N", "int64")
            return _Attr(name, "N", "int64", roles=["ttl"], fmt="unix_seconds")
        if norm == "version" and not _fractional(values):
            return _Attr(name, "N", "int64", roles=["version"], fmt="int")
        return _Attr(name, "N", "float64" if _fractional(values) else "int64")
    if (
        kind == "S"
        and (norm in CREATED_NAMES or norm in UPDATED_NAMES)
        and _all_rfc3339(_values(items, name, "S"))
    ):
        role = "created_at" if norm in CREATED_NAMES else "updated_at"
        return _Attr(name, "S", "time.Time", roles=[role], fmt="rfc3339nano")
    if kind == "NS":
        notes.append(
            f"attribute {name!r} is a number set: DynamORM's Go put path writes numeric slices as lists "
            "(dynamorm-facts.md §12 item 10)"
        )
        values = [v for vs in _values(items, name, "NS") for v in vs]
        return _Attr(name, "NS", "[]float64" if _fractional(values) else "[]int64", set=True)
    if kind == "BS":
        return _Attr(name, "BS", "[][]byte", set=True)
    if kind == "SS":
        return _Attr(name, "SS", "[]string", set=True)
    return _Attr(name, kind, _LOGICAL_GO.get(kind, "any"))


def _convention(
    attrs: dict[str, _Attr], forced: str, version_text: str | None
) -> tuple[str, str | None, list[str]]:
    version = Version.parse(version_text) if version_text else None
    if forced == "legacy" or (
        forced == "auto" and version is not None and version < naming_rules.CAMEL_CASE_SINCE
    ):
        return (
            "legacy",
            None,
            [
                f"key attribute {a.name!r} is not a valid Go field name"
                for a in attrs.values()
                if (a.key_type or a.index_roles) and not re.match(r"^[A-Z][A-Za-z0-9]*$", a.name)
            ],
        )
    keys = [a for a in attrs.values() if a.key_type or a.index_roles]
    candidates = [forced] if forced in ("camelCase", "snake_case") else ["camelCase", "snake_case"]
    if forced == "auto" and version is not None and version < naming_rules.SNAKE_CASE_SINCE:
        candidates = ["camelCase"]
    for convention in candidates:
        if all(naming_rules.validate_attr_name(a.name, convention) is None for a in keys):
            token = "naming:snake_case" if convention == "snake_case" else None
            return convention, token, []
    convention = candidates[0]
    problems = []
    for a in keys:
        problem = naming_rules.validate_attr_name(a.name, convention)
        if problem:
            role = "partition key" if "pk" in a.roles else "sort key" if "sk" in a.roles else "index key"
            problems.append(
                f"{role} attribute {a.name!r} cannot be mapped by a Go DynamORM model: {problem}"
                + (" and not valid snake_case either" if len(candidates) > 1 else "")
                + " (dynamorm-facts.md §2.4)"
            )
    return convention, None, problems


def _go_fields(
    attrs: dict[str, _Attr], convention: str, version_text: str | None, notes: list[str]
) -> list[GoFieldPlan]:
    version = Version.parse(version_text) if version_text else None
    ordered = sorted(
        attrs.values(),
        key=lambda a: (
            0 if "pk" in a.roles else 1 if "sk" in a.roles else 2 if a.key_type else 3 if not a.roles else 4,
            a.name,
        ),
    )
    used: set[str] = set()
    out = []
    for a in ordered:
        field_name = go_field_for_attribute(a.name) if convention != "legacy" else a.name
        base, n = field_name, 2
        while field_name in used:
            field_name, n = f"{base}{n}", n + 1
        used.add(field_name)
        tokens = [r for r in ("pk", "sk") if r in a.roles]
        for iname, kind, role in a.index_roles:
            tokens.append(f"lsi:{iname}" if kind == "LSI" else f"index:{iname},{role}")
        tokens += [r for r in ("version", "ttl", "created_at", "updated_at") if r in a.roles]
        if a.set:
            tokens.append("set")
        default = naming_rules.convert(field_name, convention, version)
        if default != a.name:
            problem = naming_rules.validate_attr_name(a.name, convention)
            if problem:
                notes.append(
                    f"attribute {a.name!r} is left out of the Go model: {problem}; the DMS output keeps "
                    "it (TS and Python models can map it)"
                )
                continue
            tokens.append(f"attr:{a.name}")
        if not ({"pk", "sk", "version", "created_at", "updated_at"} & set(a.roles)):
            tokens.append("omitempty")
        out.append(GoFieldPlan(field_name, a.go_type, a.name, tuple(tokens)))
    return out


def _model(
    name: str,
    table: str,
    convention: str,
    attrs: dict[str, _Attr],
    partition: str,
    sort: str | None,
    indexes: list[Index],
    ttl_attr: str | None,
    types: dict[str, str],
) -> Model:
    attributes = []
    for a in sorted(attrs.values(), key=lambda x: x.name):
        roles = list(a.roles) + [f"index_{role}:{iname}" for iname, _kind, role in a.index_roles]
        attributes.append(
            Attribute(
                name=a.name,
                type=a.logical if a.logical != "NULL" else "S",
                key_type=a.key_type,  # type: ignore[arg-type]
                roles=tuple(sorted(roles)),
                omitempty=not ({"pk", "sk", "version", "created_at", "updated_at"} & set(a.roles)),
                set=a.set,
                required=a.name in (partition, sort),
                optional=a.name not in (partition, sort),
                format=a.fmt,
            )
        )
    return Model(
        name=name,
        language="dms",
        location=SourceLocation(f"table {table}"),
        table=TableName(table, "dms", origin="imported"),
        naming=convention,  # type: ignore[arg-type]
        partition=KeyAttribute(partition, types.get(partition, "S")),  # type: ignore[arg-type]
        sort=KeyAttribute(sort, types.get(sort, "S")) if sort else None,  # type: ignore[arg-type]
        attributes=tuple(attributes),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        ttl_attribute=ttl_attr if ttl_attr in attrs and "ttl" in attrs[ttl_attr].roles else None,
    )
