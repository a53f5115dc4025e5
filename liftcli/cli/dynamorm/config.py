"""`lift dynamorm config`: show the effective settings and where each came from."""

from __future__ import annotations

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import format_option, shared_options


@click.command("config")
@format_option(("text", "json"), "text")
@shared_options
def config_command(output_format: str, **options: object) -> None:
    """Show the effective configuration and where each value came from.

    Precedence: command-line flag > environment variable > lift.yaml > default.

    \b
    Examples:
      lift dynamorm config
      lift dynamorm config --env live --format json
    """
    from liftcli.cli.output import print_json

    app = AppContext.from_options(**options)
    settings = app.settings
    config = settings.config
    values = {
        "config_file": str(config.path) if config.path else None,
        "project_root": str(settings.root),
        "environment": settings.env_name,
        "region": settings.region,
        "profile": settings.profile,
        "endpoint_url": settings.endpoint_url,
        "models": list(settings.model_paths),
        "tag": config.data["tag"],
        "naming": config.data["naming"],
        "environments": sorted(config.environments),
    }
    if output_format == "json":
        print_json(app.out, {"settings": values, "sources": dict(settings.sources)})
        return
    from rich.markup import escape

    for key, value in values.items():
        shown = ", ".join(value) if isinstance(value, list) else ("-" if value is None else str(value))
        source = settings.sources.get(key.replace("environment", "env"))
        suffix = f"  [dim]({escape(source)})[/]" if source else ""
        app.out.print(f"{key:<14} {escape(shown)}{suffix}")
