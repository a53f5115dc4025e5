"""The command-line layer: parse, prompt, print, exit code. No DynamoDB work happens here.

``lift`` is a root group whose ``dynamorm`` subgroup holds every command; ``lift-dynamorm`` is the
same ``dynamorm`` group on its own (for machines where Lift's Go ``lift`` binary comes first on
PATH). Subcommands are loaded lazily so ``--help`` stays fast.
"""

from __future__ import annotations

import click

from liftcli import __version__
from liftcli.cli.errors import BoundaryGroup
from liftcli.cli.lazy import LazyGroup

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: command name -> (module, attribute, short help). The short help is here so that
#: ``lift dynamorm --help`` does not import every command module.
DYNAMORM_COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("liftcli.cli.dynamorm.init", "init_command", "Set up lift dynamorm in a project."),
    "scaffold": ("liftcli.cli.dynamorm.scaffold", "scaffold_command", "Write a model, its table and code."),
    "inspect": ("liftcli.cli.dynamorm.inspect", "inspect_command", "Show the table each model implies."),
    "validate": (
        "liftcli.cli.dynamorm.validate",
        "validate_command",
        "Compare models with deployed tables or IaC.",
    ),
    "import": ("liftcli.cli.dynamorm.import_", "import_command", "Turn existing tables into models."),
    "generate-migration": (
        "liftcli.cli.dynamorm.generate_migration",
        "generate_migration_command",
        "Plan the DynamoDB changes models need.",
    ),
    "migrate": ("liftcli.cli.dynamorm.migrate", "migrate_command", "Apply a migration safely."),
    "test": ("liftcli.cli.dynamorm.run_tests", "test_command", "Run tests against DynamoDB Local."),
    "local": ("liftcli.cli.dynamorm.local", "local_group", "Run a local DynamoDB server."),
    "config": ("liftcli.cli.dynamorm.config", "config_command", "Show the effective configuration."),
}


def _debug_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--debug",
        is_flag=True,
        envvar="LIFT_DEBUG",
        help="Show tracebacks for internal errors.",
        is_eager=True,
        expose_value=False,
        callback=_set_debug,
    )(f)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["lift.debug"] = True


@click.group(
    "dynamorm",
    cls=type("DynamormGroup", (BoundaryGroup, LazyGroup), {}),
    lazy_commands=DYNAMORM_COMMANDS,
    context_settings=CONTEXT_SETTINGS,
)
@click.version_option(__version__, "--version", package_name="lift-dynamorm", prog_name="lift dynamorm")
@_debug_option
def dynamorm_group() -> None:
    """Keep DynamORM models, DynamoDB tables and infrastructure code in step.

    \b
    Typical flow:
      lift dynamorm inspect              show the tables your models imply
      lift dynamorm test                 run your tests against DynamoDB Local
      lift dynamorm validate --env dev   compare models with deployed tables
      lift dynamorm generate-migration   plan the changes; then `migrate` applies them

    Exit codes: 0 success, 1 a problem you can fix, 2 usage error, 3 drift found,
    70 internal error, 130 interrupted.
    """


@click.group("lift", cls=BoundaryGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", package_name="lift-dynamorm", prog_name="lift")
@_debug_option
def lift_group() -> None:
    """Lift tooling in Python. Its `dynamorm` group holds every command.

    If Lift's Go `lift` binary comes first on your PATH, run `lift-dynamorm` instead
    of `lift dynamorm`: it is the same group.
    """


lift_group.add_command(dynamorm_group)


def main() -> None:
    """Entry point of the ``lift`` console script."""
    lift_group(prog_name="lift")


def dynamorm_main() -> None:
    """Entry point of the ``lift-dynamorm`` console script."""
    dynamorm_group(prog_name="lift-dynamorm")
