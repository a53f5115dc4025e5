"""``lift dynamorm scaffold``: a model design -> Go model, DMS, table IaC, repository, handler, test.

The Go model is rendered first and read back with the project's own Go model reader
(liftcli.dynamorm.gomodel), and every other output is derived from that Model: the DMS
document is ``model_to_dms`` of it and the table definitions use ``table_spec_from_model``,
so they always agree with what ``lift dynamorm inspect`` says about the written model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftcli.config import Settings
from liftcli.dynamorm.gomod import DYNAMORM_MODULE, find_go_mod
from liftcli.dynamorm.model import Diagnostic, Model
from liftcli.errors import ModelError, UsageError
from liftcli.scaffold import gocode
from liftcli.scaffold.design import (
    IAC_CHOICES,
    PARTS,
    FieldDesign,
    ModelDesign,
    ScaffoldRequest,
    design_model,
)
from liftcli.scaffold.plan import FileOutput, Plan, check_relative_path, plan
from liftcli.scaffold.render import load_manifest, render

SCAFFOLD = "model"
DEFAULT_PARTS = ("model", "dms", "iac", "repository", "handler", "test")
CDK_TYPES = {"S": "STRING", "N": "NUMBER", "B": "BINARY"}
TENANT_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


@dataclass(frozen=True)
class ProjectLayout:
    """Where things go and which DynamORM rules apply, from lift.yaml and go.mod."""

    root: Path
    models_dir: str
    cdk_dir: str
    iac: str
    table_env: str | None
    convention: str
    naming_token: str | None
    dynamorm_version: str | None
    go_module: str | None
    go_module_dir: Path | None

    @property
    def models_path(self) -> Path:
        return self.root / self.models_dir

    def import_path(self, rel_dir: str) -> str | None:
        """The Go import path of ``rel_dir`` (relative to the root), if go.mod says."""
        if self.go_module is None or self.go_module_dir is None:
            return None
        target = (self.root / rel_dir).resolve()
        try:
            rel = target.relative_to(self.go_module_dir.resolve())
        except ValueError:
            return None
        return self.go_module if rel.as_posix() == "." else f"{self.go_module}/{rel.as_posix()}"


def project_layout(
    settings: Settings, *, models_dir: str | None = None, iac: str | None = None
) -> ProjectLayout:
    """Read the scaffold settings (``dynamorm.scaffold`` in lift.yaml) and go.mod."""
    from liftcli.dynamorm.gomodel import rules_for

    data = settings.config.data
    scaffold = data["scaffold"]
    root = settings.root
    models_rel = check_relative_path(models_dir or scaffold["models_dir"])
    rules, gomod = rules_for(root / models_rel, data["tag"], data["naming"], data.get("dynamorm_version"))
    convention = rules.convention_for(None)
    token = "naming:snake_case" if convention == "snake_case" else None
    version = str(rules.version) if rules.version else None
    chosen_iac = iac or scaffold["iac"]
    if chosen_iac not in IAC_CHOICES:
        raise UsageError(f"unknown --iac {chosen_iac!r}; use one of {', '.join(IAC_CHOICES)}")
    return ProjectLayout(
        root=root,
        models_dir=models_rel,
        cdk_dir=check_relative_path(scaffold["cdk_dir"]),
        iac=chosen_iac,
        table_env=scaffold.get("table_env"),
        convention=convention,
        naming_token=token,
        dynamorm_version=version,
        go_module=gomod.module if gomod else None,
        go_module_dir=gomod.path.parent if gomod else None,
    )


@dataclass(frozen=True)
class Scaffolded:
    """What ``scaffold`` produced: the design, the Model read back from the Go source, the plan."""

    design: ModelDesign
    model: Model
    plan: Plan
    parts: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())


def scaffold(
    request: ScaffoldRequest, settings: Settings, *, force: bool = False, models_dir: str | None = None
) -> Scaffolded:
    """Plan every file of a scaffold (nothing is written; ``plan.apply`` writes).

    Raises:
        UsageError: a bad name, type or flag combination.
    """
    layout = project_layout(settings, models_dir=models_dir, iac=request.iac)
    parts = _parts(request.parts, layout)
    design = design_model(
        request,
        convention=layout.convention,
        naming_token=layout.naming_token,
        dynamorm_version=layout.dynamorm_version,
        default_env=layout.table_env,
    )
    outputs, model, notes = build_outputs(design, layout, parts)
    return Scaffolded(
        design=design,
        model=model,
        plan=plan(layout.root, outputs, force=force, notes=notes),
        parts=parts,
        notes=tuple(notes),
    )


def _parts(requested: tuple[str, ...] | None, layout: ProjectLayout) -> tuple[str, ...]:
    parts = tuple(dict.fromkeys(requested)) if requested else DEFAULT_PARTS
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise UsageError(f"unknown --with part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    if "model" not in parts and {"repository", "handler", "test"} & set(parts):
        raise UsageError("--with repository/handler/test need the model; add model to --with")
    for part in ("handler", "test"):
        if part in parts and "repository" not in parts:
            raise UsageError(f"--with {part} uses the generated repository; add repository to --with")
    return parts


# --------------------------------------------------------------------------------------------
# Outputs


def build_outputs(
    design: ModelDesign, layout: ProjectLayout, parts: tuple[str, ...]
) -> tuple[list[FileOutput], Model, list[str]]:
    manifest = load_manifest(SCAFFOLD)
    package = gocode.package_name_for(layout.models_path)
    paths = {
        "models_dir": layout.models_dir,
        "cdk_dir": layout.cdk_dir,
        "snake": design.snake,
        "kebab": design.kebab,
    }
    model_path = _path(manifest.files_for("model")[0].path, paths)
    model_text = render(SCAFFOLD, "model.go.j2", model_context(design, package))
    model = read_model(model_text, layout.root / model_path, model_path, layout)
    ctx = _context(design, model, layout, package)
    outputs: list[FileOutput] = []
    notes: list[str] = []
    for entry in manifest.files:
        if entry.part not in parts:
            continue
        if entry.when is not None and entry.when != layout.iac:
            continue
        path = _path(entry.path, paths)
        if entry.part == "model":
            outputs.append(FileOutput(path, model_text))
        elif entry.part == "handler" and ctx["models_import"] is None:
            outputs.append(
                FileOutput(
                    path,
                    None,
                    skip_reason="no go.mod above the models folder, so the "
                    "handler cannot import the model package",
                )
            )
        else:
            outputs.append(FileOutput(path, render(SCAFFOLD, entry.template, ctx)))
    if "iac" in parts and layout.iac == "none":
        notes.append("no table definition written (--iac none)")
    if {"repository", "test"} & set(parts) and not _requires_dynamorm(layout):
        notes.append(
            f"go.mod does not require {DYNAMORM_MODULE}: run `go get {DYNAMORM_MODULE}@v1.3.0` "
            "before building the repository and test"
        )
    return outputs, model, notes


def _path(pattern: str, values: dict[str, str]) -> str:
    return check_relative_path(pattern.format(**values))


def _requires_dynamorm(layout: ProjectLayout) -> bool:
    gomod = find_go_mod(layout.models_path)
    return bool(gomod and gomod.version_of(DYNAMORM_MODULE))


def read_model(text: str, path: Path, display: str, layout: ProjectLayout) -> Model:
    """Read generated Go source back with the project's model reader (nothing on disk needed)."""
    models, diagnostics = parse_go_model_text(
        text,
        path,
        display,
        tag_key="dynamorm",
        dynamorm_version=layout.dynamorm_version,
        naming="snake_case" if layout.naming_token else "auto",
    )
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or len(models) != 1:
        detail = "; ".join(d.message for d in errors) or f"{len(models)} models"
        raise ModelError(f"internal: the generated model does not read back cleanly: {detail}")
    return models[0]


def parse_go_model_text(
    text: str,
    path: Path,
    display: str,
    *,
    tag_key: str = "dynamorm",
    dynamorm_version: str | None = None,
    naming: str = "auto",
) -> tuple[list[Model], list[Diagnostic]]:
    """Models of one Go source text as if it were the file ``path`` (the reader of inspect)."""
    from liftcli.dynamorm.gomodel import GoPackage, ModelBuilder, PackageResolver, rules_for

    directory = path.parent
    data = text.encode("utf-8")

    def read(p: Path) -> bytes:
        if p == path:
            return data
        raise OSError(2, "not part of the generated source")

    pkg = GoPackage(directory, directory.name, [path], read, lambda _p: display)
    resolver = PackageResolver(lambda d: pkg if d == directory.resolve() else None)
    go_file = pkg.parse(path)
    assert go_file is not None
    rules, _ = rules_for(directory, tag_key, naming, dynamorm_version)
    builder = ModelBuilder(pkg, resolver, rules)
    models = [m for s in go_file.structs if builder.has_tag(s) for m in [builder.build(s, go_file)] if m]
    diagnostics = [
        Diagnostic("error", "DM901", f"Go {what} at line {line}", path=display, line=line)
        for line, _col, what in go_file.errors
    ]
    return models, diagnostics + list(builder.diagnostics)


# --------------------------------------------------------------------------------------------
# Template contexts (all values computed here; templates only place them)


def model_context(design: ModelDesign, package: str) -> dict[str, Any]:
    fields = []
    if design.naming_token:
        fields.append(gocode.StructField("_", "struct{}", (design.naming_token,)))
    for f in design.fields:
        fields.append(gocode.StructField(f.name, f.type.go, f.tag_tokens(), f.attr, f.omitempty))
    imports = ["os"] + (["time"] if any(f.type.go == "time.Time" for f in design.fields) else [])
    keys = f"partition key {design.pk.attr} ({design.pk.type.key_type})"
    if design.sk:
        keys += f", sort key {design.sk.attr} ({design.sk.type.key_type})"
    index_lines = []
    for idx in design.indexes:
        if idx.kind == "GSI":
            assert idx.partition is not None
            names = [design.field(idx.partition).attr] + ([design.field(idx.sort).attr] if idx.sort else [])
        else:
            assert idx.sort is not None
            names = [design.pk.attr, design.field(idx.sort).attr]
        index_lines.append(f"{idx.name} ({idx.kind}: {', '.join(names)})")
    return {
        "header": f"Scaffolded by lift dynamorm scaffold (preset {design.preset}). Edit freely: lift never",
        "package": package,
        "imports": gocode.import_block(imports),
        "name": design.name,
        "field_lines": gocode.struct_lines(fields),
        "keys": keys,
        "indexes": ", ".join(index_lines),
        "table_env": design.table_env,
        "plural": design.plural,
        "table_fallback": None,
        "ttl": design.with_role("ttl").attr if design.with_role("ttl") else None,
    }


def _context(design: ModelDesign, model: Model, layout: ProjectLayout, package: str) -> dict[str, Any]:
    from liftcli.dynamorm.dms import dump_dms
    from liftcli.dynamorm.spec import create_table_request, table_spec_from_model

    spec = table_spec_from_model(model)
    request = create_table_request(spec)
    key_fields = design.key_fields
    ctx: dict[str, Any] = {
        "name": design.name,
        "snake": design.snake,
        "kebab": design.kebab,
        "preset": design.preset,
        "package": package,
        "table_env": design.table_env,
        "plural": design.plural,
        "multi_tenant": design.multi_tenant,
        "tenant_attr": design.pk.attr if design.multi_tenant else None,
        "dms": dump_dms([model]),
        "model_path": f"{layout.models_dir}/{design.snake}.go",
        "models_import": layout.import_path(layout.models_dir),
        "has_sort": design.sk is not None,
        "ttl_attr": model.ttl_attribute,
        "request": request,
        "tenant_actions": list(TENANT_ACTIONS),
        "tenant_indexes": _tenant_indexes(model) if design.multi_tenant else [],
    }
    ctx.update(_cdk_context(model))
    ctx.update(_go_code_context(design, key_fields, ctx["models_import"]))
    return ctx


def _tenant_indexes(model: Model) -> list[str]:
    """Indexes a tenant-scoped policy may reach: those partitioned by the tenant attribute.

    dynamodb:LeadingKeys constrains the partition key of whatever is queried; on a GSI keyed by
    another attribute (a status, say) it would compare the tenant id with that attribute, so
    such indexes stay out of the policy. LSIs share the table's (tenant) partition key.
    """
    tenant = model.partition.name
    return sorted(i.name for i in model.indexes if i.partition.name == tenant)


def _cdk_context(model: Model) -> dict[str, Any]:
    def go_attr(key: Any) -> str:
        return (
            f"&awsdynamodb.Attribute{{Name: jsii.String({gocode.go_string(key.name)}), "
            f"Type: awsdynamodb.AttributeType_{CDK_TYPES[key.type]}}}"
        )

    def ts_attr(key: Any) -> str:
        return f"{{ name: {json.dumps(key.name)}, type: dynamodb.AttributeType.{CDK_TYPES[key.type]} }}"

    table_pairs = [("TableName", "props.TableName"), ("PartitionKey", go_attr(model.partition))]
    if model.sort:
        table_pairs.append(("SortKey", go_attr(model.sort)))
    table_pairs += [
        ("BillingMode", "awsdynamodb.BillingMode_PAY_PER_REQUEST"),
        (
            "PointInTimeRecoverySpecification",
            "&awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)}",
        ),
        ("RemovalPolicy", "awscdk.RemovalPolicy_RETAIN"),
    ]
    if model.ttl_attribute:
        table_pairs.append(("TimeToLiveAttribute", f"jsii.String({gocode.go_string(model.ttl_attribute)})"))
    gsis = []
    for idx in model.gsis:
        pairs = [
            ("IndexName", f"jsii.String({gocode.go_string(idx.name)})"),
            ("PartitionKey", go_attr(idx.partition)),
        ]
        if idx.sort:
            pairs.append(("SortKey", go_attr(idx.sort)))
        pairs.append(("ProjectionType", "awsdynamodb.ProjectionType_ALL"))
        gsis.append(
            {
                "lines": gocode.keyed_lines(pairs),
                "name": idx.name,
                "partition": ts_attr(idx.partition),
                "sort": ts_attr(idx.sort) if idx.sort else None,
            }
        )
    lsis = []
    for idx in model.lsis:
        assert idx.sort is not None
        pairs = [
            ("IndexName", f"jsii.String({gocode.go_string(idx.name)})"),
            ("SortKey", go_attr(idx.sort)),
            ("ProjectionType", "awsdynamodb.ProjectionType_ALL"),
        ]
        lsis.append({"lines": gocode.keyed_lines(pairs), "name": idx.name, "sort": ts_attr(idx.sort)})
    return {
        "cdk_table_lines": gocode.keyed_lines(table_pairs),
        "cdk_gsis": gsis,
        "cdk_lsis": lsis,
        "ts_partition": ts_attr(model.partition),
        "ts_sort": ts_attr(model.sort) if model.sort else None,
    }


def _sample(f: FieldDesign, index: int) -> str:
    go = f.type.go
    if go == "string":
        return gocode.go_string(f"{f.attr.lower()}-{index}")
    if go == "int64":
        return str(index)
    if go == "float64":
        return f"{index}.5"
    if go == "time.Time":
        return f"time.Date(2024, 1, {index + 1}, 3, 4, 5, 0, time.UTC)"
    raise AssertionError(go)  # pragma: no cover - keys are string/number/time only


def _differs(f: FieldDesign, left: str, right: str) -> str:
    if f.type.go == "time.Time":
        return f"!{left}.{f.name}.Equal({right}.{f.name})"
    return f"{left}.{f.name} != {right}.{f.name}"


def _go_code_context(
    design: ModelDesign, key_fields: tuple[FieldDesign, ...], models_import: str | None
) -> dict[str, Any]:
    params = [(gocode.param_name(f.name), f) for f in key_fields]
    key_params = ", ".join(f"{p} {f.type.go}" for p, f in params)
    key_where = "".join(f'.Where("{f.name}", "=", {p})' for p, f in params)
    key_literal = f"&{design.name}{{{', '.join(f'{f.name}: {p}' for p, f in params)}}}"
    key_args = ", ".join(p for p, _ in params)
    item_args = ", ".join(f"item.{f.name}" for f in key_fields)
    index_fields = [f for f in design.fields if f.index_roles and not f.is_table_key]
    sample_fields = list(key_fields) + index_fields
    sample = f"&{design.name}{{{', '.join(f'{f.name}: {_sample(f, 1)}' for f in sample_fields)}}}"
    queries = []
    for idx in design.indexes:
        if idx.kind != "GSI":
            continue
        assert idx.partition is not None
        pf = design.field(idx.partition)
        queries.append(
            {
                "index": idx.name,
                "method": "QueryBy" + "".join(part[:1].upper() + part[1:] for part in _index_words(idx.name)),
                "field": pf.name,
                "param": gocode.param_name(pf.name),
                "type": pf.type.go,
            }
        )
    pk_param = gocode.param_name(design.pk.name)
    request_fields = [gocode.StructField(f.name, f.type.go, (), f.attr) for f in key_fields]
    uses_time = any(f.type.go == "time.Time" for f in key_fields)
    return {
        "key_params": key_params,
        "key_where": key_where,
        "key_literal": key_literal,
        "key_args": key_args,
        "item_key_args": item_args,
        "req_key_args": ", ".join(f"req.{f.name}" for f in key_fields),
        "sample_item": sample,
        "key_mismatch": " || ".join(_differs(f, "got", "item") for f in key_fields),
        "queries": queries,
        "pk_field": design.pk.name,
        "pk_param": pk_param,
        "pk_param_decl": f"{pk_param} {design.pk.type.go}",
        "list_method": f"ListBy{design.pk.name}",
        "request_lines": gocode.struct_lines(request_fields),
        "handler_imports": gocode.import_block(
            ["context", "errors"]
            + (["time"] if uses_time else [])
            + ([models_import] if models_import else [])
            + ["dynamormerrors=github.com/pay-theory/dynamorm/pkg/errors"]
        ),
        "repo_imports": gocode.import_block(
            ["context", "github.com/pay-theory/dynamorm/pkg/core"]
            + (["time"] if uses_time or design.preset in ("rate-limit", "idempotency") else [])
            + (["errors"] if design.preset == "event-store" else [])
            + (
                ["dynamormerrors=github.com/pay-theory/dynamorm/pkg/errors"]
                if design.preset in ("idempotency", "event-store")
                else []
            )
        ),
        "test_imports": gocode.import_block(
            [
                "context",
                "fmt",
                "os",
                "testing",
                "time",
                "dynamormerrors=github.com/pay-theory/dynamorm/pkg/errors",
            ]
        ),
        "db_imports": gocode.import_block(
            [
                "os",
                "github.com/pay-theory/dynamorm",
                "github.com/pay-theory/dynamorm/pkg/core",
                "github.com/pay-theory/dynamorm/pkg/session",
            ]
        ),
    }


def _index_words(name: str) -> list[str]:
    import re

    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    if len(words) > 1 and words[0].lower() in ("gsi", "index", "idx"):
        words = words[1:]
    if len(words) > 1 and words[-1].lower() in ("gsi", "index", "idx"):
        words = words[:-1]
    return words
