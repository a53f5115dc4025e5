"""`lift dynamorm scaffold`: write a model, its DMS, table definition, repository, handler and test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import project_options

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.cli.prompts import Prompter
    from liftcli.scaffold.design import ScaffoldRequest
    from liftcli.scaffold.generate import Scaffolded
    from liftcli.scaffold.plan import Plan

PRESETS = ("crud", "rate-limit", "idempotency", "event-store")
IAC = ("cdk-go", "cdk-ts", "cloudformation", "none")
PARTS = ("model", "dms", "iac", "repository", "handler", "test")


ACTION_STYLE = {
    "create": "green",
    "overwrite": "yellow",
    "merge": "cyan",
    "identical": "dim",
    "skip": "dim",
    "conflict": "bold red",
}


def print_plan(console: Console, plan: Plan, *, dry_run: bool) -> None:
    """One ``action  path`` line per file (stderr), then what happens next."""
    from rich.markup import escape

    for item in plan.files:
        style = ACTION_STYLE.get(item.action, "")
        reason = (
            f"  [dim]({escape(item.reason)})[/]"
            if item.reason and item.action in ("skip", "conflict")
            else ""
        )
        console.print(f"  [{style}]{item.action:<9}[/] {escape(item.path)}{reason}", soft_wrap=True)
    for note in plan.notes:
        console.print(f"  [dim]note: {escape(note)}[/]", soft_wrap=True)
    if plan.conflicts and not dry_run:
        return  # apply() raises with the fix
    if dry_run:
        console.print("Dry run: nothing written.")
    elif not plan.writes:
        console.print("Nothing to write: every file is up to date.")


def _csv(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(p.strip() for p in value.split(",") if p.strip())


@click.command("scaffold")
@click.option("--model", "model", metavar="NAME", help="Go type name of the model, e.g. Order.")
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    default=None,
    help="Pattern model: crud (default), rate-limit, idempotency or event-store.",
)
@click.option("--pk", metavar="FIELD[:TYPE]", help="Partition key field (default ID:string).")
@click.option("--sk", metavar="FIELD[:TYPE]", help="Sort key field.")
@click.option(
    "--gsi",
    "gsis",
    multiple=True,
    metavar="NAME:PKFIELD[:SKFIELD]",
    help="Global secondary index (repeatable).",
)
@click.option(
    "--lsi", "lsis", multiple=True, metavar="NAME:SKFIELD", help="Local secondary index (repeatable)."
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="FIELD:TYPE",
    help="Attribute: string, int64, float64, bool, time, bytes, strings, stringset, map (repeatable).",
)
@click.option("--ttl/--no-ttl", default=None, help="Add an int64 TTL field (epoch seconds) and enable TTL.")
@click.option("--version/--no-version", "version", default=None, help="Add an int64 optimistic-lock version.")
@click.option("--timestamps/--no-timestamps", default=None, help="Add CreatedAt/UpdatedAt (default on).")
@click.option(
    "--multi-tenant",
    is_flag=True,
    default=False,
    help="TenantID partition key (your --pk becomes the sort key) and a LeadingKeys IAM helper.",
)
@click.option(
    "--table-env", metavar="VAR", help="Environment variable TableName() reads (default <MODEL>_TABLE_NAME)."
)
@click.option(
    "--iac", type=click.Choice(IAC), default=None, help="Table definition to write (default: scaffold.iac)."
)
@click.option(
    "--with",
    "parts",
    callback=_csv,
    metavar="PART,...",
    help=f"What to write (default all): {','.join(PARTS)}.",
)
@click.option("--models-dir", metavar="DIR", help="Folder for the Go model (default: scaffold.models_dir).")
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files that exist with other content.")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: use defaults for anything not given.")
@project_options
def scaffold_command(
    dry_run: bool, force: bool, yes: bool, models_dir: str | None, **options: object
) -> None:
    """Write a DynamORM model and everything around it.

    Writes the Go model (dynamorm tags, TableName() reading an environment
    variable), its DMS document, the table (CDK in Go or TypeScript, or
    CloudFormation), a repository, a handler and a Go test, all consistent
    with each other. Existing files are never changed without --force.
    Without --model on a terminal, a wizard asks the same questions and prints
    the equivalent command.

    \b
    Examples:
      lift dynamorm scaffold --model Order --pk ID --gsi gsi-status:Status:CreatedAt
      lift dynamorm scaffold --model Invoice --multi-tenant --ttl --iac cdk-ts
      lift dynamorm scaffold --preset rate-limit --iac cloudformation --dry-run
    """
    from liftcli.cli.prompts import make_prompter
    from liftcli.scaffold.design import ScaffoldRequest, equivalent_command
    from liftcli.scaffold.generate import scaffold
    from liftcli.scaffold.plan import apply

    app = AppContext.from_options(**options)
    request = ScaffoldRequest(
        model=options.get("model"),
        preset=options.get("preset") or "crud",  # type: ignore[arg-type]
        pk=options.get("pk"),
        sk=options.get("sk"),
        gsis=options["gsis"],
        lsis=options["lsis"],  # type: ignore[arg-type]
        fields=options["fields"],
        ttl=options.get("ttl"),
        version=options.get("version"),  # type: ignore[arg-type]
        timestamps=options.get("timestamps"),
        multi_tenant=bool(options.get("multi_tenant")),  # type: ignore[arg-type]
        table_env=options.get("table_env"),
        iac=options.get("iac"),
        parts=options.get("parts"),  # type: ignore[arg-type]
    )
    prompter = make_prompter(yes=yes)
    asked = False
    if request.model is None and prompter.interactive:
        request = ask_scaffold(prompter, request, default_iac=app.settings.config.data["scaffold"]["iac"])
        asked = True
    result = scaffold(request, app.settings, force=force, models_dir=models_dir)
    print_plan(app.err, result.plan, dry_run=dry_run)
    if asked:
        app.err.print("Equivalent command:")
        app.out.print(
            equivalent_command(request, iac=request.iac or "cdk-go", parts=result.parts), soft_wrap=True
        )
    if dry_run:
        return
    apply(result.plan)
    _check_written(app, result)


def _check_written(app: AppContext, result: Scaffolded) -> None:
    """Run the core's model checks on the written model and report any diagnostic."""
    from liftcli.cli.output import print_diagnostics
    from liftcli.config import Overrides, resolve_settings
    from liftcli.dynamorm.project import load_project

    model_path = result.plan.root / result.model.location.path
    if "model" not in result.parts or not model_path.is_file():
        return
    settings = resolve_settings(app.settings.config, Overrides(models=(str(model_path),)))
    project = load_project(settings, cwd=app.cwd)
    relevant = [d for d in project.diagnostics if d.severity in ("error", "warning")]
    if relevant:
        print_diagnostics(app.err, relevant)
    else:
        app.err.print(f"Checked {result.design.name}: no problems.")


def ask_scaffold(prompter: Prompter, request: ScaffoldRequest, *, default_iac: str) -> ScaffoldRequest:
    """The wizard: the same questions as the flags, each naming its flag."""
    from dataclasses import replace

    from liftcli.scaffold.design import PRESET_DEFS, go_type_name

    def valid_model(value: str) -> str | None:
        try:
            go_type_name(value)
        except Exception as exc:  # noqa: BLE001 - the message is shown in the prompt
            return str(exc)
        return None

    preset_name = prompter.select("Preset:", PRESETS, flag="--preset", default=request.preset)
    preset = PRESET_DEFS[preset_name]
    model = prompter.text("Model name (Go type):", flag="--model", default=preset.model, validate=valid_model)
    pk = sk = None
    lsis: list[str] = []
    if preset_name == "crud":
        pk = prompter.text("Partition key FIELD[:TYPE]:", flag="--pk", default=request.pk or "ID:string")
        sk = (
            prompter.text("Sort key FIELD[:TYPE] (empty: none):", flag="--sk", default=request.sk or "")
            or None
        )
    fields = _split(
        prompter.text(
            "Other fields FIELD:TYPE, comma separated (empty: none):",
            flag="--field",
            default=",".join(request.fields),
        )
    )
    gsis = _split(
        prompter.text(
            "GSIs NAME:PKFIELD[:SKFIELD], comma separated (empty: none):",
            flag="--gsi",
            default=",".join(request.gsis),
        )
    )
    if sk or preset.sk:
        lsis = _split(
            prompter.text(
                "LSIs NAME:SKFIELD, comma separated (empty: none):",
                flag="--lsi",
                default=",".join(request.lsis),
            )
        )
    ttl = prompter.confirm("TTL field (expire items)?", flag="--ttl", default=preset.ttl)
    version = prompter.confirm(
        "Version field (optimistic locking)?", flag="--version", default=preset.version
    )
    timestamps = prompter.confirm(
        "CreatedAt/UpdatedAt timestamps?", flag="--timestamps", default=preset.timestamps
    )
    multi = False
    if not (sk or preset.sk):
        multi = prompter.confirm(
            "Multi-tenant (TenantID partition key)?", flag="--multi-tenant", default=False
        )
    iac = prompter.select("Table definition:", IAC, flag="--iac", default=request.iac or default_iac)
    parts = prompter.checkbox("Write:", PARTS, flag="--with", default=list(request.parts or PARTS))
    return replace(
        request,
        preset=preset_name,
        model=model,
        pk=pk,
        sk=sk,
        fields=tuple(fields),
        gsis=tuple(gsis),
        lsis=tuple(lsis),
        ttl=ttl,
        version=version,
        timestamps=timestamps,
        multi_tenant=multi,
        iac=iac,
        parts=tuple(parts),
    )


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
