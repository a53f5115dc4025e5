"""The apply engine of ``lift dynamorm migrate``: gate, preflight, execute, wait, retry, resume.

A migration file holds a Plan (plan.py). Applying it:

1. **Gate** (before any request): a plan with errors is refused; steps that are destructive,
   replace steps or need confirmation require ``allow_destructive`` and are refused outright
   in a protected environment.
2. **Preflight** against live state (DescribeTable, DescribeTimeToLive,
   DescribeContinuousBackups): each remaining step is ``run``, ``done`` (the table already
   looks like the step's result: skipped), ``blocked`` (a TTL cooldown or ``not_before``; with
   the earliest time it can run), ``manual`` or ``conflict`` (the live table contradicts the
   plan: missing table, an index of the same name with other keys, deletion protection that no
   step turns off, a GSI quota that would be exceeded). Any conflict refuses the run.
3. **Execute** steps in order. Every call is retried on throttling (backoff + jitter); the
   "one index create/delete at a time" LimitExceededException and ResourceInUseException are
   waited out; other quota errors are fatal. After each step the engine waits as the plan says
   (table ACTIVE, index ACTIVE or backfilling, index/table gone), bounded by timeouts.
   While a new GSI backfills on AWS, its progress is read from CloudWatch at most once a
   minute (backfill.py) and reported as "index-progress" events; that never fails a run.
   ``lift:CopyItems`` and ``lift:VerifyCopy`` run in copy.py; ``CreateBackup`` falls back to a
   JSON-lines export where the endpoint has no backups (DynamoDB Local).
4. **Record** every step, request id and copy checkpoint in the run's state file (state.py),
   so a failed or interrupted run continues with ``resume=True`` without repeating work.

The engine never prints: it reports ``Event``s to a callback. It raises only LiftErrors (and
KeyboardInterrupt, after saving state).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from liftcli.dynamorm.backfill import SAMPLE_INTERVAL, BackfillMetrics
from liftcli.dynamorm.copy import (
    CopyOptions,
    RetryPolicy,
    call_with_retry,
    copy_items,
    error_code,
    error_message,
    export_jsonl,
    verify_copy,
)
from liftcli.dynamorm.migration_file import MigrationFile
from liftcli.dynamorm.plan import GSI_QUOTA, TTL_COOLDOWN, ApiCall, Step
from liftcli.dynamorm.state import RunState, StateStore
from liftcli.errors import AwsError, LiftError, MigrationError

#: Error codes of endpoints that do not implement an operation (DynamoDB Local: CreateBackup).
NOT_IMPLEMENTED = frozenset(
    {"UnknownOperationException", "UnknownOperation", "NotImplemented", "NotImplementedException"}
)
CONFIRM_CLASSES = frozenset({"destructive", "replace"})
#: DynamoDB Local 3.x: this many tables with TTL on leave no background thread to build GSIs
LOCAL_TTL_TABLES_THAT_BLOCK_GSIS = 7
#: how long a GSI may stay CREATING on DynamoDB Local before the TTL tables are counted
LOCAL_GSI_STALL_SECONDS = 60.0

EventKind = Literal[
    "preflight",
    "step-start",
    "step-skip",
    "step-done",
    "call",
    "wait",
    "retry",
    "copy-progress",
    "index-progress",
    "notice",
    "verify",
    "backup",
    "paused",
    "done",
]
CheckStatus = Literal["run", "done", "blocked", "conflict", "manual", "applied"]


@dataclass(frozen=True, slots=True)
class Event:
    """Something the CLI may show.

    ``done``/``total`` are set for copy progress (items copied). ``percent`` (0-100) and
    ``throttle_events`` (OnlineIndexThrottleEvents in the latest minute, None if unknown) are
    set for "index-progress": a GSI backfill on AWS, read from CloudWatch (backfill.py).
    "notice" is a one-time remark that changes nothing (e.g. no CloudWatch permission).
    """

    kind: EventKind
    message: str
    step_id: str | None = None
    done: int | None = None
    total: int | None = None
    percent: float | None = None
    throttle_events: int | None = None


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for each condition; the poll interval grows from poll_min to poll_max."""

    table_active: float = 900.0
    index_active: float = 4 * 3600.0  # a GSI backfill on a big table takes hours
    index_gone: float = 3600.0
    table_gone: float = 900.0
    backup_available: float = 3600.0
    in_use: float = 1800.0  # waiting out ResourceInUse / "one index at a time" LimitExceeded
    poll_min: float = 0.2
    poll_max: float = 10.0


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    allow_destructive: bool = False
    protected: bool = False  # environments.NAME.protected in lift.yaml
    environment: str | None = None
    resume: bool = False
    gsi_quota: int = GSI_QUOTA
    copy: CopyOptions = field(default_factory=CopyOptions)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass(frozen=True, slots=True)
class StepCheck:
    step: Step
    status: CheckStatus
    message: str = ""
    not_before: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step.id,
            "status": self.status,
            "message": self.message,
            "not_before": None if self.not_before is None else self.not_before.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Preflight:
    checks: tuple[StepCheck, ...]

    @property
    def conflicts(self) -> tuple[StepCheck, ...]:
        return tuple(c for c in self.checks if c.status == "conflict")

    @property
    def blocked(self) -> tuple[StepCheck, ...]:
        return tuple(c for c in self.checks if c.status == "blocked")


@dataclass(frozen=True, slots=True)
class ApplyResult:
    migration_id: str
    status: Literal["done", "paused"]
    message: str
    state_path: Path
    ran: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    resume_at: datetime | None = None
    paused_step: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "migration": self.migration_id,
            "status": self.status,
            "message": self.message,
            "state_file": str(self.state_path),
            "ran": list(self.ran),
            "skipped": list(self.skipped),
            "resume_at": None if self.resume_at is None else self.resume_at.isoformat(),
            "paused_step": self.paused_step,
        }


# --------------------------------------------------------------------------------------------
# Gate: what flags and environments allow
# --------------------------------------------------------------------------------------------


def needs_allow_destructive(step: Step) -> bool:
    return step.step_class in CONFIRM_CLASSES or step.requires_confirmation


def gate(migration: MigrationFile, steps: Sequence[Step], options: ApplyOptions) -> None:
    """Refuse before any request when the plan is invalid or needs flags it did not get."""
    errors = [i for i in migration.plan.issues if i.severity == "error"]
    if errors:
        listed = "; ".join(f"{i.rule} {i.table}: {i.message}" for i in errors)
        raise MigrationError(
            f"migration {migration.id} has plan errors: {listed}",
            hint="Fix the model (or the quota) and regenerate the migration.",
        )
    risky = [s for s in steps if needs_allow_destructive(s)]
    if not risky:
        return
    listed = "; ".join(f"{s.id} [{s.step_class}] {s.title}" for s in risky)
    if options.protected:
        raise MigrationError(
            f"environment {options.environment or 'default'} is protected: migration {migration.id} has "
            f"destructive or replace steps ({listed})",
            hint="Protected environments (protected: true in lift.yaml) never run such steps; apply them "
            "in an unprotected environment or change the model.",
        )
    if not options.allow_destructive:
        raise MigrationError(
            f"migration {migration.id} has {len(risky)} destructive or replace step(s) that need "
            f"--allow-destructive: {listed}. Nothing was changed.",
            hint="Review the plan (`lift dynamorm migrate --dry-run`), then re-run with --allow-destructive.",
        )


# --------------------------------------------------------------------------------------------
# Dry run: every request that would be sent
# --------------------------------------------------------------------------------------------


def expanded_calls(step: Step, *, endpoint_kind: str, copy: CopyOptions, backups: Path) -> list[ApiCall]:
    """The requests a step sends, with lift's own operations spelled out as DynamoDB calls."""
    out: list[ApiCall] = []
    for call in step.calls:
        request = call.request
        if call.operation in ("lift:CopyItems", "lift:VerifyCopy"):
            tables = [request["SourceTableName"]]
            if call.operation == "lift:VerifyCopy":
                tables.append(request["TargetTableName"])
            for table in tables:
                out.append(
                    ApiCall(
                        "Scan",
                        {
                            "TableName": table,
                            "Segment": f"0..{copy.segments - 1}",
                            "TotalSegments": copy.segments,
                            "ConsistentRead": bool(request.get("ConsistentRead", copy.consistent_read)),
                            **({"Limit": copy.page_size} if copy.page_size else {}),
                        },
                    )
                )
            if call.operation == "lift:CopyItems":
                target = request["TargetTableName"]
                out.append(ApiCall("BatchWriteItem", {"RequestItems": {target: "<= 25 PutRequest per call"}}))
            else:
                out.append(ApiCall("lift:CompareDigests", {"Checks": request.get("Checks", [])}))
        elif call.operation == "CreateBackup" and endpoint_kind == "dynamodb-local":
            path = backups / _export_name(step, request["TableName"])
            out.append(ApiCall("lift:ExportItems", {"TableName": request["TableName"], "Path": str(path)}))
        else:
            out.append(call)
    return out


def _export_name(step: Step, table: str) -> str:
    return f"{table}-step{step.id}.jsonl"


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def detect_endpoint(client: Any, endpoint_url: str | None, tables: Iterable[str]) -> str:
    """The endpoint kind (aws, dynamodb-local, moto), from the ARN of the first existing table."""
    from liftcli.dynamorm.introspect import detect_endpoint_kind

    if not endpoint_url:
        return "aws"
    for table in sorted(set(tables)):
        described = _describe_raw(client, table)
        if described is not None:
            return detect_endpoint_kind(endpoint_url, {"Table": described})
    return detect_endpoint_kind(endpoint_url)


def preflight(
    migration: MigrationFile,
    client: Any,
    store: StateStore,
    *,
    endpoint_kind: str,
    options: ApplyOptions | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Preflight:
    """Read-only checks of every step against live state (used by --dry-run and apply)."""
    engine = _Engine(
        migration, client, store, endpoint_kind=endpoint_kind, options=options or ApplyOptions(), clock=clock
    )
    run = store.load_run(migration.id)
    return engine.preflight(run)


def apply_migration(
    migration: MigrationFile,
    client: Any,
    store: StateStore,
    *,
    endpoint_kind: str,
    options: ApplyOptions | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm_manual: Callable[[Step], bool] | None = None,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    cloudwatch: Callable[[], Any] | None = None,
) -> ApplyResult:
    """Apply ``migration`` to the endpoint behind ``client``; see the module docstring.

    Args:
        confirm_manual: asked for each manual step (cutover, switching readers); False or None
            pauses the run there (resume later).
        clock, sleep, monotonic: injectable time (tests).
        cloudwatch: builds a CloudWatch client with the credentials and region of ``client``.
            Used only when ``endpoint_kind`` is "aws", and only while a new GSI backfills: its
            progress is read at most once a minute and reported as "index-progress" events.
            Errors there never affect the run (backfill.py).

    Raises:
        MigrationError: refused by the gate or preflight, a fatal DynamoDB error, a timeout or a
            failed verification. State is saved first; ``resume=True`` continues.
        AwsError: DynamoDB could not be reached or answered with an error.
        KeyboardInterrupt: after the state file was saved.
    """
    engine = _Engine(
        migration,
        client,
        store,
        endpoint_kind=endpoint_kind,
        options=options or ApplyOptions(),
        on_event=on_event,
        confirm_manual=confirm_manual,
        clock=clock,
        sleep=sleep,
        monotonic=monotonic,
        cloudwatch=cloudwatch,
    )
    return engine.apply()


def pending_migrations(
    files: Sequence[Path], store: StateStore, read: Callable[[Path], MigrationFile]
) -> list[Path]:
    """Migration files (sorted by id) not yet recorded as applied on the store's target."""
    applied = store.applied_ids()
    return [p for p in files if read(p).id not in applied]


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _describe_raw(client: Any, table: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    from liftcli.aws_client import aws_errors

    with aws_errors(f"DescribeTable {table}"):
        try:
            return dict(client.describe_table(TableName=table)["Table"])
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise


def _gsi(table: Mapping[str, Any] | None, name: str) -> Mapping[str, Any] | None:
    for g in (table or {}).get("GlobalSecondaryIndexes") or ():
        if g.get("IndexName") == name:
            return g  # type: ignore[no-any-return]
    return None


def _keys(schema: Any) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in schema or ())


class _Paused(Exception):
    def __init__(self, step: Step, message: str, resume_at: datetime | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.message = message
        self.resume_at = resume_at


class _Engine:
    def __init__(
        self,
        migration: MigrationFile,
        client: Any,
        store: StateStore,
        *,
        endpoint_kind: str,
        options: ApplyOptions,
        on_event: Callable[[Event], None] | None = None,
        confirm_manual: Callable[[Step], bool] | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        cloudwatch: Callable[[], Any] | None = None,
    ) -> None:
        self.migration = migration
        self.steps = migration.plan.steps
        self.client = client
        self.store = store
        self.endpoint_kind = endpoint_kind
        self.options = options
        self._on_event = on_event
        self.confirm_manual = confirm_manual
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep
        self.monotonic = monotonic
        self._creating_since: dict[tuple[str, str], float] = {}  # DynamoDB Local stall check
        self.stop = threading.Event()
        self._event_lock = threading.Lock()
        self._backfilling: list[tuple[Step, str, str]] = []  # (step, table, index) to see ACTIVE at the end
        # Backfill progress from CloudWatch: AWS only (Local and moto build indexes at once and
        # publish no metrics). (table, index) -> monotonic time of the last sample / shown at all.
        self._metrics: BackfillMetrics | None = None
        if cloudwatch is not None and endpoint_kind == "aws":
            self._metrics = BackfillMetrics(cloudwatch, clock=self.clock)
        self._sampled: dict[tuple[str, str], float] = {}
        self._progress_shown: dict[tuple[str, str], float] = {}

    def emit(self, kind: EventKind, message: str, step: Step | None = None, **kw: Any) -> None:
        if self._on_event is not None:
            with self._event_lock:
                self._on_event(Event(kind, message, None if step is None else step.id, **kw))

    # -- run lifecycle --------------------------------------------------------------------

    def _existing_run(self) -> RunState | None:
        m = self.migration
        run = self.store.load_run(m.id)
        if run is None:
            if self.options.resume:
                raise MigrationError(
                    f"nothing to resume: migration {m.id} has no saved progress for this target "
                    f"({self.store.directory})",
                    hint="Run it without --resume.",
                )
            if m.id in self.store.applied_ids():
                raise MigrationError(f"migration {m.id} is already applied to this target")
            return None
        if run.status == "done":
            raise MigrationError(f"migration {m.id} is already applied to this target ({run.path})")
        if run.data.get("checksum") != m.checksum:
            raise MigrationError(
                f"migration {m.id} changed since the interrupted run started "
                f"(checksum differs from {run.path})",
                hint="Restore the file that was being applied, or delete the state file to start over.",
            )
        if not self.options.resume:
            raise MigrationError(
                f"migration {m.id} was started on this target and stopped ({run.status}"
                + (f": {run.data.get('message')}" if run.data.get("message") else "")
                + f"); its progress is in {run.path}",
                hint="Continue it with `lift dynamorm migrate --resume` (delete that file to start over).",
            )
        return run

    def apply(self) -> ApplyResult:
        existing = self._existing_run()
        remaining = [
            s for s in self.steps if existing is None or existing.step_status(s.id) not in ("done", "skipped")
        ]
        gate(self.migration, remaining, self.options)
        checks = self.preflight(existing)
        for check in checks.checks:
            self.emit("preflight", f"{check.status}: {check.message}", check.step)
        if checks.conflicts:
            listed = "; ".join(f"step {c.step.id}: {c.message}" for c in checks.conflicts)
            raise MigrationError(
                f"the live tables no longer match what migration {self.migration.id} assumed: {listed}. "
                "Nothing was changed.",
                hint="Regenerate the migration against the current tables "
                "(`lift dynamorm generate-migration`).",
            )
        now = self.clock()
        run = existing or self.store.new_run(
            self.migration.id, self.migration.name, self.migration.checksum, now
        )
        run.update(now, status="running", message="")
        ran: list[str] = []
        skipped: list[str] = []
        try:
            for step in self.steps:
                outcome = self._step(step, run)
                (ran if outcome == "ran" else skipped if outcome == "skipped" else []).append(step.id)
            self._final_index_wait()
        except _Paused as paused:
            run.update(
                self.clock(),
                status="paused",
                message=paused.message,
                paused_step=paused.step.id,
                resume_at=None if paused.resume_at is None else paused.resume_at.isoformat(),
            )
            self.emit("paused", paused.message, paused.step)
            return ApplyResult(
                self.migration.id,
                "paused",
                paused.message,
                run.path,
                tuple(ran),
                tuple(skipped),
                paused.resume_at,
                paused.step.id,
            )
        except KeyboardInterrupt:
            self.stop.set()
            run.update(self.clock(), status="interrupted", message="interrupted (Ctrl-C)")
            raise
        except LiftError as exc:
            run.update(self.clock(), status="failed", message=exc.message)
            if exc.hint is None:
                exc.hint = (
                    "Fix the cause, then `lift dynamorm migrate --resume` continues from the failed step."
                )
            raise
        except BaseException as exc:
            run.update(self.clock(), status="failed", message=f"{type(exc).__name__}: {exc}")
            raise
        now = self.clock()
        run.update(now, status="done", message="", paused_step=None, resume_at=None)
        self.store.record_applied(self.migration.id, self.migration.name, self.migration.checksum, now)
        message = f"migration {self.migration.id} applied: {len(ran)} step(s) run, {len(skipped)} skipped"
        self.emit("done", message)
        return ApplyResult(self.migration.id, "done", message, run.path, tuple(ran), tuple(skipped))

    # -- preflight ------------------------------------------------------------------------

    def preflight(self, run: RunState | None) -> Preflight:
        now = self.clock()
        live: dict[str, dict[str, Any] | None] = {}
        ttl_cache: dict[str, Mapping[str, Any] | None] = {}

        def describe(table: str) -> dict[str, Any] | None:
            if table not in live:
                live[table] = _describe_raw(self.client, table)
            return live[table]

        created: set[str] = set()  # tables an earlier remaining step creates
        unprotected: set[str] = set()  # tables an earlier step turns deletion protection off on
        gsi_counts: dict[str, int] = {}
        checks: list[StepCheck] = []
        for step in self.steps:
            if run is not None and run.step_status(step.id) in ("done", "skipped"):
                checks.append(StepCheck(step, "applied", f"{step.title} (done in an earlier run)"))
                continue
            if step.manual:
                checks.append(StepCheck(step, "manual", f"{step.title} (a manual action; apply stops here)"))
                continue
            check = self._check_step(step, describe, ttl_cache, created, unprotected, gsi_counts, now)
            checks.append(check)
            for call in step.calls:
                request = call.request
                if call.operation == "CreateTable":
                    created.add(request["TableName"])
                if call.operation == "UpdateTable" and request.get("DeletionProtectionEnabled") is False:
                    unprotected.add(request["TableName"])
        return Preflight(tuple(checks))

    def _check_step(
        self,
        step: Step,
        describe: Callable[[str], dict[str, Any] | None],
        ttl_cache: dict[str, Mapping[str, Any] | None],
        created: set[str],
        unprotected: set[str],
        gsi_counts: dict[str, int],
        now: datetime,
    ) -> StepCheck:
        statuses: list[tuple[str, str]] = []
        for call in step.calls:
            statuses.append(self._check_call(call, describe, ttl_cache, created, unprotected, gsi_counts))
        conflicts = [m for s, m in statuses if s == "conflict"]
        if conflicts:
            return StepCheck(step, "conflict", "; ".join(conflicts))
        if statuses and all(s == "done" for s, _ in statuses):
            return StepCheck(step, "done", f"{step.title}: {'; '.join(m for _, m in statuses)}")
        earliest = self._earliest(step, now, ttl_cache)
        if earliest is not None:
            return StepCheck(
                step,
                "blocked",
                f"{step.title}: blocked until {earliest:%Y-%m-%d %H:%MZ}",
                not_before=earliest,
            )
        notes = [m for s, m in statuses if m and s == "run"]
        return StepCheck(step, "run", step.title + (f" ({'; '.join(notes)})" if notes else ""))

    def _check_call(  # noqa: C901 - one branch per operation, flat
        self,
        call: ApiCall,
        describe: Callable[[str], dict[str, Any] | None],
        ttl_cache: dict[str, Mapping[str, Any] | None],
        created: set[str],
        unprotected: set[str],
        gsi_counts: dict[str, int],
    ) -> tuple[str, str]:
        """("run"|"done"|"conflict", note) for one call against live state."""
        op, request = call.operation, call.request
        table_name = str(request.get("TableName") or request.get("SourceTableName"))
        if op == "CreateTable":
            table = describe(table_name)
            if table is None:
                return "run", ""
            if _keys(table.get("KeySchema")) == _keys(request.get("KeySchema")):
                return "done", f"table {table_name} exists"
            return "conflict", f"table {table_name} exists with another key schema"
        if op in ("lift:CopyItems", "lift:VerifyCopy"):
            missing = [
                t
                for t in (request["SourceTableName"], request["TargetTableName"])
                if describe(t) is None and t not in created
            ]
            if missing:
                return "conflict", f"table {', '.join(missing)} does not exist"
            return "run", ""
        table = describe(table_name)
        if op == "DeleteTable":
            if table is None:
                return "done", f"table {table_name} is already gone"
            if table.get("DeletionProtectionEnabled") and table_name not in unprotected:
                return "conflict", (
                    f"table {table_name} has deletion protection on and no step turns it off (DDB105)"
                )
            return "run", ""
        if table is None:
            if table_name in created:
                return "run", ""
            return "conflict", f"table {table_name} does not exist"
        if op == "UpdateTable":
            return self._check_update_table(table, request, gsi_counts)
        if op == "UpdateTimeToLive":
            return self._check_ttl(table_name, request, ttl_cache)
        if op == "UpdateContinuousBackups":
            return self._check_pitr(table_name, request)
        return "run", ""  # CreateBackup and anything new: always run

    def _check_update_table(
        self, table: Mapping[str, Any], request: Mapping[str, Any], gsi_counts: dict[str, int]
    ) -> tuple[str, str]:
        name = str(table.get("TableName"))
        results: list[tuple[str, str]] = []
        count = gsi_counts.setdefault(name, len(table.get("GlobalSecondaryIndexes") or ()))
        for update in request.get("GlobalSecondaryIndexUpdates") or ():
            if "Create" in update:
                create = update["Create"]
                existing = _gsi(table, create["IndexName"])
                if existing is None:
                    count += 1
                    if count > self.options.gsi_quota:
                        results.append(
                            (
                                "conflict",
                                f"{name} would have {count} GSIs, "
                                f"the quota is {self.options.gsi_quota} (DDB201)",
                            )
                        )
                    else:
                        results.append(("run", ""))
                elif _keys(existing.get("KeySchema")) == _keys(create.get("KeySchema")):
                    results.append(
                        ("done", f"GSI {create['IndexName']} exists ({existing.get('IndexStatus')})")
                    )
                else:
                    results.append(
                        ("conflict", f"GSI {create['IndexName']} on {name} exists with other keys")
                    )
            elif "Delete" in update:
                if _gsi(table, update["Delete"]["IndexName"]) is None:
                    results.append(("done", f"GSI {update['Delete']['IndexName']} is already gone"))
                else:
                    count -= 1
                    results.append(("run", ""))
            else:
                results.append(("run", ""))
        gsi_counts[name] = count
        if "StreamSpecification" in request:
            want = request["StreamSpecification"]
            have = table.get("StreamSpecification") or {}
            same = bool(have.get("StreamEnabled")) == bool(want.get("StreamEnabled")) and (
                not want.get("StreamEnabled") or have.get("StreamViewType") == want.get("StreamViewType")
            )
            results.append(("done", "stream already as requested") if same else ("run", ""))
        if "DeletionProtectionEnabled" in request:
            same = table.get("DeletionProtectionEnabled") == request["DeletionProtectionEnabled"]
            results.append(("done", "deletion protection already as requested") if same else ("run", ""))
        if "BillingMode" in request:
            have = (table.get("BillingModeSummary") or {}).get("BillingMode")
            same = have == request["BillingMode"] and "ProvisionedThroughput" not in request
            results.append(("done", "billing mode already as requested") if same else ("run", ""))
        if "TableClass" in request:
            have = (table.get("TableClassSummary") or {}).get("TableClass")
            results.append(
                ("done", "table class already as requested") if have == request["TableClass"] else ("run", "")
            )
        if "SSESpecification" in request:
            results.append(sse_check(request["SSESpecification"], table.get("SSEDescription")))
        conflicts = [r for r in results if r[0] == "conflict"]
        if conflicts:
            return conflicts[0]
        if results and all(s == "done" for s, _ in results):
            return "done", "; ".join(m for _, m in results)
        if table.get("TableStatus") not in (None, "ACTIVE"):
            return "run", f"waits for {name} to be ACTIVE (now {table.get('TableStatus')})"
        return "run", ""

    def _ttl_description(
        self, table: str, cache: dict[str, Mapping[str, Any] | None]
    ) -> Mapping[str, Any] | None:
        if table not in cache:
            from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

            from liftcli.aws_client import aws_errors

            with aws_errors(f"DescribeTimeToLive {table}"):
                try:
                    cache[table] = (
                        self.client.describe_time_to_live(TableName=table).get("TimeToLiveDescription") or {}
                    )
                except ClientError as exc:
                    if error_code(exc) not in NOT_IMPLEMENTED:
                        raise
                    cache[table] = None
        return cache[table]

    def _check_ttl(
        self, table: str, request: Mapping[str, Any], cache: dict[str, Mapping[str, Any] | None]
    ) -> tuple[str, str]:
        description = self._ttl_description(table, cache)
        if description is None:
            return "run", ""
        want = request["TimeToLiveSpecification"]
        status = description.get("TimeToLiveStatus", "DISABLED")
        attribute = description.get("AttributeName")
        if want["Enabled"]:
            if status in ("ENABLED", "ENABLING") and attribute == want["AttributeName"]:
                return "done", f"TTL already enabled on {attribute}"
            if status in ("ENABLED", "ENABLING"):
                return "conflict", f"TTL on {table} is enabled on {attribute}, not {want['AttributeName']}"
        elif status in ("DISABLED", "DISABLING"):
            return "done", "TTL already disabled"
        return "run", ""

    def _check_pitr(self, table: str, request: Mapping[str, Any]) -> tuple[str, str]:
        if self.endpoint_kind == "dynamodb-local":
            return "run", ""
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        from liftcli.aws_client import aws_errors

        with aws_errors(f"DescribeContinuousBackups {table}"):
            try:
                described = self.client.describe_continuous_backups(TableName=table)
            except ClientError as exc:
                if error_code(exc) in NOT_IMPLEMENTED:
                    return "run", ""
                raise
        status = (
            (described.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
        ).get("PointInTimeRecoveryStatus")
        want = request["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
        if status is not None and (status == "ENABLED") == bool(want):
            return "done", "point-in-time recovery already as requested"
        return "run", ""

    def _earliest(
        self, step: Step, now: datetime, ttl_cache: dict[str, Mapping[str, Any] | None] | None = None
    ) -> datetime | None:
        """When ``step`` may run, if later than ``now``: its not_before and TTL cooldowns (rules §3.4).

        DynamoDB Local and moto do not report when TTL last changed, so the record of lift's own
        UpdateTimeToLive calls (state.py) is used everywhere; on AWS a TTL change still in flight
        (ENABLING/DISABLING) blocks for a further hour at most.
        """
        earliest = step.not_before
        for call in step.calls:
            if call.operation != "UpdateTimeToLive":
                continue
            table = call.request["TableName"]
            last = self.store.ttl_changes().get(table)
            if last is not None:
                earliest = max(earliest or last, last + TTL_COOLDOWN)
            if ttl_cache is not None and self.endpoint_kind == "aws":
                description = ttl_cache.get(table) or {}
                if description.get("TimeToLiveStatus") in ("ENABLING", "DISABLING") and last is None:
                    earliest = max(earliest or now, now + TTL_COOLDOWN)
        if earliest is not None and earliest > now:
            return earliest
        return None

    # -- execution ------------------------------------------------------------------------

    def _step(self, step: Step, run: RunState) -> str:
        status = run.step_status(step.id)
        if status in ("done", "skipped"):
            self.emit("step-skip", f"{step.id} {step.title}: done in an earlier run", step)
            return "earlier"
        now = self.clock()
        if step.manual:
            return self._manual(step, run)
        earliest = self._earliest(step, now)
        if earliest is not None:
            raise _Paused(
                step,
                f"step {step.id} ({step.title}) cannot run before {earliest:%Y-%m-%d %H:%M}Z "
                "(TTL cooldown: one UpdateTimeToLive per table per hour, rules §3.4)",
                earliest,
            )
        self.emit("step-start", f"{step.id} {step.title}", step)
        sent_any = False
        for call in step.calls:
            if self._call_done(call):
                self.emit(
                    "step-skip", f"{step.id}: {call.operation} not needed, the table already matches", step
                )
                continue
            self._execute(step, call, run)
            sent_any = True
        self._wait(step)
        final = "done" if sent_any or status == "sent" else "skipped"
        run.set_step(step.id, self.clock(), status=final)
        self.emit("step-done" if final == "done" else "step-skip", f"{step.id} {step.title}: {final}", step)
        return "ran" if final == "done" else "skipped"

    def _call_done(self, call: ApiCall) -> bool:
        if call.operation in ("lift:CopyItems", "lift:VerifyCopy", "CreateBackup"):
            return False
        cache: dict[str, dict[str, Any] | None] = {}

        def describe(table: str) -> dict[str, Any] | None:
            if table not in cache:
                cache[table] = _describe_raw(self.client, table)
            return cache[table]

        status, _ = self._check_call(call, describe, {}, set(), set(), {})
        return status == "done"

    def _manual(self, step: Step, run: RunState) -> str:
        if self.confirm_manual is not None and self.confirm_manual(step):
            run.set_step(step.id, self.clock(), status="done", detail={"confirmed": True})
            self.emit("step-done", f"{step.id} {step.title}: confirmed done", step)
            return "ran"
        raise _Paused(
            step,
            f"step {step.id} is a manual action: {step.title}. {step.why} When it is done, run "
            "`lift dynamorm migrate --resume --manual-done`.",
        )

    def _execute(self, step: Step, call: ApiCall, run: RunState) -> None:
        op = call.operation
        if op == "lift:CopyItems":
            self._copy(step, call, run)
            return
        if op == "lift:VerifyCopy":
            self._verify(step, call, run)
            return
        if op == "CreateBackup":
            self._backup(step, call, run)
            return
        if op == "DeleteTable":
            self._require_verified(call.request["TableName"], run)
        if op in ("UpdateTable", "UpdateTimeToLive"):
            self._wait_table_active(step, call.request["TableName"])
        self.emit("call", f"{step.id} {op} {call.request.get('TableName', '')}", step)
        response = self._send(step, op, call.request)
        if response is None:  # CreateTable found the table: fine only if it is the same table
            if not self._call_done(call):
                raise MigrationError(
                    f"step {step.id}: table {call.request['TableName']} exists with another key schema"
                )
            return
        request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
        run.set_step(step.id, self.clock(), status="sent", request_id=request_id)
        if op == "UpdateTimeToLive":
            self.store.record_ttl_change(call.request["TableName"], self.clock())

    def _send(self, step: Step, op: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped,unused-ignore]

        method = getattr(self.client, _snake(op))
        started = self.monotonic()
        interval = self.options.timeouts.poll_min

        def on_retry(code: str, attempt: int, delay: float) -> None:
            self.emit("retry", f"{step.id} {op}: {code}, retry {attempt} in {delay:.1f}s", step)

        while True:
            try:
                response: dict[str, Any] = call_with_retry(
                    method, request, policy=self.options.retry, sleep=self.sleep, on_retry=on_retry
                )
                return response
            except ClientError as exc:
                code, message = error_code(exc), error_message(exc)
                if code == "ResourceInUseException" and op == "CreateTable":
                    return None
                # "Only 1 online index can be created or deleted simultaneously per table" and a table
                # that is still being updated are transient: wait and retry (rules §3.7).
                transient = code == "ResourceInUseException" or (
                    code == "LimitExceededException" and "simultaneous" in message.lower()
                )
                if not transient:
                    raise self._fatal(step, op, code, message) from None
                if self.monotonic() - started >= self.options.timeouts.in_use:
                    raise MigrationError(
                        f"step {step.id}: {op} kept failing with {code} for "
                        f"{self.options.timeouts.in_use:g}s: {message}",
                        hint="Another change on the table is still running; `lift dynamorm migrate --resume` "
                        "retries later.",
                    ) from None
                self.emit("retry", f"{step.id} {op}: {code} ({message}); waiting {interval:.1f}s", step)
                self.sleep(interval)
                interval = min(interval * 2, self.options.timeouts.poll_max)
            except BotoCoreError as exc:
                raise AwsError(
                    f"step {step.id} ({step.title}): {op} failed: {exc}",
                    hint="Check the connection; `lift dynamorm migrate --resume` continues from this step.",
                ) from None

    def _fatal(self, step: Step, op: str, code: str, message: str) -> LiftError:
        where = f"step {step.id} ({step.title}): {op} failed: {code}: {message}"
        if code == "LimitExceededException":
            return MigrationError(
                where,
                hint="A DynamoDB quota (GSIs per table, concurrent table operations, ...) is exceeded: "
                "a plan "
                "error, not a transient one. Ask AWS for an increase or change the model and regenerate.",
            )
        if code == "ValidationException" and op == "UpdateTimeToLive":
            at = self.clock() + TTL_COOLDOWN
            return MigrationError(
                where + " (DDB104: one UpdateTimeToLive per table per hour)",
                hint=f"Retry after {at:%Y-%m-%d %H:%M}Z with `lift dynamorm migrate --resume`.",
            )
        if code == "ValidationException" and op == "DeleteTable" and "protect" in message.lower():
            return MigrationError(where, hint="Turn deletion protection off first (DDB105).")
        return AwsError(
            where, hint="Fix the cause, then `lift dynamorm migrate --resume` continues from this step."
        )

    # -- waits ----------------------------------------------------------------------------

    def _wait(self, step: Step) -> None:
        wait = step.wait
        if wait is None or wait.kind in ("ttl-cooldown", "backup-available"):
            return  # cooldowns become not_before of later steps; backups wait in _backup
        timeouts = self.options.timeouts
        if wait.kind == "table-active":
            self._wait_table_active(step, wait.table)
        elif wait.kind == "table-gone":
            self._poll(
                step,
                f"table {wait.table} to be deleted",
                timeouts.table_gone,
                lambda: self._table_gone(wait.table),
            )
        elif wait.kind == "index-active":
            index = str(wait.index)
            self._poll(
                step,
                f"GSI {index} on {wait.table} to be ACTIVE or backfilling",
                timeouts.index_active,
                lambda: self._index_usable(wait.table, index, step),
            )
            self._backfilling.append((step, wait.table, index))
        elif wait.kind == "index-gone":
            index = str(wait.index)
            self._poll(
                step,
                f"GSI {index} on {wait.table} to be deleted",
                timeouts.index_gone,
                lambda: self._index_gone(wait.table, index),
            )

    def _wait_table_active(self, step: Step, table: str) -> None:
        self._poll(
            step,
            f"table {table} to be ACTIVE",
            self.options.timeouts.table_active,
            lambda: self._table_active(table),
        )

    def _final_index_wait(self) -> None:
        """GSIs that were only backfilling when the next step started must be ACTIVE at the end."""
        for step, table, index in self._backfilling:
            self._poll(
                step,
                f"GSI {index} on {table} to be ACTIVE",
                self.options.timeouts.index_active,
                functools.partial(self._index_active, table, index, step),
            )

    def _poll(self, step: Step, what: str, timeout: float, probe: Callable[[], tuple[bool, str]]) -> None:
        started = self.monotonic()
        interval = self.options.timeouts.poll_min
        while True:
            ok, status = probe()
            if ok:
                return
            waited = self.monotonic() - started
            if waited >= timeout:
                raise MigrationError(
                    f"step {step.id}: timed out after {timeout:g}s waiting for {what} (status: {status})",
                    hint="The request was accepted and DynamoDB keeps working on it; "
                    "`lift dynamorm migrate --resume` keeps waiting.",
                )
            self.emit("wait", f"{step.id} waiting for {what} (status: {status}, {waited:.0f}s)", step)
            self.sleep(interval)
            interval = min(interval * 2, self.options.timeouts.poll_max)

    def _table_active(self, table: str) -> tuple[bool, str]:
        described = _describe_raw(self.client, table)
        if described is None:
            return False, "not found"
        status = str(described.get("TableStatus", "ACTIVE"))
        return status == "ACTIVE", status

    def _table_gone(self, table: str) -> tuple[bool, str]:
        described = _describe_raw(self.client, table)
        return described is None, "gone" if described is None else str(described.get("TableStatus"))

    def _index_usable(self, table: str, index: str, step: Step) -> tuple[bool, str]:
        gsi = _gsi(_describe_raw(self.client, table), index)
        if gsi is None:
            return False, "not found"
        status = str(gsi.get("IndexStatus", "ACTIVE"))
        self._backfill_progress(step, table, index, gsi)
        # Once a new GSI is backfilling, further UpdateTable calls are allowed (rules §3.1).
        if status == "CREATING" and gsi.get("Backfilling"):
            return True, "backfilling"
        if status == "CREATING":
            self._check_local_gsi_stall(step, table, index)
        return status == "ACTIVE", status

    def _check_local_gsi_stall(self, step: Step, table: str, index: str) -> None:
        """Fail fast when DynamoDB Local can never build the index.

        DynamoDB Local 3.x builds a GSI added by UpdateTable in a background job, from a pool of
        10 threads of which its schedulers keep 3 and every table with TTL on keeps one for
        good: with 7 TTL tables on the server the index stays CREATING forever (measured on
        3.3.0; deleting TTL tables frees the threads). Without -delayTransientStatuses an index
        is built in about a second, so after each minute of CREATING the TTL tables are counted.
        """
        if self.endpoint_kind != "dynamodb-local":
            return
        first = self._creating_since.setdefault((table, index), self.monotonic())
        if self.monotonic() - first < LOCAL_GSI_STALL_SECONDS:
            return
        from liftcli.aws_client import list_tables

        with_ttl = [name for name in list_tables(self.client)
                    if self.client.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get(
                        "TimeToLiveStatus") in ("ENABLED", "ENABLING")]
        # Too few to explain it (e.g. -delayTransientStatuses): count again a minute from now,
        # not on every poll.
        self._creating_since[(table, index)] = self.monotonic()
        if len(with_ttl) >= LOCAL_TTL_TABLES_THAT_BLOCK_GSIS:
            raise MigrationError(
                f"step {step.id}: DynamoDB Local will never build GSI {index} on {table}: {len(with_ttl)} tables "
                f"have TTL on ({', '.join(sorted(with_ttl)[:5])}{', ...' if len(with_ttl) > 5 else ''}), and it "
                f"runs one background job per TTL table on the 10 threads that also build indexes",
                hint="Delete the tables with TTL this server does not need (or restart it), then "
                "`lift dynamorm migrate --resume`. AWS has no such limit.",
            )

    def _index_active(self, table: str, index: str, step: Step) -> tuple[bool, str]:
        gsi = _gsi(_describe_raw(self.client, table), index)
        if gsi is None:
            return False, "not found"
        status = str(gsi.get("IndexStatus", "ACTIVE"))
        self._backfill_progress(step, table, index, gsi)
        return status == "ACTIVE", status + (" (backfilling)" if gsi.get("Backfilling") else "")

    def _backfill_progress(self, step: Step, table: str, index: str, gsi: Mapping[str, Any]) -> None:
        """Report a backfilling GSI's progress from CloudWatch, at most once per SAMPLE_INTERVAL.

        Never raises and never waits longer than one CloudWatch request: the metrics are an
        extra. An index that became ACTIVE after progress was shown is reported at 100%.
        """
        if self._metrics is None:
            return
        key = (table, index)
        what = f"{step.id} backfilling GSI {index} on {table}"
        status = gsi.get("IndexStatus")
        if status == "ACTIVE":
            if self._progress_shown.get(key, 100.0) < 100.0:
                self._progress_shown[key] = 100.0
                self.emit("index-progress", what, step, percent=100.0)
            return
        if status != "CREATING" or not gsi.get("Backfilling") or self._metrics.disabled:
            return
        now = self.monotonic()
        last = self._sampled.get(key)
        if last is not None and now - last < SAMPLE_INTERVAL:
            return
        self._sampled[key] = now
        try:
            progress = self._metrics.read(table, index)
        except Exception:  # noqa: BLE001 - backfill.py does not raise; this is belt and braces
            progress = None
        notice = self._metrics.take_notice()
        if notice is not None:
            self.emit("notice", notice, step)
        if progress is None:
            return
        self._progress_shown[key] = progress.percent
        self.emit(
            "index-progress",
            what,
            step,
            percent=progress.percent,
            throttle_events=progress.throttle_events,
        )

    def _index_gone(self, table: str, index: str) -> tuple[bool, str]:
        gsi = _gsi(_describe_raw(self.client, table), index)
        return gsi is None, "gone" if gsi is None else str(gsi.get("IndexStatus"))

    # -- lift's own operations ------------------------------------------------------------

    def _item_count(self, table: str) -> int | None:
        described = _describe_raw(self.client, table)
        return None if described is None else described.get("ItemCount")

    def _copy(self, step: Step, call: ApiCall, run: RunState) -> None:
        source, target = call.request["SourceTableName"], call.request["TargetTableName"]
        self._wait_table_active(step, target)
        options = replace(self.options.copy, consistent_read=bool(call.request.get("ConsistentRead", True)))
        checkpoints = _RunCheckpoints(run, step.id)
        total = self._item_count(source)
        done = [0]

        def on_page(n: int) -> None:
            done[0] += n
            self.emit(
                "copy-progress", f"{step.id} copying {source} -> {target}", step, done=done[0], total=total
            )

        def on_retry(code: str, attempt: int, delay: float) -> None:
            self.emit("retry", f"{step.id} copy: {code}, retry {attempt} in {delay:.1f}s", step)

        run.set_step(step.id, self.clock(), status="sent")
        progress = checkpoints.load(options.segments)
        done[0] = sum(int(p.get("count") or 0) for p in progress.values())
        self.emit("copy-progress", f"{step.id} copying {source} -> {target}", step, done=done[0], total=total)
        from liftcli.aws_client import aws_errors

        with aws_errors(f"step {step.id} (copy {source} -> {target})"):
            result = copy_items(
                self.client,
                source,
                target,
                checkpoints=checkpoints,
                options=options,
                retry=self.options.retry,
                on_page=on_page,
                on_retry=on_retry,
                stop=self.stop,
                sleep=self.sleep,
            )
        run.set_step(step.id, self.clock(), detail={"items": result.items, "segments": result.segments})

    def _verify(self, step: Step, call: ApiCall, run: RunState) -> None:
        source, target = call.request["SourceTableName"], call.request["TargetTableName"]
        from liftcli.aws_client import aws_errors

        self.emit("verify", f"{step.id} hashing {source} and {target}", step)
        with aws_errors(f"step {step.id} (verify {source} -> {target})"):
            result = verify_copy(
                self.client,
                source,
                target,
                options=self.options.copy,
                retry=self.options.retry,
                stop=self.stop,
                sleep=self.sleep,
            )
        detail = {
            "source": source,
            "target": target,
            "verified": result.ok,
            "source_count": result.source.count,
            "target_count": result.target.count,
            "source_hash": result.source.hex,
            "target_hash": result.target.hex,
        }
        run.set_step(step.id, self.clock(), status="sent", detail=detail)
        if not result.ok:
            raise MigrationError(
                f"step {step.id}: copy verification failed: {result.describe()}. Nothing was deleted.",
                hint="Items were written to the source during the copy, or the target had items "
                "already. Pause "
                "writers, empty or delete the target table, delete the state file and apply again.",
            )
        self.emit("verify", f"{step.id} verified: {result.describe()}", step)

    def _require_verified(self, table: str, run: RunState) -> None:
        """A table that is the source of a copy is deleted only after that copy was verified."""
        for step in self.steps:
            for call in step.calls:
                if call.operation == "lift:VerifyCopy" and call.request["SourceTableName"] == table:
                    if not (run.step(step.id).get("detail") or {}).get("verified"):
                        raise MigrationError(
                            f"refusing to delete {table}: the copy to "
                            f"{call.request['TargetTableName']} was not "
                            f"verified (step {step.id})"
                        )

    def _backup(self, step: Step, call: ApiCall, run: RunState) -> None:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

        from liftcli.aws_client import aws_errors

        table = call.request["TableName"]
        detail = run.step(step.id).get("detail") or {}
        arn = detail.get("backup_arn")
        if arn is None and self.endpoint_kind != "dynamodb-local":
            self.emit("call", f"{step.id} CreateBackup {table}", step)
            try:
                response = self._send(step, "CreateBackup", call.request)
            except AwsError as exc:
                if not any(code in exc.message for code in NOT_IMPLEMENTED):
                    raise
            else:
                arn = ((response or {}).get("BackupDetails") or {}).get("BackupArn")
                run.set_step(
                    step.id,
                    self.clock(),
                    status="sent",
                    detail={"backup_arn": arn},
                    request_id=((response or {}).get("ResponseMetadata") or {}).get("RequestId"),
                )
        if arn is not None:

            def available() -> tuple[bool, str]:
                with aws_errors(f"DescribeBackup {arn}"):
                    try:
                        described = self.client.describe_backup(BackupArn=arn)
                    except ClientError as exc:
                        if error_code(exc) in NOT_IMPLEMENTED:
                            return True, "unknown"
                        raise
                status = ((described.get("BackupDescription") or {}).get("BackupDetails") or {}).get(
                    "BackupStatus"
                )
                return status in (None, "AVAILABLE"), str(status)

            self._poll(
                step, f"backup of {table} to be AVAILABLE", self.options.timeouts.backup_available, available
            )
            self.emit("backup", f"{step.id} backup {arn} is available", step)
            return
        # No CreateBackup on this endpoint (DynamoDB Local): export the items as JSON lines.
        path = self.store.backups_directory() / f"{self.migration.id}-{_export_name(step, table)}"
        self.emit("backup", f"{step.id} exporting {table} to {path} (no CreateBackup on this endpoint)", step)
        with aws_errors(f"step {step.id} (export {table})"):
            count = export_jsonl(
                self.client, table, path, retry=self.options.retry, stop=self.stop, sleep=self.sleep
            )
        run.set_step(step.id, self.clock(), status="sent", detail={"export": str(path), "items": count})
        self.emit("backup", f"{step.id} exported {count} items of {table} to {path}", step)


class _RunCheckpoints:
    """copy.Checkpoints on top of a RunState (one copy step)."""

    def __init__(self, run: RunState, step_id: str) -> None:
        self.run = run
        self.step_id = step_id

    def load(self, total_segments: int) -> dict[int, dict[str, Any]]:
        return self.run.copy_progress(self.step_id, total_segments)

    def save(self, segment: int, last_key: Mapping[str, Any] | None, count: int, done: bool) -> None:
        self.run.checkpoint(self.step_id, segment, last_key, count, done)


_SSE_ON = ("ENABLED", "ENABLING", "UPDATING")


def sse_check(want: Mapping[str, Any], have: Mapping[str, Any] | None) -> tuple[str, str]:
    """("done"|"run", note) for an SSESpecification against DescribeTable's SSEDescription.

    No SSEDescription (or status DISABLED/DISABLING) means the AWS owned key. A KMS request
    without KMSMasterKeyId (the AWS managed key) is done when KMS encryption is on with any key;
    with a key id or ARN it must name the table's key. An alias cannot be matched to the table's
    key ARN without a KMS call, so that step runs again (DynamoDB accepts the same key).
    """
    status = str((have or {}).get("Status") or "DISABLED")
    if not want.get("Enabled"):
        if status in ("DISABLED", "DISABLING"):
            return "done", "encryption already uses an AWS owned key"
        return "run", ""
    if status not in _SSE_ON or str((have or {}).get("SSEType") or "KMS") != "KMS":
        return "run", ""
    key = str(want.get("KMSMasterKeyId") or "")
    arn = str((have or {}).get("KMSMasterKeyArn") or "")
    if not key:
        return "done", "encryption already uses a KMS key"
    if key == arn or (arn and not key.startswith(("alias/", "arn:")) and arn.endswith(f":key/{key}")):
        return "done", f"encryption already uses KMS key {key}"
    return "run", ""
