"""`lift dynamorm inspect`: show the models found and the table each implies."""

from __future__ import annotations

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import format_option, shared_options


@click.command("inspect")
@click.argument("model_names", metavar="[MODEL]...", nargs=-1)
@format_option(("text", "json", "dms", "create-table"), "text")
@shared_options
def inspect_command(model_names: tuple[str, ...], output_format: str, **options: object) -> None:
    """Show the models found and the table each implies.

    The table is exactly what DynamORM's CreateTable would create: key schema,
    attribute definitions from key usage only, PAY_PER_REQUEST, every GSI and LSI
    (projection ALL for Go models), plus the TTL attribute.

    \b
    Formats:
      text          a readable summary per model (default)
      json          a stable document for tools (see docs/inspect.md)
      dms           a DMS v0.1 YAML document of the models
      create-table  a JSON array of CreateTable requests

    \b
    Examples:
      lift dynamorm inspect
      lift dynamorm inspect Invoice --format json
      lift dynamorm inspect --format create-table --env dev > tables.json

    Exits 1 when a model has an error (valid models are still shown).
    """
    from liftcli.cli.output import print_diagnostics, print_json, print_text, summary_line
    from liftcli.dynamorm.project import load_project
    from liftcli.errors import ModelError

    app = AppContext.from_options(**options)
    project = load_project(app.settings, cwd=app.cwd, model_names=model_names)
    if output_format == "json":
        from liftcli.dynamorm.inspect import inspect_document

        print_json(app.out, inspect_document(project))
    elif output_format == "create-table":
        from liftcli.dynamorm.inspect import create_table_requests

        print_json(app.out, create_table_requests(project))
    elif output_format == "dms":
        from liftcli.dynamorm.dms import dump_dms

        if project.models:
            print_text(app.out, dump_dms(project.models))
    else:
        from liftcli.cli.render_inspect import render_models

        render_models(app.out, project)
    if output_format != "json":
        print_diagnostics(app.err, project.diagnostics)
    if not project.models and not project.diagnostics:
        app.err.print(
            "No models found. Models are Go structs with `dynamorm` tags or DMS documents; "
            "point --models (or dynamorm.models in lift.yaml) at them."
        )
    if project.has_errors:
        raise ModelError(f"models have errors ({summary_line(project.diagnostics)})")
