"""`lift dynamorm init`: set up lift dynamorm in a Go project."""

from __future__ import annotations

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import project_options

IAC = ("cdk-go", "cdk-ts", "cloudformation", "none")


@click.command("init")
@click.option(
    "--models-dir", metavar="DIR", help="Folder for Go models (default: scaffold.models_dir, models)."
)
@click.option(
    "--iac",
    type=click.Choice(IAC),
    default=None,
    help="Default table definition for scaffold (default: from the cdk/ folder found).",
)
@click.option("--sample/--no-sample", default=None, help="Write a sample model when the project has none.")
@click.option("--ci/--no-ci", default=None, help="Write .github/workflows/dynamorm.yml.")
@click.option(
    "--compose/--no-compose", default=None, help="Write or extend docker-compose.yml with DynamoDB Local."
)
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option(
    "--force", is_flag=True, help="Replace files that exist (lift.yaml and compose are always merged)."
)
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: take the defaults.")
@project_options
def init_command(
    models_dir: str | None,
    iac: str | None,
    sample: bool | None,
    ci: bool | None,
    compose: bool | None,
    dry_run: bool,
    force: bool,
    yes: bool,
    **options: object,
) -> None:
    """Set up lift dynamorm in a project.

    Detects the Go module, the DynamORM version in go.mod, lift.yaml and a cdk/
    folder, then writes or merges: the `dynamorm:` block of lift.yaml (your
    other keys and comments are kept), a docker-compose.yml service for
    DynamoDB Local (amazon/dynamodb-local:3.1.0 on 127.0.0.1:8000), the models
    folder with a sample model when there is none, and a CI workflow running
    `lift dynamorm validate --format github`. Running it again changes nothing.

    \b
    Examples:
      lift dynamorm init
      lift dynamorm init --models-dir internal/models --iac cdk-ts --dry-run
      lift dynamorm init --yes --no-ci
    """
    from liftcli.cli.dynamorm.scaffold import print_plan
    from liftcli.cli.prompts import make_prompter
    from liftcli.scaffold.initproject import InitRequest, default_iac, detect_project, init_project
    from liftcli.scaffold.plan import apply

    app = AppContext.from_options(**options)
    prompter = make_prompter(yes=yes)
    info = detect_project(app.settings)
    for line in info.summary():
        app.err.print(f"  {line}")
    if prompter.interactive:
        scaffold_cfg = app.settings.config.data["scaffold"]
        models_dir = models_dir or prompter.text(
            "Models folder:", flag="--models-dir", default=scaffold_cfg["models_dir"]
        )
        iac = iac or prompter.select(
            "Table definitions for scaffold:", IAC, flag="--iac", default=default_iac(info)
        )
        if compose is None:
            compose = prompter.confirm(
                "DynamoDB Local in docker-compose.yml?", flag="--compose", default=True
            )
        if ci is None:
            ci = prompter.confirm("CI workflow running lift dynamorm validate?", flag="--ci", default=True)
    request = InitRequest(
        models_dir=models_dir,
        iac=iac,
        sample=sample is not False,
        ci=ci is not False,
        compose=compose is not False,
    )
    result = init_project(request, app.settings, force=force)
    print_plan(app.err, result.plan, dry_run=dry_run)
    if prompter.interactive:
        flags = [
            f"--models-dir {request.models_dir}" if request.models_dir else "",
            f"--iac {request.iac}" if request.iac else "",
            "--no-compose" if not request.compose else "",
            "--no-ci" if not request.ci else "",
        ]
        app.err.print("Equivalent command:")
        app.out.print(" ".join(["lift dynamorm init --yes", *[f for f in flags if f]]), soft_wrap=True)
    if dry_run:
        return
    apply(result.plan)
    app.err.print("Next steps:")
    for step in result.next_steps:
        app.err.print(f"  {step}", soft_wrap=True, markup=False)
