"""Tables declared in infrastructure code: CloudFormation/SAM templates and CDK ``cdk.out``.

``load_iac_tables(path)`` returns one ``IacTable`` per ``AWS::DynamoDB::Table`` (and
``AWS::DynamoDB::GlobalTable``) resource, normalised into the same ``TableSpec`` the models
become, so that validate can compare models with the template before anything is deployed.
CloudFormation's short-form tags (``!Ref``, ``!Sub``, ...) are understood; table names that
cannot be resolved statically (``!Sub ${AWS::StackName}-x``, CDK-generated names) are ``None``
and matched to models by logical id or key schema instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from liftcli.dynamorm.model import Index, KeyAttribute, Model, Projection
from liftcli.dynamorm.spec import TableSpec, Throughput
from liftcli.errors import LiftError

TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")


class IacError(LiftError):
    """A template cannot be read."""


@dataclass(frozen=True, slots=True)
class IacTable:
    logical_id: str
    source: str  # template path (and stack, for cdk.out)
    line: int | None
    spec: TableSpec
    name_resolved: bool  # False: TableName absent or not statically known
    resource_type: str = "AWS::DynamoDB::Table"


# --------------------------------------------------------------------------------------------
# Reading templates


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form intrinsic function tags."""


def _intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)  # type: ignore[no-untyped-call]


def _line_index(text: str) -> dict[str, int]:
    """Logical id -> line, for resources (best effort: `  LogicalId:` under Resources)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r'^\s{2,4}"?([A-Za-z0-9]+)"?\s*:\s*(\{)?\s*$', line)
        if match and match.group(1) not in lines:
            lines[match.group(1)] = number
    return lines


def _read_template(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IacError(f"cannot read template {path}: {exc}") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else (f":{exc.lineno}" if hasattr(exc, "lineno") else "")
        raise IacError(f"{path}{line}: not a valid template: {getattr(exc, 'problem', None) or exc}",
                       hint="Pass a CloudFormation/SAM template (YAML or JSON) or a cdk.out directory.") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise IacError(f"{path}: no Resources section; not a CloudFormation template",
                       hint="Pass a CloudFormation/SAM template or a cdk.out directory (run `cdk synth` first).")
    return data, _line_index(text)


def _templates(path: Path) -> list[tuple[Path, str]]:
    """(template file, label) for a template file or a cdk.out directory."""
    if path.is_file():
        return [(path, str(path))]
    if not path.is_dir():
        raise IacError(f"template not found: {path}", hint="Check --against-template.")
    manifest = path / "manifest.json"
    found: list[tuple[Path, str]] = []
    if manifest.is_file():
        try:
            artifacts = json.loads(manifest.read_text()).get("artifacts", {})
        except json.JSONDecodeError as exc:
            raise IacError(f"{manifest}: not valid JSON: {exc}") from None
        for name, artifact in sorted(artifacts.items()):
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            template = (artifact.get("properties") or {}).get("templateFile")
            if template and (path / template).is_file():
                found.append((path / template, f"{path / template} (stack {name})"))
    if not found:
        found = [(p, str(p)) for p in sorted(path.glob("*.template.json"))]
    if not found:
        raise IacError(f"{path}: no CloudFormation templates found",
                       hint="Run `cdk synth` first, or pass a template file.")
    return found


# --------------------------------------------------------------------------------------------
# Intrinsics


def _resolve(value: Any, params: dict[str, Any]) -> Any:
    """Resolve the intrinsics that can be known statically; None when not."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Condition") or (
        isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("Fn::")
    ):
        (fn, arg), = value.items()
        if fn == "Ref":
            return params.get(arg)
        if fn == "Fn::Sub":
            template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
            scope = {**params, **{k: _resolve(v, params) for k, v in variables.items()}}
            missing = False

            def sub(match: re.Match[str]) -> str:
                nonlocal missing
                value = scope.get(match.group(1))
                if value is None:
                    missing = True
                    return ""
                return str(value)

            text = re.sub(r"\$\{([^}!]+)\}", sub, template)
            return None if missing else text
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = _resolve(arg[1], params)
            if isinstance(parts, list) and all(isinstance(p, (str, int)) for p in parts):
                return str(arg[0]).join(str(p) for p in parts)
            return None
        if fn == "Fn::If":
            return None
        return None
    if isinstance(value, dict):
        return {k: _resolve(v, params) for k, v in value.items()}
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


# --------------------------------------------------------------------------------------------
# Resource -> TableSpec


def _keys(schema: list[dict[str, Any]], types: dict[str, str]) -> tuple[KeyAttribute, KeyAttribute | None]:
    partition = sort = None
    for element in schema or []:
        name = element.get("AttributeName")
        key = KeyAttribute(str(name), types.get(str(name), "S"))  # type: ignore[arg-type]
        if element.get("KeyType") == "HASH":
            partition = key
        elif element.get("KeyType") == "RANGE":
            sort = key
    if partition is None:
        raise ValueError("KeySchema has no HASH key")
    return partition, sort


def _projection(data: dict[str, Any] | None) -> Projection:
    if not data:
        return Projection()
    return Projection(data.get("ProjectionType", "ALL"),
                      tuple(sorted(data.get("NonKeyAttributes") or ())) if data.get("ProjectionType") == "INCLUDE"
                      else ())


def table_spec_from_resource(props: dict[str, Any], name: str) -> TableSpec:
    types = {d["AttributeName"]: d["AttributeType"] for d in props.get("AttributeDefinitions") or []}
    partition, sort = _keys(props.get("KeySchema") or [], types)
    gsis = []
    for g in props.get("GlobalSecondaryIndexes") or []:
        p, s = _keys(g.get("KeySchema") or [], types)
        gsis.append(Index(str(g.get("IndexName")), "GSI", p, s, _projection(g.get("Projection"))))
    lsis = []
    for li in props.get("LocalSecondaryIndexes") or []:
        p, s = _keys(li.get("KeySchema") or [], types)
        lsis.append(Index(str(li.get("IndexName")), "LSI", p, s, _projection(li.get("Projection"))))
    billing = props.get("BillingMode") or "PROVISIONED"
    throughput = None
    pt = props.get("ProvisionedThroughput")
    if billing == "PROVISIONED" and isinstance(pt, dict):
        try:
            throughput = Throughput(int(pt["ReadCapacityUnits"]), int(pt["WriteCapacityUnits"]))
        except (KeyError, TypeError, ValueError):
            throughput = None
    ttl = props.get("TimeToLiveSpecification") or {}
    ttl_enabled = _bool(ttl.get("Enabled")) if ttl else False
    stream = props.get("StreamSpecification") or {}
    pitr_spec = props.get("PointInTimeRecoverySpecification") or {}
    sse = props.get("SSESpecification") or {}
    sse_enabled = _bool(sse.get("SSEEnabled"))
    return TableSpec(
        name=name,
        partition=partition,
        sort=sort,
        gsis=tuple(gsis),
        lsis=tuple(lsis),
        billing_mode=billing,
        throughput=throughput,
        ttl_attribute=ttl.get("AttributeName") if ttl_enabled else None,
        ttl_enabled=ttl_enabled,
        stream_enabled=bool(stream.get("StreamViewType")),
        stream_view=stream.get("StreamViewType"),
        pitr=_bool(pitr_spec.get("PointInTimeRecoveryEnabled")) or False,
        deletion_protection=_bool(props.get("DeletionProtectionEnabled")) or False,
        table_class=props.get("TableClass") or "STANDARD",
        sse=("KMS" if sse.get("SSEType") == "KMS" or sse.get("KMSMasterKeyId") else "DEFAULT") if sse_enabled
        else "DEFAULT",
    )


def load_iac_tables(path: Path) -> list[IacTable]:
    """Every DynamoDB table resource of a template file or a cdk.out directory."""
    out: list[IacTable] = []
    for template, label in _templates(path):
        data, lines = _read_template(template)
        params = {
            name: spec.get("Default")
            for name, spec in (data.get("Parameters") or {}).items()
            if isinstance(spec, dict) and spec.get("Default") is not None
        }
        for logical_id, resource in sorted(data["Resources"].items()):
            if not isinstance(resource, dict) or resource.get("Type") not in TABLE_TYPES:
                continue
            props = _resolve(resource.get("Properties") or {}, params)
            if not isinstance(props, dict):
                continue
            raw_name = props.get("TableName")
            resolved = isinstance(raw_name, str) and bool(raw_name)
            try:
                spec = table_spec_from_resource(props, raw_name if resolved else f"<{logical_id}>")
            except (ValueError, KeyError, TypeError) as exc:
                raise IacError(f"{label}: resource {logical_id}: {exc}",
                               hint="The table resource needs a KeySchema with a HASH key.") from None
            out.append(IacTable(logical_id, label, lines.get(logical_id), spec, resolved,
                                str(resource.get("Type"))))
    return out


# --------------------------------------------------------------------------------------------
# Matching template tables to models


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def match_models(models: list[Model] | tuple[Model, ...], tables: list[IacTable]
                 ) -> tuple[dict[str, IacTable], list[IacTable]]:
    """Map model table names to template tables; returns (matches, unmatched template tables).

    By resolved table name first; then, for tables whose name is not known statically, by a
    logical id that contains the model or table name (``InvoicesTable`` ~ ``Invoice``); then by an
    identical key schema when exactly one unmatched model has it.
    """
    matches: dict[str, IacTable] = {}
    remaining = list(tables)
    wanted = {m.table.resolved: m for m in models}
    for table in list(remaining):
        if table.name_resolved and table.spec.name in wanted and table.spec.name not in matches:
            matches[table.spec.name] = table
            remaining.remove(table)
    for name, model in sorted(wanted.items()):
        if name in matches:
            continue
        candidates = [t for t in remaining if not t.name_resolved and (
            _normal(model.name) in _normal(t.logical_id) or _normal(name) in _normal(t.logical_id))]
        if len(candidates) == 1:
            matches[name] = candidates[0]
            remaining.remove(candidates[0])
    for name, model in sorted(wanted.items()):
        if name in matches:
            continue
        keys = (model.partition, model.sort)
        candidates = [t for t in remaining if not t.name_resolved and (t.spec.partition, t.spec.sort) == keys]
        if len(candidates) == 1:
            matches[name] = candidates[0]
            remaining.remove(candidates[0])
    return matches, remaining
