"""`lift dynamorm validate`: compare models with deployed tables or with IaC."""

from __future__ import annotations

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import shared_options


@click.command("validate")
@click.argument("model_names", metavar="[MODEL]...", nargs=-1)
@click.option(
    "--against-template",
    "template",
    type=click.Path(exists=False, path_type=str),
    metavar="PATH",
    help="Check a CloudFormation/SAM template (YAML/JSON) or a CDK cdk.out directory instead of deployed tables.",
)
@click.option(
    "--deploy-check",
    is_flag=True,
    help="With --against-template: also compare the template with the deployed tables and report "
    "changes that need more than one CloudFormation deploy.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Report format (on stdout).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default=None,
    help="Lowest severity that fails with exit 3 (default: validate.fail_on, error).",
)
@click.option("--include-unmanaged", is_flag=True, default=None, help="Also report tables no model claims.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="Tables described at once (default 16).")
@shared_options
def validate_command(
    model_names: tuple[str, ...],
    template: str | None,
    deploy_check: bool,
    output_format: str,
    fail_on: str | None,
    include_unmanaged: bool | None,
    concurrency: int | None,
    **options: object,
) -> None:
    """Compare models with deployed tables (AWS or any endpoint) or with IaC.

    Checks, for every model's table: it exists; key names and types; each GSI
    and LSI (name, keys, types, projection); TTL enabled on the model's ttl
    attribute; extra indexes; settings such as billing and streams (as info).
    Model problems (invalid tags, ...) are reported too. What an emulator
    cannot report (e.g. PITR on DynamoDB Local) is never reported as drift.

    \b
    Exit codes:
      0  in sync (nothing at or above --fail-on)
      3  drift found at or above --fail-on
      1  could not check (credentials, network, config, template)

    \b
    Examples:
      lift dynamorm validate --env dev
      lift dynamorm validate --endpoint-url http://127.0.0.1:8000
      lift dynamorm validate --against-template cdk/cdk.out --format github
      lift dynamorm validate --format sarif > drift.sarif
    """
    from pathlib import Path

    from liftcli.dynamorm.compare import CompareOptions
    from liftcli.dynamorm.project import load_project
    from liftcli.errors import DriftDetected

    app = AppContext.from_options(**options)
    settings = app.settings
    config = settings.config.data["validate"]
    fail_on = fail_on or config["fail_on"]
    ignore = config["ignore"]
    compare_options = CompareOptions(
        ignore_tables=tuple(ignore["tables"]),
        ignore_indexes=tuple(ignore["indexes"]),
        ignore_settings=tuple(ignore["settings"]),
        ignore_rules=tuple(ignore["rules"]),
        include_unmanaged=bool(include_unmanaged if include_unmanaged is not None else config["include_unmanaged"]),
    )
    project = load_project(settings, cwd=app.cwd, model_names=model_names)
    if template:
        from liftcli.dynamorm.validate import validate_template

        deployed = _deployed(settings, project) if deploy_check else None
        result = validate_template(project, Path(template), options=compare_options, deployed=deployed)
    else:
        if deploy_check:
            raise click.UsageError("--deploy-check needs --against-template")
        result = _validate_endpoint(settings, project, compare_options, concurrency or config["concurrency"])
    if output_format == "text":
        from liftcli.cli.render_validate import render_text

        render_text(app.out, result, fail_on)
    else:
        from liftcli.cli.output import print_text
        from liftcli.dynamorm.report import RENDERERS

        print_text(app.out, RENDERERS[output_format](result, fail_on))
    failing = result.failing(fail_on)
    if failing:
        errors = sum(1 for f in failing if f.severity == "error")
        raise DriftDetected(
            f"drift found: {len(failing)} finding(s) at or above '{fail_on}' ({errors} error(s)) "
            f"in {len(result.tables)} table(s) against {result.target}",
            hint="`lift dynamorm generate-migration` plans the changes for deployed tables.",
        )
    if output_format != "text":
        app.err.print(f"in sync: {len(result.tables)} table(s) against {result.target}")


def _endpoint_kind(settings: object) -> str:
    from liftcli.dynamorm.introspect import detect_endpoint_kind

    return detect_endpoint_kind(getattr(settings, "endpoint_url", None))


def _validate_endpoint(settings, project, compare_options, concurrency):  # type: ignore[no-untyped-def]
    from liftcli.aws_client import aws_errors, dynamodb_client
    from liftcli.dynamorm.validate import validate_endpoint

    client = dynamodb_client(settings)
    kind = _endpoint_kind(settings)
    where = settings.endpoint_url or f"AWS {settings.region or 'us-east-1'}" + (
        f" (profile {settings.profile})" if settings.profile else "")
    with aws_errors(f"describing tables at {where}"):
        return validate_endpoint(project, client, endpoint_kind=kind, target=where, options=compare_options,
                                 concurrency=concurrency)


def _deployed(settings, project):  # type: ignore[no-untyped-def]
    from liftcli.aws_client import aws_errors, dynamodb_client
    from liftcli.dynamorm.validate import desired_specs, fetch_actual

    client = dynamodb_client(settings)
    desired, _ = desired_specs(project.models)
    with aws_errors("describing the deployed tables"):
        return fetch_actual(client, desired, endpoint_kind=_endpoint_kind(settings))
