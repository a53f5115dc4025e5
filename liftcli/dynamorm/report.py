"""Machine-readable renderings of a validate result: JSON, JUnit XML, SARIF 2.1.0, GitHub annotations.

Pure functions from a ValidateResult to text; the CLI prints them on stdout.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from liftcli import __version__
from liftcli.dynamorm.diagnostics import CODES
from liftcli.dynamorm.validate import Located, ValidateResult, all_rules

HELP_URI = "https://github.com/pay-theory/lift/blob/main/docs/validate.md"


def render_json(result: ValidateResult, fail_on: str) -> str:
    return json.dumps(result.to_dict(fail_on), indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# GitHub workflow commands


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: ValidateResult, fail_on: str) -> str:
    """``::error file=models/x.go,line=7,title=DM-G001::...`` lines (annotations on the PR)."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in result.findings:
        props = []
        if f.path:
            props.append(f"file={_gh_escape_property(f.path)}")
            if f.line:
                props.append(f"line={f.line}")
        title = f"{f.rule} {f.table or f.model or ''}".strip()
        props.append(f"title={_gh_escape_property(title)}")
        message = f.message + (f" — {f.hint}" if f.hint else "")
        lines.append(f"::{level.get(f.severity, 'notice')} {','.join(props)}::{_gh_escape_data(message)}")
    failing = len(result.failing(fail_on))
    lines.append(f"lift dynamorm validate: {len(result.tables)} tables against {result.target}: "
                 f"{failing} finding(s) at or above '{fail_on}'")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# JUnit XML


def render_junit(result: ValidateResult, fail_on: str) -> str:
    """One test case per table (and per model with diagnostics); failing findings are failures."""
    failing = result.failing(fail_on)
    cases: dict[str, list[Located]] = {f"table {t}": [] for t in result.tables}
    for f in result.findings:
        key = f"table {f.table}" if f.kind == "drift" and f.table else f"model {f.model or f.path}"
        cases.setdefault(key, []).append(f)
    failures = sum(1 for fs in cases.values() if any(f in failing for f in fs))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="lift dynamorm validate" tests="{len(cases)}" failures="{failures}">',
           f'  <testsuite name={quoteattr("validate against " + result.target)} tests="{len(cases)}" '
           f'failures="{failures}" time="{result.duration:.3f}">']
    for name in sorted(cases):
        findings = cases[name]
        out.append(f'    <testcase classname="lift.dynamorm.validate" name={quoteattr(name)}>')
        bad = [f for f in findings if f in failing]
        if bad:
            text = "\n".join(_plain(f) for f in bad)
            out.append(f'      <failure message={quoteattr(bad[0].message)} type={quoteattr(bad[0].rule)}>'
                       f"{escape(text)}</failure>")
        others = [f for f in findings if f not in failing]
        if others:
            out.append(f"      <system-out>{escape(chr(10).join(_plain(f) for f in others))}</system-out>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def _plain(f: Located) -> str:
    where = f"{f.path}:{f.line}: " if f.path and f.line else (f"{f.path}: " if f.path else "")
    extra = ""
    if f.expected is not None or f.actual is not None:
        extra = f" (expected {json.dumps(f.expected)}, actual {json.dumps(f.actual)})"
    return f"{where}{f.severity} {f.rule}: {f.message}{extra}" + (f"\n  hint: {f.hint}" if f.hint else "")


# --------------------------------------------------------------------------------------------
# SARIF 2.1.0


def render_sarif(result: ValidateResult, fail_on: str) -> str:
    rules_meta = all_rules()
    used = sorted({f.rule for f in result.findings})
    rules = []
    for rule_id in used:
        if rule_id in rules_meta:
            severity, title, hint = rules_meta[rule_id]
        elif rule_id in CODES:
            entry = CODES[rule_id]
            severity, title, hint = entry.severity, entry.title, entry.hint
        else:  # pragma: no cover - every rule is registered
            severity, title, hint = "warning", rule_id, ""
        rules.append({
            "id": rule_id,
            "name": rule_id.replace("-", ""),
            "shortDescription": {"text": title},
            "help": {"text": hint or title},
            "helpUri": HELP_URI,
            "defaultConfiguration": {"level": _sarif_level(severity)},
        })
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results: list[dict[str, Any]] = []
    for f in result.findings:
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _sarif_level(f.severity),
            "message": {"text": f.message + (f" Fix: {f.hint}" if f.hint else "")},
            "properties": {"table": f.table, "index": f.index, "model": f.model, "expected": f.expected,
                           "actual": f.actual, "kind": f.kind},
        }
        if f.path:
            location: dict[str, Any] = {"artifactLocation": {"uri": f.path}}
            if f.line:
                location["region"] = {"startLine": f.line}
            entry["locations"] = [{"physicalLocation": location}]
        results.append(entry)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lift dynamorm", "version": __version__, "informationUri": HELP_URI,
                                "rules": rules}},
            "results": results,
            "properties": {"target": result.target, "targetKind": result.target_kind, "failOn": fail_on},
        }],
    }
    return json.dumps(document, indent=2) + "\n"


def _sarif_level(severity: str) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}.get(severity, "note")


RENDERERS = {"json": render_json, "junit": render_junit, "sarif": render_sarif, "github": render_github}
