"""Shared rendering helpers for the CLI (rich on stdout/stderr)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.dynamorm.model import Diagnostic

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_json(console: Console, data: Any) -> None:
    """Plain JSON on the console's stream (no rich markup, no wrapping)."""
    console.file.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    console.file.flush()


def print_text(console: Console, text: str) -> None:
    console.file.write(text if text.endswith("\n") else text + "\n")
    console.file.flush()


def print_diagnostics(console: Console, diagnostics: Iterable[Diagnostic], *, hints: bool = True) -> None:
    """``path:line: severity CODE [Model.Field] message`` lines, with hints, on ``console``."""
    from rich.markup import escape

    for d in diagnostics:
        where = f"{d.path}:{d.line}" if d.path and d.line else (d.path or "")
        subject = ".".join(x for x in (d.model, d.field) if x)
        style = SEVERITY_STYLE.get(d.severity, "")
        parts = [f"{escape(where)}: " if where else "", f"[{style}]{d.severity}[/] {d.code}"]
        if subject:
            parts.append(f" \\[{escape(subject)}]")
        parts.append(f" {escape(d.message)}")
        console.print("".join(parts), soft_wrap=True)
        if hints and d.hint and d.severity != "info":
            console.print(f"  [dim]hint: {escape(d.hint)}[/]", soft_wrap=True)


def summary_line(diagnostics: Iterable[Diagnostic]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for d in diagnostics:
        counts[d.severity] = counts.get(d.severity, 0) + 1
    return ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items() if n)
