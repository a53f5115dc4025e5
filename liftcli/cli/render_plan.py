"""Text rendering of a migration plan (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.dynamorm.plan import Plan

CLASS_STYLE = {
    "in-place": "green",
    "rate-limited": "yellow",
    "consumer-impacting": "magenta",
    "replace": "bold red",
    "destructive": "bold red",
}


def render_plan(console: Console, plan: Plan, *, deploys: int | None = None) -> None:
    from rich.markup import escape

    console.print(f"[bold]{len(plan.steps)} step(s)[/] for {len({s.table for s in plan.steps})} table(s):")
    for step in plan.steps:
        style = CLASS_STYLE.get(step.step_class, "")
        rules = f" [dim]{' '.join(step.rules)}[/]" if step.rules else ""
        console.print(
            f"  {step.id}  [{style}]{step.step_class:<18}[/] {escape(step.table)}: {escape(step.title)}"
            f"  [dim]({step.duration})[/]{rules}",
            soft_wrap=True,
        )
        if step.not_before is not None:
            console.print(f"       not before {step.not_before.isoformat()}", soft_wrap=True)
    for issue in plan.issues:
        console.print(f"  [bold red]blocked[/] {escape(issue.table)}: {escape(issue.message)} ({issue.rule})",
                      soft_wrap=True)
    if deploys and deploys > 1:
        console.print(
            f"[yellow]Through CloudFormation/CDK this change needs {deploys} separate deploys[/] "
            "(one GSI created or deleted per update).",
            soft_wrap=True,
        )
