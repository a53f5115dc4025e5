"""`lift dynamorm generate-migration`: plan the changes the models need, as a reviewable file."""

from __future__ import annotations

from datetime import UTC

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import shared_options


@click.command("generate-migration")
@click.argument("model_names", metavar="[MODEL]...", nargs=-1)
@click.option("--name", metavar="NAME", help="Name of the migration (default: from its first change).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=str),
    metavar="PATH",
    help="Directory (or .yaml file) to write to (default: migrations.directory, migrations/dynamorm).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml writes a migration file; json prints the plan and writes nothing.",
)
@shared_options
def generate_migration_command(
    model_names: tuple[str, ...], name: str | None, output: str | None, output_format: str, **options: object
) -> None:
    """Plan the DynamoDB changes that bring deployed tables to the models.

    Compares the models with the tables of the selected environment or endpoint
    and writes an ordered, reviewable migration file: for every step the API
    call(s), why, its class (in-place, rate-limited, consumer-impacting,
    replace, destructive), the rules it triggers, how long it takes, and how to
    reverse it. The plan follows DynamoDB's rules: one GSI created or deleted per
    UpdateTable and a wait between; key schema and LSI changes become a table
    replacement with a data copy; GSI key or projection changes become
    create-new-name, wait, delete-old; TTL changes respect the one-hour rule;
    quotas are checked. Nothing to do: says so and writes no file.

    \b
    Examples:
      lift dynamorm generate-migration --env dev --name add-status-index
      lift dynamorm generate-migration --endpoint-url http://127.0.0.1:8000 --format json
    Then apply it with `lift dynamorm migrate`.
    """
    from datetime import datetime
    from pathlib import Path

    from liftcli.aws_client import aws_errors, dynamodb_client
    from liftcli.cli.output import print_json
    from liftcli.dynamorm.compare import CompareOptions
    from liftcli.dynamorm.generate import plan_project, write_migration
    from liftcli.dynamorm.introspect import detect_endpoint_kind
    from liftcli.dynamorm.project import load_project
    from liftcli.errors import ModelError

    app = AppContext.from_options(**options)
    settings = app.settings
    project = load_project(settings, cwd=app.cwd, model_names=model_names)
    if project.has_errors:
        from liftcli.cli.output import print_diagnostics

        print_diagnostics(app.err, [d for d in project.diagnostics if d.severity == "error"])
        raise ModelError("models have errors; fix them before planning a migration")
    ignore = settings.config.data["validate"]["ignore"]
    compare_options = CompareOptions(
        ignore_tables=tuple(ignore["tables"]),
        ignore_indexes=tuple(ignore["indexes"]),
        ignore_settings=tuple(ignore["settings"]),
        ignore_rules=tuple(ignore["rules"]),
    )
    now = datetime.now(UTC).replace(microsecond=0)
    client = dynamodb_client(settings)
    where = settings.endpoint_url or f"AWS {settings.region or 'us-east-1'}"
    ttl_changes = _ttl_history(settings)
    with aws_errors(f"describing tables at {where}"):
        planned = plan_project(project, client, endpoint_kind=detect_endpoint_kind(settings.endpoint_url),
                               options=compare_options, now=now, ttl_last_changed=ttl_changes)
    if output_format == "json":
        print_json(app.out, {"environment": settings.env_name, "target": where, "empty": planned.empty,
                             "iac_deploys": planned.deploys, **planned.plan.to_dict()})
        return
    if planned.empty:
        app.err.print(f"No changes: the tables at {where} match the models. Nothing written.", soft_wrap=True)
        return
    from liftcli.cli.render_plan import render_plan

    render_plan(app.err, planned.plan, deploys=planned.deploys)
    directory = settings.root / settings.config.data["migrations"]["directory"]
    path = write_migration(planned, directory=directory, name=name, now=now, environment=settings.env_name,
                           output=Path(output) if output else None)
    from liftcli.cli.output import print_text

    print_text(app.out, str(path))
    app.err.print(f"Wrote {path}. Review it, then run `lift dynamorm migrate {path}`.", soft_wrap=True)


def _ttl_history(settings):  # type: ignore[no-untyped-def]
    """When migrate last changed TTL per table here, for the one-hour rule."""
    from liftcli.dynamorm.state import store_for

    return store_for(settings).ttl_changes()
