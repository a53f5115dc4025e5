"""DMS (DynamORM Model Spec) v0.1: read, validate and write (dynamorm-facts.md §6).

Reading applies everything DynamORM's parsers check (Go ``ParseDocument``, TS ``defineModel``)
plus the rules the spec states but no parser enforces (index keys exist with matching types,
LSI partition = table pk, enum values, naming convention as a warning). Problems become
diagnostics with file and line; a broken document never raises.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from liftcli.dynamorm import naming as naming_rules
from liftcli.dynamorm.diagnostics import hint_for
from liftcli.dynamorm.model import (
    ATTRIBUTE_TYPES,
    SIMPLE_ROLES,
    Attribute,
    Diagnostic,
    Index,
    KeyAttribute,
    Model,
    Projection,
    SourceLocation,
    TableName,
)
from liftcli.errors import ConfigError
from liftcli.yamlsafe import join_path, load_yaml_with_lines

KEY_TYPES = ("S", "N", "B")
PROJECTIONS = ("ALL", "KEYS_ONLY", "INCLUDE")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class _Problems:
    def __init__(self, path: str, lines: dict[str, int]) -> None:
        self.path = path
        self.lines = lines
        self.items: list[Diagnostic] = []

    def add(self, dotted: str, message: str, *, model: str | None = None, severity: str = "error",
            code: str = "DM601") -> None:
        line = self.lines.get(dotted + "#key") or self.lines.get(dotted)
        parent = dotted
        while line is None and parent:
            # A missing key: point at the nearest enclosing value that exists.
            parent = parent.rsplit(".", 1)[0] if "." in parent else parent.rsplit("[", 1)[0] if "[" in parent else ""
            line = self.lines.get(parent)
        self.items.append(
            Diagnostic(severity, code, f"{dotted}: {message}" if dotted else message,  # type: ignore[arg-type]
                       path=self.path, line=line, model=model, hint=hint_for(code))
        )


def _structure_problems(text: str) -> tuple[int, str] | None:
    """Anchors, aliases, merge keys and explicit tags are outside DMS's JSON-compatible subset."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1, f"YAML alias *{event.anchor} is not allowed in DMS"
            if anchor:
                return event.start_mark.line + 1, f"YAML anchor &{anchor} is not allowed in DMS"
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            explicit_tag = tag is not None and not (implicit is True or (isinstance(implicit, tuple) and any(implicit)))
            if explicit_tag:
                return event.start_mark.line + 1, f"YAML tag {tag} is not allowed in DMS"
    except yaml.YAMLError:
        return None  # reported by the loader with a better message
    return None


def _json_compatible(value: Any, dotted: str, problems: _Problems) -> bool:
    import datetime

    if isinstance(value, dict):
        ok = True
        for key, item in value.items():
            if not isinstance(key, str):
                problems.add(dotted, f"non-string key {key!r}")
                ok = False
                continue
            ok = _json_compatible(item, join_path(dotted, key), problems) and ok
        return ok
    if isinstance(value, list):
        return all(_json_compatible(v, join_path(dotted, i), problems) for i, v in enumerate(value))
    if isinstance(value, float) and not math.isfinite(value):
        problems.add(dotted, "non-finite number")
        return False
    if isinstance(value, (datetime.date, datetime.datetime)):
        problems.add(dotted, "YAML timestamp is not JSON-compatible; quote it")
        return False
    if isinstance(value, bytes):
        problems.add(dotted, "binary value is not JSON-compatible")
        return False
    return True


def parse_dms(text: str, path: str) -> tuple[list[Model], list[Diagnostic]]:
    """Parse one DMS document (YAML or JSON text)."""
    if len(text) > MAX_DOCUMENT_BYTES:
        return [], [Diagnostic("error", "DM601", "DMS document is larger than 10 MiB", path=path)]
    structural = _structure_problems(text)
    if structural:
        return [], [Diagnostic("error", "DM601", structural[1], path=path, line=structural[0],
                               hint="DMS is YAML restricted to its JSON-compatible subset.")]
    try:
        document, lines = load_yaml_with_lines(text, path)
    except ConfigError as exc:
        return [], [Diagnostic("error", "DM601", exc.message.split(": ", 1)[-1] if exc.line else exc.message,
                               path=path, line=exc.line, hint=exc.hint)]
    problems = _Problems(path, lines)
    if not _json_compatible(document, "", problems):
        return [], problems.items
    if not isinstance(document, dict):
        problems.add("", "a DMS document must be a mapping with dms_version and models")
        return [], problems.items
    version = document.get("dms_version")
    if version != "0.1":
        detail = ("an unquoted 0.1 is a number; write dms_version: \"0.1\"" if version == 0.1
                  else f"unsupported dms_version: {version!r} (only \"0.1\")")
        problems.add("dms_version", detail)
        return [], problems.items
    raw_models = document.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        problems.add("models", "DMS document must include a non-empty models[] list")
        return [], problems.items
    models = []
    names: set[str] = set()
    for i, raw in enumerate(raw_models):
        dotted = join_path("models", i)
        before = len(problems.items)
        model = _model(raw, dotted, problems, path, lines)
        errors = [d for d in problems.items[before:] if d.severity == "error"]
        if model is not None and model.name in names:
            problems.add(join_path(dotted, "name"), f"duplicate model name {model.name!r}", model=model.name)
            continue
        if model is not None and not errors:
            names.add(model.name)
            models.append(model)
    return models, problems.items


def load_dms_file(path: Path, display: str) -> tuple[list[Model], list[Diagnostic]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [Diagnostic("error", "DM902", f"cannot read {display}: {reason}", path=display,
                               hint=hint_for("DM902"))]
    return parse_dms(text, display)


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _key(raw: Any, dotted: str, problems: _Problems, model: str | None, required: bool) -> KeyAttribute | None:
    if raw is None:
        if required:
            problems.add(dotted, "missing (needs attribute and type)", model=model)
        return None
    if not isinstance(raw, dict):
        problems.add(dotted, "must be a mapping with attribute and type", model=model)
        return None
    attribute = _str(raw.get("attribute"))
    key_type = raw.get("type")
    if attribute is None:
        problems.add(join_path(dotted, "attribute"), "missing", model=model)
        return None
    if key_type not in KEY_TYPES:
        problems.add(join_path(dotted, "type"), f"must be S, N or B (got {key_type!r})", model=model)
        return None
    return KeyAttribute(attribute, key_type)


def _model(raw: Any, dotted: str, problems: _Problems, path: str, lines: dict[str, int]) -> Model | None:
    if not isinstance(raw, dict):
        problems.add(dotted, "each model must be a mapping")
        return None
    name = _str(raw.get("name"))
    if name is None:
        problems.add(join_path(dotted, "name"), "DMS model missing name")
        return None
    table = raw.get("table")
    table_name = _str(table.get("name")) if isinstance(table, dict) else None
    if table_name is None:
        problems.add(join_path(dotted, "table.name") if isinstance(table, dict) else join_path(dotted, "table"),
                     f"DMS model {name}: missing table.name", model=name)
    convention = "camelCase"
    naming = raw.get("naming")
    if naming is not None:
        conv = naming.get("convention") if isinstance(naming, dict) else None
        if conv not in ("camelCase", "snake_case"):
            problems.add(join_path(dotted, "naming.convention"),
                         f"must be camelCase or snake_case (got {conv!r})", model=name)
        else:
            convention = conv
    keys = raw.get("keys")
    if not isinstance(keys, dict):
        problems.add(join_path(dotted, "keys"), f"DMS model {name}: missing keys.partition", model=name)
        return None
    partition = _key(keys.get("partition"), join_path(dotted, "keys.partition"), problems, name, True)
    sort = _key(keys.get("sort"), join_path(dotted, "keys.sort"), problems, name, False)
    attributes = _attributes(raw.get("attributes"), join_path(dotted, "attributes"), problems, name, path, lines,
                             convention if naming is not None else None)
    if partition is None or attributes is None or table_name is None:
        return None
    by_name = {a.name: a for a in attributes}
    for key, label in ((partition, "partition"), (sort, "sort")):
        if key is None:
            continue
        attr = by_name.get(key.name)
        if attr is None:
            problems.add(join_path(dotted, f"keys.{label}"),
                         f"DMS model {name}: missing {label} key attribute {key.name}", model=name)
        elif attr.type != key.type:
            problems.add(join_path(dotted, f"keys.{label}"),
                         f"key type {key.type} does not match attribute {key.name} type {attr.type}", model=name)
        elif attr.encrypted:
            problems.add(join_path(dotted, f"keys.{label}"), f"encrypted attribute {key.name} cannot be a key",
                         model=name)
    if sort is not None and sort.name == partition.name:
        problems.add(join_path(dotted, "keys.sort"), "the sort key must differ from the partition key", model=name)
    indexes = _indexes(raw.get("indexes"), join_path(dotted, "indexes"), problems, name, partition, sort, by_name)
    attributes = _with_key_types(attributes, partition, sort, indexes)
    ttl = next((a.name for a in attributes if "ttl" in a.roles), None)
    version = next((a.name for a in attributes if "version" in a.roles), None)
    return Model(
        name=name,
        language="dms",
        location=SourceLocation(path, lines.get(dotted, 0)),
        table=TableName(table_name, "dms", origin="DMS table.name"),
        naming=convention,  # type: ignore[arg-type]
        partition=partition,
        sort=sort,
        attributes=tuple(attributes),
        indexes=indexes,
        ttl_attribute=ttl,
        version_attribute=version,
    )


def _with_key_types(attributes: list[Attribute], partition: KeyAttribute, sort: KeyAttribute | None,
                    indexes: tuple[Index, ...]) -> list[Attribute]:
    key_types: dict[str, str] = {partition.name: partition.type}
    if sort:
        key_types[sort.name] = sort.type
    for idx in indexes:
        key_types.setdefault(idx.partition.name, idx.partition.type)
        if idx.sort:
            key_types.setdefault(idx.sort.name, idx.sort.type)
    from dataclasses import replace

    return [replace(a, key_type=key_types.get(a.name) or (a.type if a.type in KEY_TYPES else None))  # type: ignore[arg-type]
            for a in attributes]


def _attributes(raw: Any, dotted: str, problems: _Problems, model: str, path: str, lines: dict[str, int],
                convention: str | None) -> list[Attribute] | None:
    if not isinstance(raw, list) or not raw:
        problems.add(dotted, f"DMS model {model}: missing attributes[]", model=model)
        return None
    out: list[Attribute] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = join_path(dotted, i)
        if not isinstance(item, dict):
            problems.add(where, "each attribute must be a mapping", model=model)
            continue
        name = _str(item.get("attribute"))
        attr_type = item.get("type")
        if name is None or attr_type is None:
            problems.add(where, f"DMS model {model}: attribute missing attribute/type", model=model)
            continue
        if attr_type not in ATTRIBUTE_TYPES:
            problems.add(join_path(where, "type"), f"unknown type {attr_type!r} (one of {' '.join(ATTRIBUTE_TYPES)})",
                         model=model)
            continue
        if name in seen:
            problems.add(where, f"DMS model {model}: duplicate attribute {name}", model=model)
            continue
        seen.add(name)
        flags = {}
        for flag in ("required", "optional", "omit_empty", "json", "binary"):
            value = item.get(flag, False)
            if not isinstance(value, bool):
                problems.add(join_path(where, flag), f"must be true or false (got {value!r})", model=model)
                value = False
            flags[flag] = value
        if flags["required"] and flags["optional"]:
            problems.add(where, f"attribute {name} cannot be both required and optional", model=model)
        if flags["json"] and flags["binary"]:
            problems.add(where, f"attribute {name} cannot be both json and binary", model=model)
        elif flags["json"] and attr_type != "S":
            problems.add(where, f"attribute {name} json requires type S (got {attr_type})", model=model)
        elif flags["binary"] and attr_type != "B":
            problems.add(where, f"attribute {name} binary requires type B (got {attr_type})", model=model)
        roles = item.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            problems.add(join_path(where, "roles"), "must be a list of strings", model=model)
            roles = []
        for role in roles:
            if role not in SIMPLE_ROLES and not role.startswith(("index_pk:", "index_sk:")):
                problems.add(join_path(where, "roles"), f"unknown role {role!r}", model=model, severity="warning",
                             code="DM601")
        fmt = item.get("format")
        encryption = item.get("encryption")
        if convention is not None:
            problem = naming_rules.validate_attr_name(name, convention)
            if problem:
                problems.add(join_path(where, "attribute"), f"{problem} (naming.convention is {convention})",
                             model=model, severity="warning", code="DM602")
        out.append(
            Attribute(
                name=name,
                type=attr_type,
                roles=tuple(sorted(roles)),
                omitempty=flags["omit_empty"],
                set=attr_type in ("SS", "NS", "BS"),
                encrypted=encryption is not None and encryption is not False,
                json=flags["json"],
                binary=flags["binary"],
                required=flags["required"],
                optional=flags["optional"],
                format=fmt if isinstance(fmt, str) else None,
                location=SourceLocation(path, lines.get(where, 0)),
            )
        )
    return out


def _indexes(raw: Any, dotted: str, problems: _Problems, model: str, partition: KeyAttribute,
             sort: KeyAttribute | None, attributes: dict[str, Attribute]) -> tuple[Index, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(dotted, "must be a list", model=model)
        return ()
    out: list[Index] = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        where = join_path(dotted, i)
        if not isinstance(item, dict):
            problems.add(where, "each index must be a mapping", model=model)
            continue
        name = _str(item.get("name"))
        kind = item.get("type")
        if name is None:
            problems.add(join_path(where, "name"), "missing", model=model)
            continue
        if name in names:
            problems.add(join_path(where, "name"), f"duplicate index name {name!r}", model=model)
            continue
        names.add(name)
        if kind not in ("GSI", "LSI"):
            problems.add(join_path(where, "type"), f"must be GSI or LSI (got {kind!r})", model=model)
            continue
        ipart = _key(item.get("partition"), join_path(where, "partition"), problems, model, True)
        isort = _key(item.get("sort"), join_path(where, "sort"), problems, model, False)
        if ipart is None:
            continue
        for key, label in ((ipart, "partition"), (isort, "sort")):
            if key is None:
                continue
            attr = attributes.get(key.name)
            if attr is None:
                problems.add(join_path(where, label), f"index key {key.name} is not a declared attribute", model=model)
            elif attr.type != key.type:
                problems.add(join_path(where, label), f"index key type {key.type} does not match attribute "
                             f"{key.name} type {attr.type}", model=model)
            elif attr.encrypted:
                problems.add(join_path(where, label), f"encrypted attribute {key.name} cannot be an index key",
                             model=model)
        if kind == "LSI":
            if ipart != partition:
                problems.add(join_path(where, "partition"), f"an LSI's partition key must be the table partition "
                             f"key {partition.name}", model=model)
            if isort is None:
                problems.add(where, "an LSI needs a sort key", model=model)
            if sort is None:
                problems.add(where, "an LSI needs a table sort key (keys.sort)", model=model)
        projection = _projection(item.get("projection"), join_path(where, "projection"), problems, model)
        out.append(Index(name, kind, ipart, isort, projection))
    return tuple(sorted(out, key=lambda x: (x.kind, x.name)))


def _projection(raw: Any, dotted: str, problems: _Problems, model: str) -> Projection:
    if raw is None:
        return Projection()
    if not isinstance(raw, dict):
        problems.add(dotted, "must be a mapping with type", model=model)
        return Projection()
    ptype = raw.get("type", "ALL")
    if ptype not in PROJECTIONS:
        problems.add(join_path(dotted, "type"), f"must be ALL, KEYS_ONLY or INCLUDE (got {ptype!r})", model=model)
        return Projection()
    fields = raw.get("fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        problems.add(join_path(dotted, "fields"), "must be a list of attribute names", model=model)
        fields = []
    if ptype == "INCLUDE" and not fields:
        problems.add(join_path(dotted, "fields"), "INCLUDE needs at least one attribute", model=model,
                     severity="warning")
    return Projection(ptype, tuple(sorted(fields)) if ptype == "INCLUDE" else ())


# --------------------------------------------------------------------------------------------
# Writing


def model_to_dms(model: Model) -> dict[str, Any]:
    """A DMS v0.1 model mapping (keys in the spec's order; lists sorted by name)."""
    out: dict[str, Any] = {"name": model.name, "table": {"name": model.table.resolved}}
    if model.naming in ("camelCase", "snake_case"):
        out["naming"] = {"convention": model.naming}
    keys: dict[str, Any] = {"partition": {"attribute": model.partition.name, "type": model.partition.type}}
    if model.sort:
        keys["sort"] = {"attribute": model.sort.name, "type": model.sort.type}
    out["keys"] = keys
    key_names = {model.partition.name} | ({model.sort.name} if model.sort else set())
    attributes = []
    for attr in sorted(model.attributes, key=lambda a: a.name):
        entry: dict[str, Any] = {"attribute": attr.name, "type": attr.type}
        # Key attributes use the key's declared scalar type (what CreateTable says).
        if attr.name == model.partition.name:
            entry["type"] = model.partition.type
        elif model.sort and attr.name == model.sort.name:
            entry["type"] = model.sort.type
        if attr.name in key_names:
            entry["required"] = True
        else:
            entry["optional"] = True
        if attr.omitempty:
            entry["omit_empty"] = True
        if attr.roles:
            entry["roles"] = sorted(attr.roles)
        if attr.format:
            entry["format"] = attr.format
        if attr.json:
            entry["json"] = True
        if attr.binary:
            entry["binary"] = True
        if attr.encrypted:
            entry["encryption"] = {"v": 1}
        attributes.append(entry)
    out["attributes"] = attributes
    if model.indexes:
        indexes = []
        for idx in sorted(model.indexes, key=lambda i: i.name):
            entry = {"name": idx.name, "type": idx.kind,
                     "partition": {"attribute": idx.partition.name, "type": idx.partition.type}}
            if idx.sort:
                entry["sort"] = {"attribute": idx.sort.name, "type": idx.sort.type}
            projection: dict[str, Any] = {"type": idx.projection.type}
            if idx.projection.type == "INCLUDE":
                projection["fields"] = list(idx.projection.non_key_attributes)
            entry["projection"] = projection
            indexes.append(entry)
        out["indexes"] = indexes
    return out


def dms_document(models: list[Model] | tuple[Model, ...], namespace: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"dms_version": "0.1"}
    if namespace:
        doc["namespace"] = namespace
    doc["models"] = [model_to_dms(m) for m in sorted(models, key=lambda m: m.name)]
    return doc


def dump_dms(models: list[Model] | tuple[Model, ...], namespace: str | None = None) -> str:
    """DMS YAML text (JSON-compatible subset: no anchors, dms_version quoted)."""

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(
        dms_document(models, namespace),
        Dumper=_NoAliases,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
