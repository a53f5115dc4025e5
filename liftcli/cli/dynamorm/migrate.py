"""`lift dynamorm migrate`: apply a migration file safely, step by step, resumably."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from liftcli.cli.context import AppContext
from liftcli.cli.options import format_option, shared_options

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.dynamorm.apply import ApplyOptions, Event, Preflight
    from liftcli.dynamorm.migration_file import MigrationFile
    from liftcli.dynamorm.plan import Step
    from liftcli.dynamorm.state import StateStore


@click.command("migrate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show every request that would be sent, and change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Apply (or --force-unlock) without asking for confirmation.")
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Allow destructive and replace steps (table replace, deletes, steps marked 'needs confirmation').",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted or paused run from its state file.")
@click.option(
    "--manual-done",
    is_flag=True,
    help="Confirm that the manual steps this run reaches (cutover, switching readers) are done.",
)
@click.option(
    "--copy-segments",
    type=click.IntRange(1, 10),
    default=4,
    metavar="N",
    show_default=True,
    help="Parallel scan segments (threads) for item copies; a resumed copy must use the same number.",
)
@click.option(
    "--copy-page-size",
    type=click.IntRange(1, None),
    default=None,
    metavar="N",
    help="Items per Scan page of a copy (default: 1 MB pages); smaller pages checkpoint more often.",
)
@click.option(
    "--force-unlock",
    is_flag=True,
    help="Remove this target's lease in migrations.lock_table, left by a run that died, after "
    "confirmation (or --yes); then exit. The local lock needs no unlocking.",
)
@format_option(("text", "json"), "text")
@shared_options
def migrate_command(
    file: Path | None,
    dry_run: bool,
    yes: bool,
    allow_destructive: bool,
    resume: bool,
    manual_done: bool,
    copy_segments: int,
    copy_page_size: int | None,
    force_unlock: bool,
    output_format: str,
    **options: object,
) -> None:
    """Apply a migration file to DynamoDB, step by step.

    FILE defaults to the oldest migration in migrations.directory that is not yet
    applied to this environment and endpoint (with --resume: the oldest unfinished
    one). A file whose checksum changed since it was generated is refused.

    Before any change, each step is checked against the live tables: steps whose
    result is already there are skipped, TTL cooldowns show when a step can run,
    and a table that contradicts the plan stops the run. Progress is saved after
    every step and every copied page, so Ctrl-C or a lost connection is continued
    with --resume. Table replacements back up the old table, copy and verify every
    item, and pause at the manual cutover step (continue with --resume --manual-done).

    One run at a time per environment and endpoint: a lock in the state directory
    (and, with migrations.lock_table set, a lease in that DynamoDB table, for CI
    runners on other machines) refuses a second run and names the one holding it.
    --dry-run takes no lock.

    \b
    Examples:
      lift dynamorm migrate --dry-run
      lift dynamorm migrate --env dev --yes
      lift dynamorm migrate migrations/dynamorm/0002_orders-lsi.yaml --yes --allow-destructive
      lift dynamorm migrate --resume --yes
      lift dynamorm migrate --env live --force-unlock

    Exits 0 when applied or paused at a manual step or cooldown, 1 when refused
    (also when another run holds the lock) or failed (state saved), 130 when
    interrupted (state saved).
    """
    from liftcli.aws_client import aws_session, dynamodb_client
    from liftcli.dynamorm.apply import ApplyOptions
    from liftcli.dynamorm.copy import CopyOptions
    from liftcli.dynamorm.lock import MigrateLock
    from liftcli.errors import UsageError

    app = AppContext.from_options(**options)
    settings = app.settings
    store = _store(app)
    if force_unlock:
        if file is not None or dry_run or resume:
            raise UsageError(
                "--force-unlock only removes the lease of a dead run; "
                "it takes no FILE, --dry-run or --resume",
                hint="Run `lift dynamorm migrate --force-unlock` alone, then migrate again.",
            )
        _force_unlock(app, store, yes)
        return
    apply_options = ApplyOptions(
        allow_destructive=allow_destructive,
        protected=bool(settings.environment.get("protected")),
        environment=settings.env_name,
        resume=resume,
        copy=CopyOptions(segments=copy_segments, page_size=copy_page_size),
    )
    if dry_run:  # read-only: no lock, so a review never waits for (or blocks) a real run
        migration = _select(app, store, file, resume)
        if migration is None:
            return
        _dry_run(app, store, migration, dynamodb_client(settings), apply_options, output_format)
        return
    # The local lock comes before choosing the migration, so the choice reads state files no
    # other run on this machine is writing; the lease needs the client, so it comes after.
    with MigrateLock(store, notify=_notifier(app.err)) as lock:
        migration = _select(app, store, file, resume)
        if migration is None:
            return
        lock.set_migration(migration.id)
        # One session for DynamoDB and CloudWatch (backfill progress): same credentials, resolved once.
        session = aws_session(settings, doing="creating a DynamoDB client")
        client = dynamodb_client(settings, session=session)
        lock.lease(client, settings.config.get("migrations.lock_table"))
        _apply(
            app,
            store,
            migration,
            client,
            apply_options,
            yes,
            manual_done,
            output_format,
            cloudwatch=_cloudwatch_factory(app, session),
        )


def _dry_run(
    app: AppContext,
    store: StateStore,
    migration: MigrationFile,
    client: Any,
    apply_options: ApplyOptions,
    output_format: str,
) -> None:
    from liftcli.dynamorm.apply import detect_endpoint, gate, preflight
    from liftcli.errors import MigrationError

    kind = detect_endpoint(client, app.settings.endpoint_url, _tables(migration))
    checks = preflight(migration, client, store, endpoint_kind=kind, options=apply_options)
    refusal = None
    try:
        gate(migration, _remaining(migration, store), apply_options)
    except MigrationError as exc:
        refusal = exc.message
    _print_dry_run(app, migration, store, checks, kind, apply_options, refusal, output_format)


def _apply(
    app: AppContext,
    store: StateStore,
    migration: MigrationFile,
    client: Any,
    apply_options: ApplyOptions,
    yes: bool,
    manual_done: bool,
    output_format: str,
    cloudwatch: Callable[[], Any] | None = None,
) -> None:
    from liftcli.dynamorm.apply import apply_migration, detect_endpoint, gate, preflight
    from liftcli.errors import MigrationError

    kind = detect_endpoint(client, app.settings.endpoint_url, _tables(migration))
    checks = preflight(migration, client, store, endpoint_kind=kind, options=apply_options)
    gate(migration, _remaining(migration, store), apply_options)
    _print_summary(app.err, migration, store, checks)
    if not yes:
        if not _interactive():
            raise MigrationError(
                f"migration {migration.id} needs confirmation, but stdin is not a terminal",
                hint="Re-run with --yes to apply without asking (review it first with --dry-run).",
            )
        if not click.confirm(f"Apply migration {migration.id} to {_target_text(store)}?", err=True):
            raise MigrationError("not applied: confirmation declined; nothing was changed")
    renderer = _Renderer(app.err)
    try:
        with renderer:
            result = apply_migration(
                migration,
                client,
                store,
                endpoint_kind=kind,
                options=apply_options,
                on_event=renderer,
                confirm_manual=_manual_confirmer(manual_done, yes),
                cloudwatch=cloudwatch,  # used on AWS only, while a new GSI backfills
            )
    except KeyboardInterrupt:
        app.err.print(
            f"Progress saved in {store.run_path(migration.id)}; "
            "continue with `lift dynamorm migrate --resume`.",
            soft_wrap=True,
        )
        raise
    if output_format == "json":
        from liftcli.cli.output import print_json

        print_json(app.out, result.to_dict())
    if result.status == "paused":
        app.err.print(f"Paused: {result.message}", soft_wrap=True)
        if result.resume_at is not None:
            app.err.print(f"Run `lift dynamorm migrate --resume` after {result.resume_at:%Y-%m-%d %H:%M}Z.")
    else:
        app.err.print(result.message[0].upper() + result.message[1:] + ".", soft_wrap=True)


def _cloudwatch_factory(app: AppContext, session: Any) -> Callable[[], Any]:
    """Builds the CloudWatch client for backfill progress on first use, from the DynamoDB session."""

    def build() -> Any:
        from liftcli.aws_client import cloudwatch_client

        return cloudwatch_client(app.settings, session=session)

    return build


def _notifier(console: Console) -> Callable[[str], None]:
    """Messages of the lock (a created lock table, a lost or unreleased lease) on stderr."""
    from rich.markup import escape

    def notify(message: str) -> None:
        console.print(escape(message[0].upper() + message[1:]), soft_wrap=True)

    return notify


def _force_unlock(app: AppContext, store: StateStore, yes: bool) -> None:
    """Remove this target's table lease after showing who holds it and asking."""
    from liftcli.aws_client import dynamodb_client
    from liftcli.dynamorm.lock import lock_id_for, read_lease, remove_lease
    from liftcli.errors import MigrationError

    table = app.settings.config.get("migrations.lock_table")
    if not table:
        raise MigrationError(
            "nothing to unlock: migrations.lock_table is not set, so migrate holds only the local lock, "
            "which the system releases when its process ends",
            hint="If migrate says another run is applying, that process is still running: wait for it, "
            "or stop it and continue with `lift dynamorm migrate --resume`.",
        )
    client = dynamodb_client(app.settings)
    lock_id = lock_id_for(store)
    lease = read_lease(client, table, lock_id)
    if lease is None:
        app.err.print(
            f"No lease for {_target_text(store)} in table {table}: nothing to unlock.", soft_wrap=True
        )
        return
    app.err.print(
        f"Lease {lock_id} in table {table} ({_target_text(store)}):\n  held by {lease.describe(time.time())}",
        soft_wrap=True,
        markup=False,
    )
    if lease.owner.alive_here():
        app.err.print(f"Note: process {lease.owner.pid} is still running on this machine.", soft_wrap=True)
    if not yes:
        if not _interactive():
            raise MigrationError(
                "removing the lease needs confirmation, but stdin is not a terminal",
                hint="Re-run with --yes, only if you are sure that run is dead.",
            )
        if not click.confirm("Remove this lease? Only if that run is dead", default=False, err=True):
            raise MigrationError("not unlocked: confirmation declined; the lease is unchanged")
    if not remove_lease(client, table, lock_id, owner=lease.owner.token):
        raise MigrationError(
            f"the lease in table {table} changed while this command ran; nothing was removed",
            hint="Run `lift dynamorm migrate --force-unlock` again to see who holds it now.",
        )
    app.err.print(
        f"Removed the lease of {lease.owner.describe()} from table {table}.", soft_wrap=True, markup=False
    )


# --------------------------------------------------------------------------------------------


def _store(app: AppContext) -> StateStore:
    from liftcli.dynamorm.state import store_for

    return store_for(app.settings)


def _target_text(store: StateStore) -> str:
    env = store.target.environment or "default"
    return f"environment {env} at {store.target.endpoint}"


def _select(app: AppContext, store: StateStore, file: Path | None, resume: bool) -> MigrationFile | None:
    from liftcli.dynamorm.migration_file import migration_files, read_migration
    from liftcli.errors import MigrationError

    migration: MigrationFile | None = None
    if file is not None:
        migration = read_migration(file if file.is_absolute() else app.cwd / file)
    else:
        directory = app.settings.root / str(app.settings.config.get("migrations.directory"))
        files = migration_files(directory)
        if resume:
            unfinished = set(store.unfinished_runs())
            for path in files:
                candidate = read_migration(path)
                if candidate.id in unfinished:
                    migration = candidate
                    break
            if migration is None:
                raise MigrationError(
                    f"nothing to resume: no unfinished migration for {_target_text(store)}",
                    hint="Run without --resume to apply the next pending migration.",
                )
        else:
            applied = store.applied_ids()
            for path in files:
                candidate = read_migration(path)
                if candidate.id not in applied:
                    migration = candidate
                    break
            if migration is None:
                app.err.print(
                    f"Nothing to apply: every migration in {directory} is applied to {_target_text(store)}.",
                    soft_wrap=True,
                )
                return None
    env = app.settings.env_name
    if migration.environment and env and migration.environment != env:
        raise MigrationError(
            f"migration {migration.id} was generated for environment {migration.environment}, not {env}",
            hint=f"Apply it with --env {migration.environment}, or generate a migration for {env}.",
        )
    return migration


def _remaining(migration: MigrationFile, store: StateStore) -> list[Step]:
    run = store.load_run(migration.id)
    if run is None:
        return list(migration.plan.steps)
    return [s for s in migration.plan.steps if run.step_status(s.id) not in ("done", "skipped")]


def _tables(migration: MigrationFile) -> list[str]:
    names = set()
    for step in migration.plan.steps:
        names.add(step.table)
        for call in step.calls:
            for key in ("TableName", "SourceTableName", "TargetTableName"):
                if key in call.request:
                    names.add(str(call.request[key]))
    return sorted(names)


def _interactive() -> bool:
    """Prompts only when stdin is a terminal; otherwise the flag (--yes) is required."""
    return sys.stdin.isatty()


def _manual_confirmer(manual_done: bool, yes: bool) -> Any:
    if manual_done:
        return lambda step: True
    if yes or not _interactive():
        return None

    def ask(step: Step) -> bool:
        click.echo(f"Step {step.id} is a manual action: {step.title}\n  {step.why}", err=True)
        return click.confirm("Is it done?", default=False, err=True)

    return ask


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _dry_run_document(
    migration: MigrationFile,
    store: StateStore,
    checks: Preflight,
    kind: str,
    options: Any,
    refusal: str | None,
) -> dict[str, Any]:
    from liftcli.dynamorm.apply import expanded_calls

    by_step = {c.step.id: c for c in checks.checks}
    steps = []
    for step in migration.plan.steps:
        calls = expanded_calls(step, endpoint_kind=kind, copy=options.copy, backups=store.backups_directory())
        steps.append(
            {
                "id": step.id,
                "title": step.title,
                "class": step.step_class,
                "rules": list(step.rules),
                "requires_confirmation": step.requires_confirmation,
                "manual": step.manual,
                "preflight": by_step[step.id].to_dict(),
                "requests": [c.to_dict() for c in calls],
                "wait": None if step.wait is None else step.wait.to_dict(),
            }
        )
    return {
        "migration": migration.id,
        "name": migration.name,
        "environment": store.target.environment,
        "endpoint": store.target.endpoint,
        "endpoint_kind": kind,
        "refused": refusal,
        "steps": steps,
    }


def _print_dry_run(
    app: AppContext,
    migration: MigrationFile,
    store: StateStore,
    checks: Preflight,
    kind: str,
    options: Any,
    refusal: str | None,
    output_format: str,
) -> None:
    from liftcli.cli.output import print_json, print_text

    document = _dry_run_document(migration, store, checks, kind, options, refusal)
    if output_format == "json":
        print_json(app.out, document)
        return
    lines = [
        f"Migration {migration.id}: {migration.name}",
        f"Target: {_target_text(store)} ({kind})",
        "Dry run: nothing is sent except the Describe* calls of the preflight.",
        "",
    ]
    for step in document["steps"]:
        pre = step["preflight"]
        flags = (
            " [needs --allow-destructive]"
            if step["class"] in ("destructive", "replace") or step["requires_confirmation"]
            else ""
        )
        lines.append(f"{step['id']} [{step['class']}] {step['title']}{flags}")
        lines.append(f"    preflight: {pre['status']}" + (f" - {pre['message']}" if pre["message"] else ""))
        for request in step["requests"]:
            body = json.dumps(request["request"], sort_keys=True, separators=(", ", ": "), default=str)
            lines.append(f"    {request['operation']} {body}")
        if step["wait"]:
            wait = step["wait"]
            subject = wait["table"] + (f"/{wait['index']}" if wait["index"] else "")
            lines.append(f"    then wait: {wait['kind']} {subject}")
    if refusal:
        lines += ["", f"Would be refused: {refusal}"]
    print_text(app.out, "\n".join(lines))


def _print_summary(console: Console, migration: MigrationFile, store: StateStore, checks: Preflight) -> None:
    from rich.markup import escape

    console.print(
        f"Migration {migration.id}: {escape(migration.name)} -> {escape(_target_text(store))}", soft_wrap=True
    )
    for check in checks.checks:
        console.print(f"  {check.step.id} {check.status:<8} {escape(check.message)}", soft_wrap=True)


class _Renderer:
    """Engine events -> rich Progress on a terminal, plain throttled lines otherwise.

    Bars: item copies (M/N items) and GSI backfills on AWS (0-100 %, from CloudWatch). Plain
    lines: copies every PLAIN_INTERVAL seconds; a backfill at every further 10 % (INDEX_STEP) or
    after INDEX_INTERVAL seconds without a line, and at 100 %.
    """

    PLAIN_INTERVAL = 2.0
    INDEX_STEP = 10.0
    INDEX_INTERVAL = 300.0

    def __init__(self, console: Console, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.tty = console.is_terminal
        self.monotonic = monotonic
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        self.last_plain: dict[str, float] = {}
        self.index_plain: dict[str, tuple[float, float]] = {}  # step -> (percent, time) of the last line

    def __enter__(self) -> _Renderer:
        if self.tty:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                _amount_column(),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, event: Event) -> None:
        if event.kind in ("preflight", "paused", "done"):
            return  # shown by the summary before and the result line after the run
        if event.kind == "copy-progress":
            self._copy(event)
            return
        if event.kind == "index-progress":
            self._index(event)
            return
        if event.kind == "wait" and not self._due(f"wait:{event.step_id}"):
            return
        from rich.markup import escape

        message = event.message
        if event.kind == "notice":
            message = "Note: " + message
        self.console.print(escape(message), soft_wrap=True)

    def _due(self, key: str) -> bool:
        now = self.monotonic()
        if now - self.last_plain.get(key, -1e9) >= self.PLAIN_INTERVAL:
            self.last_plain[key] = now
            return True
        return False

    def _copy(self, event: Event) -> None:
        key = str(event.step_id)
        total = max(event.total or 0, event.done or 0) or None
        if self.progress is not None:
            if key not in self.tasks:
                self.tasks[key] = self.progress.add_task(event.message, total=total)
            self.progress.update(self.tasks[key], completed=event.done or 0, total=total)
            return
        finished = total is not None and event.done == total
        if finished or self._due(f"copy:{key}"):
            of = f"/{total}" if total else ""
            self.console.print(f"{event.message}: {event.done}{of} items", soft_wrap=True)

    def _index(self, event: Event) -> None:
        key = f"index:{event.step_id}"
        percent = min(max(event.percent or 0.0, 0.0), 100.0)
        throttled = (
            f", {event.throttle_events} throttled write(s) in the latest minute"
            if event.throttle_events
            else ""
        )
        if self.progress is not None:
            from rich.markup import escape

            description = escape(event.message + (f" ({throttled[2:]})" if throttled else ""))
            if key not in self.tasks:
                self.tasks[key] = self.progress.add_task(description, total=100, unit="%")
            self.progress.update(self.tasks[key], completed=percent, description=description)
            return
        now = self.monotonic()
        last = self.index_plain.get(key)
        due = (
            last is None
            or (percent >= 100.0 and last[0] < 100.0)
            or percent // self.INDEX_STEP > last[0] // self.INDEX_STEP
            or now - last[1] >= self.INDEX_INTERVAL
        )
        if due:
            self.index_plain[key] = (percent, now)
            self.console.print(f"{event.message}: {percent:.0f}%{throttled}", soft_wrap=True, markup=False)


def _amount_column() -> Any:
    """rich's M/N column for copies; a percentage for tasks added with ``unit="%"`` (backfills)."""
    from rich.progress import MofNCompleteColumn
    from rich.text import Text

    class AmountColumn(MofNCompleteColumn):
        def render(self, task: Any) -> Text:
            if task.fields.get("unit") == "%":
                return Text(f"{task.completed:3.0f}%", style="progress.percentage")
            return super().render(task)

    return AmountColumn()
