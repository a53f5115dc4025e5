"""`lift dynamorm import`: turn existing DynamoDB tables into Go models and/or DMS documents."""

from __future__ import annotations

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import shared_options


@click.command("import")
@click.argument("tables", metavar="[TABLE]...", nargs=-1)
@click.option("--all", "all_tables", is_flag=True, help="Import every table the endpoint lists.")
@click.option("--prefix", metavar="TEXT", help="Import the tables whose names start with TEXT.")
@click.option(
    "--sample",
    type=click.IntRange(0, 10000),
    default=100,
    show_default=True,
    help="Items scanned per table to infer attribute types (0: keys only).",
)
@click.option(
    "--output",
    type=click.Choice(("go", "dms", "both")),
    default="both",
    show_default=True,
    help="Write Go models, DMS documents, or both.",
)
@click.option("--models-dir", metavar="DIR", help="Folder for the Go models (default: scaffold.models_dir).")
@click.option("--dry-run", is_flag=True, help="Show the files that would be written; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files that exist with other content.")
@shared_options
def import_command(
    tables: tuple[str, ...],
    all_tables: bool,
    prefix: str | None,
    sample: int,
    output: str,
    models_dir: str | None,
    dry_run: bool,
    force: bool,
    **options: object,
) -> None:
    """Turn existing tables into DynamORM models.

    Reads each table (DescribeTable, DescribeTimeToLive and a sample Scan of
    --sample items), infers attribute types, sets and lifecycle fields, and
    writes one Go model per table and/or a DMS document. Names a Go model
    cannot express under the project's naming convention (keys like
    Identifier, GSI1PK or user-id) are reported; such tables get DMS only.

    \b
    Examples:
      lift dynamorm import Orders --dry-run
      lift dynamorm import --prefix shop- --output dms
      lift dynamorm import --all --endpoint-url http://127.0.0.1:8000
    """
    from liftcli.aws_client import aws_errors, dynamodb_client
    from liftcli.cli.dynamorm.scaffold import print_plan
    from liftcli.dynamorm.importer import infer_model, read_tables
    from liftcli.errors import UsageError
    from liftcli.scaffold.generate import project_layout
    from liftcli.scaffold.importgen import import_plan
    from liftcli.scaffold.plan import apply

    if not (tables or all_tables or prefix):
        raise UsageError("no tables to import", hint="Name tables, or pass --all or --prefix TEXT.")
    app = AppContext.from_options(**options)
    settings = app.settings
    client = dynamodb_client(settings)
    with aws_errors("reading tables"):
        snapshots = read_tables(client, names=tables, prefix=prefix, all_tables=all_tables, sample=sample)
    if not snapshots:
        raise UsageError("no table matched", hint="Check --prefix, --region and --endpoint-url.")
    layout = project_layout(settings, models_dir=models_dir, iac="none")
    naming = settings.config.data["naming"]
    models = [infer_model(s, convention=naming, dynamorm_version=layout.dynamorm_version) for s in snapshots]
    plan = import_plan(models, settings, output=output, models_dir=models_dir, force=force)
    print_plan(app.err, plan, dry_run=dry_run)
    if dry_run:
        return
    written = apply(plan)
    for path in written:
        app.out.print(path, markup=False)
