"""``validate``: models against deployed tables (any endpoint) or against IaC templates.

One pipeline: desired specs (models) -> actual specs (DescribeTable & co, or a template) ->
``compare_tables`` -> findings, each placed at the model line it concerns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from liftcli.dynamorm.compare import RULES, CompareOptions, Finding, compare_tables
from liftcli.dynamorm.model import Diagnostic, Model
from liftcli.dynamorm.project import Project
from liftcli.dynamorm.spec import TableSpec, merge_shared_table, table_spec_from_model


@dataclass(frozen=True, slots=True)
class Located:
    """A finding (or a model diagnostic) with the model source it points at."""

    rule: str
    severity: str
    message: str
    table: str | None
    model: str | None
    path: str | None
    line: int | None
    hint: str = ""
    expected: Any = None
    actual: Any = None
    index: str | None = None
    kind: str = "drift"  # drift | model

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "kind": self.kind,
            "table": self.table,
            "index": self.index,
            "model": self.model,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class ValidateResult:
    target: str  # what was compared against, in words
    target_kind: str  # aws | dynamodb-local | moto | template
    findings: tuple[Located, ...]
    tables: tuple[str, ...]  # desired tables checked
    models: tuple[str, ...]
    duration: float = 0.0
    deploys: Mapping[str, int] = field(default_factory=dict)  # template deploy check: table -> deploys

    def failing(self, fail_on: str) -> tuple[Located, ...]:
        if fail_on == "never":
            return ()
        rank = {"info": 0, "warning": 1, "error": 2}
        threshold = rank[fail_on]
        return tuple(f for f in self.findings if rank.get(f.severity, 0) >= threshold)

    def to_dict(self, fail_on: str) -> dict[str, Any]:
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in ("error", "warning", "info")}
        return {
            "schema_version": 1,
            "target": self.target,
            "target_kind": self.target_kind,
            "in_sync": not self.failing(fail_on),
            "fail_on": fail_on,
            "summary": {"tables": len(self.tables), "models": len(self.models), **counts},
            "deploys": dict(self.deploys),
            "findings": [f.to_dict() for f in self.findings],
        }


# --------------------------------------------------------------------------------------------
# Desired tables


def desired_specs(models: Iterable[Model]) -> tuple[dict[str, TableSpec], dict[str, list[Model]]]:
    """One desired TableSpec per table; models sharing a table (single-table design) are merged.

    The merged table has the union of the models' indexes and the TTL attribute of whichever
    model declares one (DM501 already reports models that disagree on keys).
    """
    specs: dict[str, TableSpec] = {}
    owners: dict[str, list[Model]] = {}
    for model in models:
        spec = table_spec_from_model(model)
        owners.setdefault(spec.name, []).append(model)
        specs[spec.name] = merge_shared_table(specs[spec.name], spec) if spec.name in specs else spec
    return specs, owners


# --------------------------------------------------------------------------------------------
# Locating findings in model sources


def _line_for(finding: Finding, models: list[Model]) -> tuple[Model | None, int | None]:
    if not models:
        return None, None
    model = models[0]
    wanted_roles: tuple[str, ...] = ()
    if finding.index:
        wanted_roles = (f"index_pk:{finding.index}", f"index_sk:{finding.index}")
    elif finding.rule.startswith("DM-K00") and finding.rule in ("DM-K001", "DM-K002"):
        wanted_roles = ("pk",)
    elif finding.rule in ("DM-K003", "DM-K004"):
        wanted_roles = ("sk",)
    elif finding.setting == "ttl":
        wanted_roles = ("ttl",)
    for candidate in models:
        for attr in candidate.attributes:
            if attr.location and any(role in attr.roles for role in wanted_roles):
                return candidate, attr.location.line
    return model, model.location.line


def locate(findings: Iterable[Finding], owners: Mapping[str, list[Model]]) -> list[Located]:
    out = []
    for f in findings:
        models = owners.get(f.table, [])
        model, line = _line_for(f, models)
        out.append(
            Located(
                rule=f.rule,
                severity=f.severity,
                message=f.message,
                table=f.table,
                model=model.name if model else None,
                path=model.location.path if model else None,
                line=line,
                hint=f.hint,
                expected=f.expected,
                actual=f.actual,
                index=f.index,
            )
        )
    return out


def model_findings(diagnostics: Iterable[Diagnostic]) -> list[Located]:
    return [
        Located(rule=d.code, severity=d.severity, message=d.message, table=None, model=d.model, path=d.path,
                line=d.line, hint=d.hint or "", kind="model")
        for d in diagnostics
    ]


def _sorted(findings: Iterable[Located]) -> tuple[Located, ...]:
    rank = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: (f.path or "~", f.line or 0, rank.get(f.severity, 3), f.rule,
                                                 f.message)))


# --------------------------------------------------------------------------------------------
# Against an endpoint (AWS, DynamoDB Local, the embedded server)


def fetch_actual(
    client: Any,
    names: Iterable[str],
    *,
    endpoint_kind: str,
    concurrency: int = 16,
    include_unmanaged: bool = False,
) -> dict[str, TableSpec | None]:
    """Describe every named table concurrently (bounded); optionally every table in the account."""
    from liftcli.aws_client import list_tables
    from liftcli.dynamorm.introspect import fetch_table_spec

    wanted = sorted(set(names))
    if include_unmanaged:
        wanted = sorted(set(wanted) | set(list_tables(client)))
    if not wanted:
        return {}
    workers = max(1, min(concurrency, len(wanted)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="describe") as pool:
        results = list(pool.map(lambda name: fetch_table_spec(client, name, endpoint_kind), wanted))
    return dict(zip(wanted, results, strict=True))


def validate_endpoint(
    project: Project,
    client: Any,
    *,
    endpoint_kind: str,
    target: str,
    options: CompareOptions,
    concurrency: int = 16,
    clock: Callable[[], float] = time.monotonic,
) -> ValidateResult:
    start = clock()
    desired, owners = desired_specs(project.models)
    actual = fetch_actual(client, desired, endpoint_kind=endpoint_kind, concurrency=concurrency,
                          include_unmanaged=options.include_unmanaged)
    findings = locate(compare_tables(desired, actual, options=options), owners)
    findings += model_findings(project.diagnostics)
    return ValidateResult(
        target=target,
        target_kind=endpoint_kind,
        findings=_sorted(findings),
        tables=tuple(sorted(desired)),
        models=tuple(m.name for m in project.models),
        duration=clock() - start,
    )


# --------------------------------------------------------------------------------------------
# Against IaC (CloudFormation / SAM template, cdk.out)

IAC_RULES = {
    "DM-I001": ("warning", "template table not claimed by any model",
                "Add a model for it, or remove it from the template."),
    "DM-I002": ("error", "template change needs more than one deploy",
                "CloudFormation creates or deletes one GSI per update: deploy the template in stages."),
}


def validate_template(
    project: Project,
    template: Path,
    *,
    options: CompareOptions,
    deployed: Mapping[str, TableSpec | None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ValidateResult:
    """Models vs the tables a template declares; with ``deployed``, also the deploy count check."""
    from liftcli.dynamorm.iac import load_iac_tables, match_models

    start = clock()
    desired, owners = desired_specs(project.models)
    tables = load_iac_tables(template)
    matches, unmatched = match_models(project.models, tables)
    actual: dict[str, TableSpec | None] = {name: None for name in desired}
    for name, table in matches.items():
        actual[name] = table.spec.with_name(name)
    compare_options = replace(options, include_unmanaged=False)
    found = locate(compare_tables(desired, actual, options=compare_options), owners)
    for table in unmatched:
        if options.table_ignored(table.spec.name):
            continue
        severity, title, hint = IAC_RULES["DM-I001"]
        found.append(Located("DM-I001", severity, f"{table.logical_id} ({table.spec.name}): {title}",
                             table.spec.name, None, table.source, table.line, hint))
    deploys: dict[str, int] = {}
    if deployed is not None:
        found += _deploy_check(matches, deployed, deploys)
    found += model_findings(project.diagnostics)
    return ValidateResult(
        target=str(template),
        target_kind="template",
        findings=_sorted(found),
        tables=tuple(sorted(desired)),
        models=tuple(m.name for m in project.models),
        duration=clock() - start,
        deploys=deploys,
    )


def _deploy_check(matches: Mapping[str, Any], deployed: Mapping[str, TableSpec | None],
                  deploys: dict[str, int]) -> list[Located]:
    """How many CloudFormation deploys take the deployed tables to the template's."""
    from liftcli.dynamorm.diff import diff
    from liftcli.dynamorm.plan import iac_deploys

    out = []
    for name, table in sorted(matches.items()):
        current = deployed.get(name)
        if current is None:
            continue  # a new table is one resource creation, whatever its GSIs
        ops = diff(table.spec.with_name(name), current)
        count = len(iac_deploys(ops))
        deploys[name] = count
        if count > 1:
            severity, title, hint = IAC_RULES["DM-I002"]
            gsi_ops = [op.describe() for op in ops if "Global" in type(op).__name__]
            out.append(Located("DM-I002", severity,
                               f"{name}: {title}: {count} deploys ({'; '.join(gsi_ops)})",
                               name, None, table.source, table.line, hint,
                               expected=1, actual=count))
    return out


def all_rules() -> dict[str, tuple[str, str, str]]:
    """Every rule id validate can report: (severity, title, hint)."""
    out = {rule.id: (rule.severity, rule.title, rule.hint) for rule in RULES.values()}
    out.update(IAC_RULES)
    return out


def rules_markdown() -> str:
    """A Markdown table of every validate rule (docs/validate.md embeds it)."""
    rows = ["| rule | severity | what | fix |", "| --- | --- | --- | --- |"]
    for rule_id, (severity, title, hint) in sorted(all_rules().items()):
        rows.append(f"| `{rule_id}` | {severity} | {title} | {hint.replace('|', '/')} |")
    return "\n".join(rows) + "\n"
