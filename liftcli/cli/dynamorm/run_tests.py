"""`lift dynamorm test`: run a command against a local server with the models' tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from liftcli.cli.context import AppContext
from liftcli.cli.dynamorm.local import build_spec, server_options
from liftcli.cli.options import shared_options

if TYPE_CHECKING:
    from liftcli.local.runner import TestRequest, TestSummary


@click.command("test", context_settings={"allow_interspersed_args": False})
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[-- COMMAND...]")
@server_options
@click.option("--seed", "seeds", multiple=True, metavar="PATH", type=click.Path(dir_okay=False, path_type=Path),
              help="Seed file (YAML/JSON), repeatable; validated against the models before anything is written "
                   "(default: the --env environment's seed, else test.seed).")
@click.option("--table-prefix", metavar="PREFIX",
              help="Prefix for tables whose name comes from an environment variable (test.table_prefix).")
@click.option("--keep/--no-keep", default=None, help="Leave the server and tables running afterwards.")
@click.option("--reuse/--no-reuse", default=None,
              help="Reuse the warm server a previous --reuse/--keep run left (start one if none); tables are recreated.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout at the end.")
@shared_options
def test_command(command: tuple[str, ...], seeds: tuple[Path, ...], table_prefix: str | None, keep: bool | None,
                 reuse: bool | None, as_json: bool, **options: Any) -> None:
    """Run your tests against a local DynamoDB with every model's table in place.

    Starts a server (or uses --endpoint-url), creates each model's table exactly as
    DynamORM would (plus TTL), writes the seed data, then runs COMMAND (default: test.command,
    `go test ./...`) with DYNAMODB_ENDPOINT, AWS_ENDPOINT_URL_DYNAMODB, DYNAMODB_LOCAL_ENDPOINT,
    AWS_REGION, dummy credentials, INTEGRATION_TEST=true and each model's table variable set.
    Tears everything down afterwards (unless --keep) and exits with COMMAND's exit code.

    \b
    Examples:
      lift dynamorm test
      lift dynamorm test --seed seeds/dev.yaml -- go test ./internal/...
      lift dynamorm test --reuse -- pytest -q        fast loop: keep a warm server
      lift dynamorm test --backend embedded --json -- npm test
    """
    from liftcli.local.runner import TestRequest, run_tests

    app = AppContext.from_options(**options)
    request = _request(app, command, seeds, table_prefix, keep, reuse, options)
    # Loaded by the runner: while a fresh server starts, or before reusing one.
    summary = run_tests(request, lambda: _models(app),
                        on_event=lambda m: app.err.print(m, markup=False, soft_wrap=True))
    _report(app, request, summary, as_json)
    click.get_current_context().exit(summary.exit_code)


def _request(app: AppContext, command: tuple[str, ...], seeds: tuple[Path, ...], table_prefix: str | None,
             keep: bool | None, reuse: bool | None, options: dict[str, Any]) -> TestRequest:
    from liftcli.local.runner import TestRequest
    from liftcli.local.state import state_path

    settings = app.settings
    config = settings.config.get("test")
    root = settings.root
    # --seed > the environment's seed list (even an empty one) > test.seed
    env_seeds = settings.environment.get("seed")
    seed_paths = tuple(Path.cwd() / s for s in seeds) or tuple(
        root / s for s in (config["seed"] if env_seeds is None else env_seeds))
    return TestRequest(
        command=tuple(command) or tuple(config["command"]),
        server=build_spec(app, options),
        endpoint_url=options.get("endpoint_url"),
        seeds=seed_paths,
        table_prefix=table_prefix if table_prefix is not None else config["table_prefix"],
        keep=config["keep"] if keep is None else keep,
        reuse=config["reuse"] if reuse is None else reuse,
        state_file=state_path(root),
        cwd=Path.cwd(),
    )


def _models(app: AppContext) -> list[Any]:
    from liftcli.cli.output import print_diagnostics, summary_line
    from liftcli.dynamorm.project import load_project
    from liftcli.errors import ModelError

    project = load_project(app.settings, cwd=app.cwd)
    if project.has_errors:
        print_diagnostics(app.err, project.diagnostics)
        raise ModelError(f"models have errors ({summary_line(project.diagnostics)})",
                         hint="Fix them first: `lift dynamorm inspect` shows them.")
    if not project.models:
        app.err.print("warning: no models found; running the command without tables", markup=False, soft_wrap=True)
    return list(project.models)


def _report(app: AppContext, request: TestRequest, summary: TestSummary, as_json: bool) -> None:
    from liftcli.cli.output import print_json

    seeded = sum(summary.seeded.values())
    t = summary.timings
    state = "kept running" if summary.kept else ("left running (reused)" if summary.reused else "stopped")
    app.err.print(
        f"lift dynamorm test: {summary.backend} at {summary.endpoint} ({state}); {len(summary.tables)} table(s), "
        f"{seeded} seed item(s); command exited {summary.exit_code}; "
        f"ready in {t.get('until_command', 0):.2f} s, total {t.get('total', 0):.2f} s",
        markup=False,
        soft_wrap=True,
    )
    if as_json:
        print_json(app.out, summary.to_json())
