"""Text rendering of `validate` (rich)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.dynamorm.validate import Located, ValidateResult

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _value(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _finding(console: Console, f: Located) -> None:
    from rich.markup import escape

    where = f"  [dim]{escape(f.path)}:{f.line}[/]" if f.path and f.line else ""
    console.print(f"  [{STYLE.get(f.severity, '')}]{f.severity:<7}[/] {f.rule:<8} {escape(f.message)}{where}",
                  soft_wrap=True)
    if f.expected is not None or f.actual is not None:
        console.print(f"           expected {escape(_value(f.expected))}", soft_wrap=True)
        console.print(f"           actual   {escape(_value(f.actual))}", soft_wrap=True)
    if f.hint and f.severity != "info":
        console.print(f"           [dim]fix: {escape(f.hint)}[/]", soft_wrap=True)


def render_text(console: Console, result: ValidateResult, fail_on: str) -> None:
    from rich.markup import escape

    by_table: dict[str, list[Located]] = {t: [] for t in result.tables}
    other: list[Located] = []
    for f in result.findings:
        if f.kind == "drift" and f.table in by_table:
            by_table[f.table].append(f)
        else:
            other.append(f)
    failing = result.failing(fail_on)
    for table, findings in by_table.items():
        mark = "[red]✗[/]" if any(f in failing for f in findings) else "[green]✓[/]"
        models = sorted({f.model for f in findings if f.model})
        suffix = f"  [dim]({', '.join(models)})[/]" if models else ""
        console.print(f"{mark} {escape(table)}{suffix}")
        for f in findings:
            _finding(console, f)
    if other:
        console.print("[bold]other findings[/]")
        for f in other:
            _finding(console, f)
    if result.deploys:
        for table, count in sorted(result.deploys.items()):
            console.print(f"deploys needed for {escape(table)}: {count}")
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in ("error", "warning", "info")}
    verdict = "drift found" if failing else "in sync"
    console.print(
        f"{len(result.tables)} table(s) checked against {escape(result.target)} ({result.target_kind}) in "
        f"{result.duration:.2f} s: {counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} info — {verdict} (fail-on: {fail_on})",
        soft_wrap=True,
    )
