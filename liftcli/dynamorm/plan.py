"""Ops -> an ordered, explained plan of DynamoDB API calls that respects the control-plane rules.

Every rule cited as "rules §x" is in docs/dynamodb-rules.md (shared research notes). Per
table, steps follow Terraform's proven order (rules §3.1): GSI deletes, then billing and
throughput, table class, stream, deletion protection, GSI creates one at a time, SSE alone,
TTL, PITR; table deletes last. Tables are planned in name order. The plan is data: the apply
engine runs ``Step.calls`` and honours ``wait``, ``not_before`` and ``requires_confirmation``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from liftcli.dynamorm.compare import untyped_keys
from liftcli.dynamorm.diff import apply_op
from liftcli.dynamorm.introspect import extra_value
from liftcli.dynamorm.model import Index
from liftcli.dynamorm.ops import (
    ChangeTtl,
    CreateGlobalIndex,
    CreateTable,
    DeleteGlobalIndex,
    DeleteTable,
    DisableTtl,
    EnableTtl,
    Op,
    ReplaceGlobalIndex,
    ReplaceTable,
    UpdateBilling,
    UpdateDeletionProtection,
    UpdatePitr,
    UpdateSse,
    UpdateStream,
    UpdateTableClass,
    definition,
    op_from_dict,
)
from liftcli.dynamorm.spec import TableSpec, create_table_request
from liftcli.errors import MigrationError

StepClass = Literal["in-place", "rate-limited", "consumer-impacting", "replace", "destructive"]
DurationClass = Literal["seconds", "minutes", "up-to-1h", "needs-copy"]
WaitKind = Literal[
    "table-active", "table-gone", "index-active", "index-gone", "ttl-cooldown", "backup-available"
]
STEP_CLASSES: tuple[str, ...] = ("in-place", "rate-limited", "consumer-impacting", "replace", "destructive")
DURATIONS: tuple[str, ...] = ("seconds", "minutes", "up-to-1h", "needs-copy")

#: Plan rule ids (anchors.md §4 item 6). DDB1xx explain risky steps; DDB2xx are plan errors.
PLAN_RULES: dict[str, str] = {
    "DDB101": "table replace: new table plus data copy",
    "DDB102": "GSI replace: new index name, readers must switch",
    "DDB103": "stream ARN change: stream consumers must be re-pointed",
    "DDB104": "TTL attribute change: disable, wait at least 1 h, enable",
    "DDB105": "deletion protection turned off",
    "DDB106": "billing switch to on-demand: at most 4 per rolling 24 h",
    "DDB107": "key type change",
    "DDB108": "GSI delete: queries on the index fail",
    "DDB109": "table delete: items are lost",
    "DDB201": "too many GSIs",
    "DDB202": "too many LSIs",
    "DDB203": "too many projected INCLUDE attributes",
    "DDB204": "invalid table or index name",
    "DDB205": "PROVISIONED billing without throughput",
    "DDB206": "key attribute declared with two types",
}

# Quotas (rules §3.3).
GSI_QUOTA = 20  # default, can be raised: PlanOptions.gsi_quota
LSI_QUOTA = 5
INCLUDE_QUOTA = 100
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
TTL_COOLDOWN = timedelta(hours=1)  # rules §3.4


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One DynamoDB API call as data; ``lift:*`` operations are done by lift itself."""

    operation: str
    request: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "request": self.request}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ApiCall:
        return ApiCall(str(data["operation"]), dict(data.get("request") or {}))


@dataclass(frozen=True, slots=True)
class Wait:
    """What must be true before the next step may start."""

    kind: WaitKind
    table: str
    index: str | None = None
    seconds: int | None = None  # minimum wait (TTL cooldown)
    until: datetime | None = None  # earliest end of the wait, if known at planning time

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "table": self.table,
            "index": self.index,
            "seconds": self.seconds,
            "until": _iso(self.until),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Wait:
        return Wait(
            data["kind"], data["table"], data.get("index"), data.get("seconds"), _dt(data.get("until"))
        )


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    table: str
    title: str
    why: str
    calls: tuple[ApiCall, ...] = ()
    step_class: StepClass = "in-place"
    rules: tuple[str, ...] = ()
    duration: DurationClass = "seconds"
    reversible: bool = True
    reverse: str = ""  # the step that undoes this one, in prose
    reverse_note: str = ""
    wait: Wait | None = None
    not_before: datetime | None = None  # earliest run time (rate limits)
    requires_confirmation: bool = False  # apply refuses without an explicit flag
    manual: bool = False  # a human action (cutover): no calls

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "table": self.table,
            "title": self.title,
            "class": self.step_class,
            "duration": self.duration,
            "rules": list(self.rules),
            "why": self.why,
            "calls": [c.to_dict() for c in self.calls],
            "wait": None if self.wait is None else self.wait.to_dict(),
            "not_before": _iso(self.not_before),
            "reversible": self.reversible,
            "reverse": self.reverse,
            "reverse_note": self.reverse_note,
            "requires_confirmation": self.requires_confirmation,
            "manual": self.manual,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Step:
        wait = data.get("wait")
        return Step(
            id=str(data["id"]),
            table=str(data["table"]),
            title=str(data["title"]),
            why=str(data["why"]),
            calls=tuple(ApiCall.from_dict(c) for c in data.get("calls") or ()),
            step_class=data["class"],
            rules=tuple(data.get("rules") or ()),
            duration=data["duration"],
            reversible=bool(data["reversible"]),
            reverse=str(data.get("reverse") or ""),
            reverse_note=str(data.get("reverse_note") or ""),
            wait=None if wait is None else Wait.from_dict(wait),
            not_before=_dt(data.get("not_before")),
            requires_confirmation=bool(data.get("requires_confirmation")),
            manual=bool(data.get("manual")),
        )


@dataclass(frozen=True, slots=True)
class PlanIssue:
    severity: Literal["error", "warning"]
    rule: str
    table: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "table": self.table,
            "message": self.message,
            "hint": self.hint,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> PlanIssue:
        return PlanIssue(
            data["severity"], data["rule"], data["table"], data["message"], data.get("hint") or ""
        )


@dataclass(frozen=True, slots=True)
class Plan:
    ops: tuple[Op, ...]
    steps: tuple[Step, ...]
    issues: tuple[PlanIssue, ...] = ()

    @property
    def ok(self) -> bool:
        """False when a plan error (quota, invalid name, ...) makes the plan unusable."""
        return not any(i.severity == "error" for i in self.issues)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({r for s in self.steps for r in s.rules} | {i.rule for i in self.issues}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ops": [op.to_dict() for op in self.ops],
            "steps": [s.to_dict() for s in self.steps],
            "issues": [i.to_dict() for i in self.issues],
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Plan:
        return Plan(
            ops=tuple(op_from_dict(o) for o in data.get("ops") or ()),
            steps=tuple(Step.from_dict(s) for s in data.get("steps") or ()),
            issues=tuple(PlanIssue.from_dict(i) for i in data.get("issues") or ()),
        )


@dataclass(frozen=True, slots=True)
class PlanOptions:
    gsi_quota: int = GSI_QUOTA
    backup_before_delete: bool = True  # CreateBackup before DeleteTable / ReplaceTable


@dataclass(frozen=True, slots=True)
class _Context:
    now: datetime
    options: PlanOptions
    actual: Mapping[str, TableSpec | None]
    ttl_last_changed: Mapping[str, datetime] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def plan(
    ops: Iterable[Op],
    *,
    now: datetime,
    actual: Mapping[str, TableSpec | None] | None = None,
    ttl_last_changed: Mapping[str, datetime] | None = None,
    options: PlanOptions | None = None,
) -> Plan:
    """Order ``ops`` into executable steps.

    Args:
        now: timezone-aware clock (injected; used for cooldowns and backup names).
        actual: the deployed tables by name, for state the ops do not carry (GSIs that exist,
            TTL changes in flight, item counts).
        ttl_last_changed: when UpdateTimeToLive last ran per table (the apply engine knows).
    """
    if now.tzinfo is None:
        raise ValueError("plan(now=...) needs a timezone-aware datetime")
    ctx = _Context(now, options or PlanOptions(), actual or {}, ttl_last_changed or {})
    by_table: dict[str, list[Op]] = {}
    for op in ops:
        by_table.setdefault(op.table, []).append(op)
    ordered: list[Op] = []
    steps: list[Step] = []
    issues: list[PlanIssue] = []
    for table in sorted(by_table):
        table_ops = sorted(by_table[table], key=_order_key)
        ordered.extend(table_ops)
        table_steps, table_issues = _plan_table(table, table_ops, ctx)
        steps.extend(table_steps)
        issues.extend(table_issues)
    numbered = tuple(replace(s, id=f"{n:03d}") for n, s in enumerate(steps, start=1))
    return Plan(tuple(ordered), numbered, tuple(sorted(issues, key=lambda i: (i.table, i.rule, i.message))))


# Terraform's order (rules §3.1 "Proven ordering"): deletes first so a switch to PROVISIONED
# needs no throughput for doomed indexes; one attribute group per call.
_PHASE: dict[type, int] = {
    CreateTable: 0,
    ReplaceTable: 0,
    DeleteGlobalIndex: 1,
    UpdateBilling: 2,
    UpdateTableClass: 3,
    UpdateStream: 4,
    UpdateDeletionProtection: 5,
    CreateGlobalIndex: 6,
    ReplaceGlobalIndex: 6,
    UpdateSse: 7,
    EnableTtl: 8,
    DisableTtl: 8,
    ChangeTtl: 8,
    UpdatePitr: 9,
    DeleteTable: 10,
}


def _order_key(op: Op) -> tuple[int, str]:
    return (_PHASE[type(op)], op.describe())


def _plan_table(table: str, ops: Sequence[Op], ctx: _Context) -> tuple[list[Step], list[PlanIssue]]:
    observed = ctx.actual.get(table)
    state = None if observed is None else definition(observed)
    initial = state
    steps: list[Step] = []
    for op in ops:
        steps.extend(_BUILDERS[type(op)](op, state, ctx))
        state = _advance(state, op)
    return steps, _check(table, initial, ops, ctx)


def _advance(state: TableSpec | None, op: Op) -> TableSpec | None:
    """The table after ``op``; without a known starting state, what the op itself tells."""
    if state is None:
        if isinstance(op, (CreateTable, ReplaceTable)):
            return op.spec if isinstance(op, CreateTable) else op.new_spec
        return None
    try:
        return apply_op(state, op)
    except MigrationError:
        return state  # an op that no longer fits the observed table; _check reports quotas only


# --------------------------------------------------------------------------------------------
# Step builders, one per op type
# --------------------------------------------------------------------------------------------


def _step(table: str, title: str, why: str, **kw: Any) -> Step:
    return Step(id="", table=table, title=title, why=why, **kw)


def _update_table(table: str, **request: Any) -> ApiCall:
    return ApiCall("UpdateTable", {"TableName": table, **request})


def _create_request(spec: TableSpec) -> dict[str, Any]:
    request = create_table_request(spec)
    if spec.sse == "KMS":
        # Without KMSMasterKeyId DynamoDB uses the AWS managed key (aws/dynamodb).
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"}
    return request


def _build_create_table(op: CreateTable, state: TableSpec | None, ctx: _Context) -> list[Step]:
    spec = op.spec
    has_indexes = bool(spec.gsis or spec.lsis)
    steps = [
        _step(
            spec.name,
            f"create table {spec.name}",
            "The table does not exist (DM-T001). GSIs, LSIs, stream, SSE and deletion protection go "
            "into CreateTable; LSIs can only be created here (rules §3.2).",
            calls=(ApiCall("CreateTable", _create_request(spec)),),
            duration="minutes" if has_indexes else "seconds",
            reverse=f"delete table {spec.name} (still empty)",
            wait=Wait("table-active", spec.name),
        )
    ]
    return steps + _initial_settings(spec, ctx, rules=())


def _initial_settings(spec: TableSpec, ctx: _Context, *, rules: tuple[str, ...]) -> list[Step]:
    """TTL and PITR are separate APIs, so a new table gets them in follow-up steps."""
    steps: list[Step] = []
    if spec.ttl_enabled and spec.ttl_attribute:
        steps.extend(_build_enable_ttl(EnableTtl(spec.name, spec.ttl_attribute), spec, ctx, fresh=True))
    if spec.pitr:
        steps.extend(_build_pitr(UpdatePitr(spec.name, False, True), spec, ctx))
    return [replace(s, rules=tuple(sorted(set(s.rules) | set(rules)))) for s in steps]


def _key_type_changed(old: TableSpec, new: TableSpec) -> bool:
    pairs = [(old.partition, new.partition), (old.sort, new.sort)]
    return any(a is not None and b is not None and a.name == b.name and a.type != b.type for a, b in pairs)


def _build_replace_table(op: ReplaceTable, state: TableSpec | None, ctx: _Context) -> list[Step]:
    old, new = op.old_spec, op.new_spec
    rules = ("DDB101", "DDB107") if _key_type_changed(old, new) else ("DDB101",)
    why = (
        f"Creation-only change ({', '.join(op.reasons) or 'key schema or LSIs'}): no UpdateTable can change "
    )
    why += "the key schema or LSIs, and tables cannot be renamed (rules §3.2)."
    steps = _backup(old.name, ctx, rules)
    steps.append(
        _step(
            new.name,
            f"create replacement table {new.name}",
            why,
            calls=(ApiCall("CreateTable", _create_request(new)),),
            step_class="replace",
            rules=rules,
            duration="minutes",
            reverse=f"delete table {new.name}",
            wait=Wait("table-active", new.name),
        )
    )
    steps.extend(_initial_settings(new, ctx, rules=("DDB101",)))
    observed = ctx.actual.get(old.name)
    steps.extend(_copy_steps(old, new, None if observed is None else observed.item_count, rules))
    steps.extend(_retire_old_table(old, new, ctx))
    return steps


def _copy_steps(old: TableSpec, new: TableSpec, item_count: int | None, rules: tuple[str, ...]) -> list[Step]:
    count = "" if item_count is None else f" (about {item_count} items; DescribeTable counts lag ~6 h)"
    keys = sorted({k.name for k in new.key_attributes()} - {k.name for k in old.key_attributes()})
    transform = f" Items need the new key attribute(s) {', '.join(keys)}: supply a transform." if keys else ""
    tables = {"SourceTableName": old.name, "TargetTableName": new.name}
    return [
        _step(
            new.name,
            f"copy items {old.name} -> {new.name}{count}",
            "Scan + BatchWriteItem. Writes to the old table during the copy are not carried over: pause "
            "writers or dual-write." + transform,
            calls=(ApiCall("lift:CopyItems", {**tables, "ConsistentRead": True}),),
            step_class="replace",
            rules=rules,
            duration="needs-copy",
            reverse=f"delete the copied items from {new.name}",
        ),
        _step(
            new.name,
            f"verify copy {old.name} -> {new.name}",
            "Compare item counts and a content hash of both tables before anyone switches over.",
            calls=(ApiCall("lift:VerifyCopy", {**tables, "Checks": ["item-count", "content-hash"]}),),
            step_class="replace",
            rules=rules,
            duration="needs-copy",
            reverse="nothing to undo (read-only)",
        ),
    ]


def _retire_old_table(old: TableSpec, new: TableSpec, ctx: _Context) -> list[Step]:
    steps = [
        _step(
            old.name,
            f"cut over: point the application at {new.name}",
            f"Set the model's table name (e.g. its TABLE_NAME variable) to {new.name} and deploy. Until "
            f"then {old.name} stays the live table.",
            step_class="consumer-impacting",
            rules=("DDB101",),
            reverse=f"point the application back at {old.name}",
            requires_confirmation=True,
            manual=True,
        )
    ]
    steps.extend(_unprotect(old, ("DDB101",)))
    steps.append(_delete_table_step(old, ("DDB101", "DDB109"), backup_taken=True))
    return steps


def _backup(table: str, ctx: _Context, rules: tuple[str, ...]) -> list[Step]:
    if not ctx.options.backup_before_delete:
        return []
    name = f"{table}-lift-{ctx.now:%Y%m%d%H%M%S}"[-255:]
    return [
        _step(
            table,
            f"back up {table} as {name}",
            "On-demand backup before the table is replaced or deleted. DynamoDB Local has no backups: "
            "there the apply engine copies the table instead.",
            calls=(ApiCall("CreateBackup", {"TableName": table, "BackupName": name}),),
            rules=rules,
            duration="minutes",
            reverse=f"delete backup {name}",
            wait=Wait("backup-available", table),
        )
    ]


def _unprotect(spec: TableSpec, rules: tuple[str, ...]) -> list[Step]:
    if not spec.deletion_protection:
        return []
    return [_deletion_protection_step(spec.name, False, rules)]


def _delete_table_step(spec: TableSpec, rules: tuple[str, ...], *, backup_taken: bool) -> Step:
    restore = "restore from the backup taken above" if backup_taken else "no backup was taken by this plan"
    return _step(
        spec.name,
        f"delete table {spec.name}",
        "All items of the table are deleted; DeleteTable cannot be undone.",
        calls=(ApiCall("DeleteTable", {"TableName": spec.name}),),
        step_class="destructive",
        rules=rules,
        duration="minutes",
        reversible=False,
        reverse=f"recreate table {spec.name} and restore its items",
        reverse_note=restore,
        wait=Wait("table-gone", spec.name),
        requires_confirmation=True,
    )


def _build_delete_table(op: DeleteTable, state: TableSpec | None, ctx: _Context) -> list[Step]:
    spec = state or op.spec
    steps = _backup(spec.name, ctx, ("DDB109",))
    steps.extend(_unprotect(spec, ("DDB109",)))
    steps.append(_delete_table_step(spec, ("DDB109",), backup_taken=bool(steps)))
    return steps


def _build_delete_gsi(op: DeleteGlobalIndex, state: TableSpec | None, ctx: _Context) -> list[Step]:
    return [_delete_gsi_step(op.table, op.index.name, ("DDB108",), "No model declares this GSI (DM-G004).")]


def _delete_gsi_step(table: str, name: str, rules: tuple[str, ...], reason: str) -> Step:
    return _step(
        table,
        f"delete GSI {name} on {table}",
        f"{reason} One GSI create or delete per UpdateTable call, then wait (rules §3.1).",
        calls=(_update_table(table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}]),),
        step_class="consumer-impacting",
        rules=rules,
        duration="minutes",
        reverse=f"create GSI {name} again",
        reverse_note="recreating the index means a full backfill (minutes to hours)",
        wait=Wait("index-gone", table, name),
    )


def _create_gsi_call(table: str, index: Index, state: TableSpec | None, untyped: frozenset[str]) -> ApiCall:
    # AttributeDefinitions from key usage only (rules §3.1), and for every key of the table
    # after the change, not just the new index's: moto server replaces the table's definitions
    # with the request's (tests/fixtures/describe/moto-server-5.2.1/17_*); AWS accepts both.
    if state is None:
        state = TableSpec(name=table, partition=index.partition)
    after = replace(state, name=table, gsis=tuple(g for g in state.gsis if g.name != index.name) + (index,))
    request = create_table_request(after)
    [created] = [g for g in request["GlobalSecondaryIndexes"] if g["IndexName"] == index.name]
    own = {k.name for k in (index.partition, index.sort) if k is not None}
    return _update_table(
        table,
        # A key whose type the endpoint did not report would be sent with a guessed type.
        AttributeDefinitions=[
            d
            for d in request["AttributeDefinitions"]
            if d["AttributeName"] in own or d["AttributeName"] not in untyped
        ],
        GlobalSecondaryIndexUpdates=[{"Create": created}],
    )


def _create_gsi_step(table: str, index: Index, state: TableSpec | None, ctx: _Context, **kw: Any) -> Step:
    kw.setdefault(
        "reverse_note", "a build can be aborted only while it is backfilling, by deleting it (rules §3.1)"
    )
    return _step(
        table,
        kw.pop("title", f"create GSI {index.name} on {table}"),
        kw.pop(
            "why",
            "The model declares this GSI (DM-G001). One GSI create per UpdateTable, then wait for "
            "ACTIVE before the next (rules §3.1).",
        ),
        calls=(_create_gsi_call(table, index, state, _untyped(ctx, table)),),
        duration="minutes",
        reverse=f"delete GSI {index.name}",
        wait=Wait("index-active", table, index.name),
        **kw,
    )


def _untyped(ctx: _Context, table: str) -> frozenset[str]:
    observed = ctx.actual.get(table)
    return frozenset() if observed is None else untyped_keys(observed)


def _build_create_gsi(op: CreateGlobalIndex, state: TableSpec | None, ctx: _Context) -> list[Step]:
    return [_create_gsi_step(op.table, op.index, state, ctx)]


def _build_replace_gsi(op: ReplaceGlobalIndex, state: TableSpec | None, ctx: _Context) -> list[Step]:
    old, new, t = op.old_index.name, op.new_index.name, op.table
    immutable = "GSI keys and projection cannot be updated (rules §3.1): build a new index under a new name."
    return [
        _create_gsi_step(
            t,
            op.new_index,
            state,
            ctx,
            title=f"create GSI {new} on {t} (replaces {old})",
            why=immutable,
            step_class="replace",
            rules=("DDB102",),
        ),
        _step(
            t,
            f"switch readers from GSI {old} to {new}",
            f"Rename the index in the model to {new} and deploy the readers; queries on {old} keep working "
            "until the next step.",
            step_class="consumer-impacting",
            rules=("DDB102",),
            reverse=f"switch readers back to {old}",
            requires_confirmation=True,
            manual=True,
        ),
        _delete_gsi_step(t, old, ("DDB102", "DDB108"), f"{new} replaces it."),
    ]


def _build_billing(op: UpdateBilling, state: TableSpec | None, ctx: _Context) -> list[Step]:
    request: dict[str, Any] = {"BillingMode": op.new_mode}
    step_class: StepClass = "in-place"
    rules: tuple[str, ...] = ()
    notes = ["Billing and throughput are one attribute group in their own UpdateTable (rules §3.1)."]
    if op.new_mode == "PROVISIONED" and op.new_throughput is not None:
        throughput = {
            "ReadCapacityUnits": op.new_throughput.read,
            "WriteCapacityUnits": op.new_throughput.write,
        }
        request["ProvisionedThroughput"] = throughput
        gsis = state.gsis if state is not None else ()
        if gsis:  # on PROVISIONED every GSI needs throughput as well
            request["GlobalSecondaryIndexUpdates"] = [
                {"Update": {"IndexName": g.name, "ProvisionedThroughput": throughput}} for g in gsis
            ]
    if op.old_mode == "PROVISIONED" and op.new_mode == "PAY_PER_REQUEST":
        step_class, rules = "rate-limited", ("DDB106",)
        notes.append("At most 4 switches to on-demand per rolling 24 h (rules §3.4).")
    elif _decreases(op):
        step_class = "rate-limited"
        notes.append("Capacity decreases are limited (27 a day, per table and per GSI; rules §3.4).")
    return [
        _step(
            op.table,
            op.describe(),
            " ".join(notes),
            calls=(_update_table(op.table, **request),),
            step_class=step_class,
            rules=rules,
            duration="minutes",
            reverse=op.reverse().describe(),
            reverse_note=_billing_reverse_note(op),
            wait=Wait("table-active", op.table),
        )
    ]


def _decreases(op: UpdateBilling) -> bool:
    old, new = op.old_throughput, op.new_throughput
    return old is not None and new is not None and (new.read < old.read or new.write < old.write)


def _billing_reverse_note(op: UpdateBilling) -> str:
    if op.new_mode == "PAY_PER_REQUEST" and op.old_mode == "PROVISIONED":
        return "switching back to PROVISIONED is allowed at any time"
    if op.new_mode == "PROVISIONED" and op.old_mode == "PAY_PER_REQUEST":
        return "switching back to on-demand counts against the 4-per-24-h budget (DDB106)"
    return ""


def _build_table_class(op: UpdateTableClass, state: TableSpec | None, ctx: _Context) -> list[Step]:
    return [
        _step(
            op.table,
            op.describe(),
            "Table class changes alone in their call; at most 2 per trailing 30 days (rules §3.1, §3.4).",
            calls=(_update_table(op.table, TableClass=op.new),),
            step_class="rate-limited",
            duration="minutes",
            reverse=op.reverse().describe(),
            reverse_note="the reverse change uses the same 2-per-30-days budget",
            wait=Wait("table-active", op.table),
        )
    ]


def _stream_call(table: str, enabled: bool, view: str | None) -> ApiCall:
    spec: dict[str, Any] = {"StreamEnabled": enabled}
    if enabled:
        spec["StreamViewType"] = view or "NEW_AND_OLD_IMAGES"
    return _update_table(table, StreamSpecification=spec)


def _build_stream(op: UpdateStream, state: TableSpec | None, ctx: _Context) -> list[Step]:
    t = op.table
    consumers = "Stream consumers (Lambda event source mappings) must be re-pointed; the old stream stays "
    consumers += "readable for 24 h (rules §3.5)."
    disable = _step(
        t,
        f"disable the stream on {t}",
        consumers,
        calls=(_stream_call(t, False, None),),
        step_class="consumer-impacting",
        rules=("DDB103",),
        reverse=f"enable the stream on {t} again (with a new ARN)",
        wait=Wait("table-active", t),
    )
    if not op.new_enabled:
        return [disable]
    enable = _step(
        t,
        f"enable the stream on {t} ({op.new_view or 'NEW_AND_OLD_IMAGES'})",
        "The model wants a stream." if not op.old_enabled else consumers,
        calls=(_stream_call(t, True, op.new_view),),
        step_class="in-place" if not op.old_enabled else "consumer-impacting",
        rules=() if not op.old_enabled else ("DDB103",),
        reverse=f"disable the stream on {t}",
        wait=Wait("table-active", t),
    )
    if not op.old_enabled:
        return [enable]
    # StreamViewType cannot change in place: disable, then enable; the ARN changes (rules §3.5).
    why = f"StreamViewType {op.old_view} -> {op.new_view} cannot change in place: disable, then enable. "
    return [replace(disable, why=why + consumers), replace(enable, why=why + consumers)]


def _deletion_protection_step(table: str, enabled: bool, rules: tuple[str, ...]) -> Step:
    off = not enabled
    return _step(
        table,
        f"turn {'on' if enabled else 'off'} deletion protection on {table}",
        "DeleteTable fails while deletion protection is on, so it goes off in a separate, confirmed step "
        "(rules §3.6)."
        if off
        else "Deletion protection is its own UpdateTable call (rules §3.1).",
        calls=(_update_table(table, DeletionProtectionEnabled=enabled),),
        rules=tuple(sorted(set(rules) | ({"DDB105"} if off else set()))),
        reverse=f"turn {'on' if off else 'off'} deletion protection on {table}",
        wait=Wait("table-active", table),
        requires_confirmation=off,
    )


def _build_deletion_protection(
    op: UpdateDeletionProtection, state: TableSpec | None, ctx: _Context
) -> list[Step]:
    return [_deletion_protection_step(op.table, op.new, ())]


def _build_sse(op: UpdateSse, state: TableSpec | None, ctx: _Context) -> list[Step]:
    sse: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"} if op.new == "KMS" else {"Enabled": False}
    return [
        _step(
            op.table,
            op.describe(),
            "SSE must be the only change in its UpdateTable call; key-type switches are limited to about 8 "
            "a day (rules §3.1, §3.4). Add KMSMasterKeyId for a customer managed key.",
            calls=(_update_table(op.table, SSESpecification=sse),),
            step_class="rate-limited",
            duration="minutes",
            reverse=op.reverse().describe(),
            wait=Wait("table-active", op.table),
        )
    ]


# TTL: any further UpdateTimeToLive within an hour of a change fails (rules §3.4).


def _ttl_earliest(table: str, ctx: _Context) -> datetime | None:
    earliest = ctx.now
    last = ctx.ttl_last_changed.get(table)
    if last is not None:
        earliest = max(earliest, last + TTL_COOLDOWN)
    observed = ctx.actual.get(table)
    if observed is not None and extra_value(observed, "ttl_status") in ("ENABLING", "DISABLING"):
        earliest = max(earliest, ctx.now + TTL_COOLDOWN)  # a change is in flight right now
    return earliest if earliest > ctx.now else None


def _ttl_call(table: str, enabled: bool, attribute: str) -> ApiCall:
    return ApiCall(
        "UpdateTimeToLive",
        {"TableName": table, "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}},
    )


def _ttl_step(table: str, enabled: bool, attribute: str, **kw: Any) -> Step:
    verb = "enable" if enabled else "disable"
    kw.setdefault("reverse", f"{'disable' if enabled else 'enable'} TTL on {table} ({attribute})")
    kw.setdefault("reverse_note", "possible only an hour after this change (rules §3.4)")
    return _step(
        table,
        kw.pop("title", f"{verb} TTL on {table} ({attribute})"),
        kw.pop("why"),
        calls=(_ttl_call(table, enabled, attribute),),
        step_class="rate-limited",
        duration="up-to-1h",
        **kw,
    )


def _build_enable_ttl(
    op: EnableTtl, state: TableSpec | None, ctx: _Context, *, fresh: bool = False
) -> list[Step]:
    why = f"The model's ttl attribute is {op.attribute}; DynamORM never enables TTL itself (dynamorm-facts "
    why += "§0 rule 11), so expired items would never be deleted. UpdateTimeToLive is limited to one change "
    why += "an hour (rules §3.4)."
    return [
        _ttl_step(
            op.table, True, op.attribute, why=why, not_before=None if fresh else _ttl_earliest(op.table, ctx)
        )
    ]


def _build_disable_ttl(op: DisableTtl, state: TableSpec | None, ctx: _Context) -> list[Step]:
    why = "TTL is enabled but the model has no ttl attribute (DM-S003); items stop expiring. One TTL change "
    why += "an hour (rules §3.4)."
    return [_ttl_step(op.table, False, op.attribute, why=why, not_before=_ttl_earliest(op.table, ctx))]


def _build_change_ttl(op: ChangeTtl, state: TableSpec | None, ctx: _Context) -> list[Step]:
    t = op.table
    start = _ttl_earliest(t, ctx)
    enable_at = (start or ctx.now) + TTL_COOLDOWN
    why = f"Only one TTL attribute per table: disable {op.old_attribute}, wait at least an hour, enable "
    why += f"{op.new_attribute} (rules §3.4). Items are not expired between the two steps."
    return [
        _ttl_step(
            t,
            False,
            op.old_attribute,
            why=why,
            rules=("DDB104",),
            not_before=start,
            wait=Wait("ttl-cooldown", t, seconds=int(TTL_COOLDOWN.total_seconds()), until=enable_at),
        ),
        _ttl_step(t, True, op.new_attribute, why=why, rules=("DDB104",), not_before=enable_at),
    ]


def _build_pitr(op: UpdatePitr, state: TableSpec | None, ctx: _Context) -> list[Step]:
    call = ApiCall(
        "UpdateContinuousBackups",
        {"TableName": op.table, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": op.new}},
    )
    if op.new:
        return [
            _step(
                op.table,
                f"enable point-in-time recovery on {op.table}",
                "PITR is set through UpdateContinuousBackups, not UpdateTable (rules §3.6).",
                calls=(call,),
                reverse=f"disable point-in-time recovery on {op.table}",
            )
        ]
    return [
        _step(
            op.table,
            f"disable point-in-time recovery on {op.table}",
            "The recovery window (up to 35 days of restore points) is discarded (rules §3.6).",
            calls=(call,),
            step_class="destructive",
            reverse=f"enable point-in-time recovery on {op.table}",
            reverse_note="re-enabling starts a new, empty recovery window",
            requires_confirmation=True,
        )
    ]


_BUILDERS: dict[type, Any] = {
    CreateTable: _build_create_table,
    ReplaceTable: _build_replace_table,
    DeleteTable: _build_delete_table,
    CreateGlobalIndex: _build_create_gsi,
    DeleteGlobalIndex: _build_delete_gsi,
    ReplaceGlobalIndex: _build_replace_gsi,
    UpdateBilling: _build_billing,
    UpdateTableClass: _build_table_class,
    UpdateStream: _build_stream,
    UpdateDeletionProtection: _build_deletion_protection,
    UpdateSse: _build_sse,
    EnableTtl: _build_enable_ttl,
    DisableTtl: _build_disable_ttl,
    ChangeTtl: _build_change_ttl,
    UpdatePitr: _build_pitr,
}


# --------------------------------------------------------------------------------------------
# Preflight checks (rules §3.3)
# --------------------------------------------------------------------------------------------


def _check(table: str, initial: TableSpec | None, ops: Sequence[Op], ctx: _Context) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    final = initial
    for op in ops:
        final = _advance(final, op)
    peak = _peak_gsis(initial, ops)
    if peak > ctx.options.gsi_quota:
        issues.append(
            PlanIssue(
                "error",
                "DDB201",
                table,
                f"{peak} GSIs at the peak of the plan, quota is {ctx.options.gsi_quota}",
                "Delete a GSI first or ask AWS to raise the quota (PlanOptions.gsi_quota).",
            )
        )
    specs = [s for s in (final, *_created_specs(ops)) if s is not None]
    for spec in {s.name: s for s in specs}.values():
        issues.extend(_check_spec(spec, _replaced_indexes(ops)))
    issues.extend(_check_names(table, ops))
    issues.extend(_check_billing(table, ops))
    return issues


def _created_specs(ops: Sequence[Op]) -> list[TableSpec]:
    return [
        op.spec if isinstance(op, CreateTable) else op.new_spec
        for op in ops
        if isinstance(op, (CreateTable, ReplaceTable))
    ]


def _replaced_indexes(ops: Sequence[Op]) -> tuple[Index, ...]:
    """Old GSIs that coexist with their replacements until the end of the plan."""
    return tuple(op.old_index for op in ops if isinstance(op, ReplaceGlobalIndex))


def _peak_gsis(initial: TableSpec | None, ops: Sequence[Op]) -> int:
    count = len(initial.gsis) if initial is not None else 0
    peak = count
    for op in ops:
        if isinstance(op, (CreateTable, ReplaceTable)):
            count = len((op.spec if isinstance(op, CreateTable) else op.new_spec).gsis)
        elif isinstance(op, CreateGlobalIndex):
            count += 1
        elif isinstance(op, DeleteGlobalIndex):
            count -= 1
        elif isinstance(op, ReplaceGlobalIndex):
            peak = max(peak, count + 1)  # old and new exist together until the old is deleted
        peak = max(peak, count)
    return peak


def _check_spec(spec: TableSpec, coexisting: tuple[Index, ...]) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    if len(spec.lsis) > LSI_QUOTA:
        issues.append(
            PlanIssue("error", "DDB202", spec.name, f"{len(spec.lsis)} LSIs, the maximum is {LSI_QUOTA}")
        )
    projected = sum(
        len(i.projection.non_key_attributes)
        for i in spec.indexes + coexisting
        if i.projection.type == "INCLUDE"
    )
    if projected > INCLUDE_QUOTA:
        issues.append(
            PlanIssue(
                "error",
                "DDB203",
                spec.name,
                f"{projected} projected INCLUDE attributes across indexes, the maximum is {INCLUDE_QUOTA}",
                "The same attribute in two indexes counts twice; use ALL or KEYS_ONLY on some indexes.",
            )
        )
    types: dict[str, set[str]] = {}
    for key in [spec.partition, spec.sort] + [k for i in spec.indexes for k in (i.partition, i.sort)]:
        if key is not None:
            types.setdefault(key.name, set()).add(key.type)
    for name in sorted(n for n, t in types.items() if len(t) > 1):
        issues.append(
            PlanIssue(
                "error",
                "DDB206",
                spec.name,
                f"key attribute {name} is declared as {' and '.join(sorted(types[name]))}",
                "AttributeDefinitions holds one type per attribute: use one type in every key.",
            )
        )
    return issues


def _check_names(table: str, ops: Sequence[Op]) -> list[PlanIssue]:
    names: set[tuple[str, str]] = set()
    for op in ops:
        if isinstance(op, (CreateTable, ReplaceTable)):
            spec = op.spec if isinstance(op, CreateTable) else op.new_spec
            names.add(("table", spec.name))
            names.update(("index", i.name) for i in spec.indexes)
        elif isinstance(op, CreateGlobalIndex):
            names.add(("index", op.index.name))
        elif isinstance(op, ReplaceGlobalIndex):
            names.add(("index", op.new_index.name))
    return [
        PlanIssue(
            "error",
            "DDB204",
            table,
            f"invalid {kind} name {name!r}",
            "Names are 3-255 characters of A-Z, a-z, 0-9, '_', '-' and '.'.",
        )
        for kind, name in sorted(names)
        if not NAME_PATTERN.match(name)
    ]


def _check_billing(table: str, ops: Sequence[Op]) -> list[PlanIssue]:
    missing = [
        op
        for op in ops
        if (isinstance(op, UpdateBilling) and op.new_mode == "PROVISIONED" and op.new_throughput is None)
        or (
            isinstance(op, (CreateTable, ReplaceTable))
            and (s := op.spec if isinstance(op, CreateTable) else op.new_spec).billing_mode == "PROVISIONED"
            and s.throughput is None
        )
    ]
    return [
        PlanIssue(
            "error",
            "DDB205",
            table,
            f"{op.describe()}: PROVISIONED needs read/write capacity for the table and every GSI",
            "Declare throughput in the model or keep PAY_PER_REQUEST.",
        )
        for op in missing
    ]


# --------------------------------------------------------------------------------------------
# IaC targets: CloudFormation/CDK/SAM allow one GSI create or delete per table per deploy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deploy:
    number: int
    ops: tuple[Op, ...]


def iac_deploys(ops: Iterable[Op]) -> tuple[Deploy, ...]:
    """Split ops into successive IaC deploys (rules §3.1 "IaC engines are stricter").

    CloudFormation fails with "Cannot perform more than one GSI creation or deletion in a single
    update", so the k-th GSI change of each table goes into deploy k; everything else rides in
    deploy 1. A GSI replace is a create (deploy k) followed by a delete (deploy k+1). A new or
    replaced table is a new resource and may carry any number of GSIs.
    """
    rest: list[Op] = []
    gsi_changes: dict[str, list[Op]] = {}
    for op in sorted(ops, key=lambda o: (o.table, _order_key(o))):
        if isinstance(op, ReplaceGlobalIndex):
            gsi_changes.setdefault(op.table, []).extend(
                [CreateGlobalIndex(op.table, op.new_index), DeleteGlobalIndex(op.table, op.old_index)]
            )
        elif isinstance(op, (CreateGlobalIndex, DeleteGlobalIndex)):
            gsi_changes.setdefault(op.table, []).append(op)
        else:
            rest.append(op)
    count = max([len(c) for c in gsi_changes.values()] + [1 if rest else 0])
    deploys = []
    for k in range(count):
        stage = [c[k] for _, c in sorted(gsi_changes.items()) if k < len(c)]
        deploys.append(Deploy(k + 1, tuple((rest if k == 0 else []) + stage)))
    return tuple(deploys)


# --------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise MigrationError(f"invalid timestamp {value!r}") from exc
