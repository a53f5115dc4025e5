"""Differences -> ops (``diff``) and ops -> TableSpec in memory (``apply_ops``).

``diff`` does not detect anything itself: it maps compare.py's findings to ops, so the rules
and ignore options of ``validate`` and ``generate-migration`` cannot drift apart. Invariant
(tests/unit/test_diff_roundtrip_property.py), for any pair:

    diff(desired, apply_ops(actual, diff(desired, actual))) == []
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from liftcli.dynamorm.compare import (
    CompareOptions,
    Finding,
    compare,
    replaced_tables,
)
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
    next_version_name,
    sort_ops,
)
from liftcli.dynamorm.spec import TableSpec
from liftcli.errors import MigrationError

#: Findings that force a new table: key schema and LSIs are creation-only (rules §3.2).
CREATION_ONLY_RULES = frozenset(
    {"DM-K001", "DM-K002", "DM-K003", "DM-K004", "DM-L001", "DM-L002", "DM-L003", "DM-L004"}
)
#: Findings no DynamoDB call can fix (status, or a model that has to adopt a new name).
NO_OP_RULES = frozenset({"DM-T003", "DM-T004", "DM-G005", "DM-G006"})
DEFAULT_STREAM_VIEW = "NEW_AND_OLD_IMAGES"  # what create_table_request uses when none is given


def diff(
    desired: TableSpec | None,
    actual: TableSpec | None,
    *,
    options: CompareOptions | None = None,
    taken_tables: frozenset[str] = frozenset(),
) -> list[Op]:
    """The ops that turn ``actual`` into ``desired`` (sorted; empty when nothing differs).

    ``taken_tables`` are table names a replacement table must not use.
    """
    options = options or CompareOptions()
    findings = compare(desired, actual, options=options)
    return ops_for_findings(desired, actual, findings, options=options, taken_tables=taken_tables)


def diff_tables(
    desired: Mapping[str, TableSpec],
    actual: Mapping[str, TableSpec | None],
    *,
    options: CompareOptions | None = None,
    delete_unmanaged: bool = False,
) -> list[Op]:
    """Ops for every desired table; tables no model claims are deleted only on request."""
    options = options or CompareOptions()
    moved = replaced_tables(desired, actual)
    taken = frozenset(n for n, s in actual.items() if s is not None) | frozenset(desired)
    out: list[Op] = []
    for name in sorted(set(desired) | set(actual)):
        if name in moved or options.table_ignored(name):
            continue
        want = desired.get(name)
        if want is None and (not delete_unmanaged or name in moved.values()):
            continue
        out.extend(diff(want, actual.get(name), options=options, taken_tables=taken))
    return sort_ops(out)


def ops_for_findings(
    desired: TableSpec | None,
    actual: TableSpec | None,
    findings: Sequence[Finding],
    *,
    options: CompareOptions | None = None,
    taken_tables: frozenset[str] = frozenset(),
) -> list[Op]:
    """Map findings (already filtered by ignore options) for one table to ops."""
    options = options or CompareOptions()
    rules = {f.rule for f in findings}
    if desired is not None and actual is None:
        return [CreateTable(desired)] if "DM-T001" in rules else []
    if actual is not None and desired is None:
        return [DeleteTable(actual)] if "DM-T002" in rules else []
    if desired is None or actual is None:
        return []
    if rules & CREATION_ONLY_RULES:
        # One new table carries every other change too, so nothing else is emitted.
        new = replacement_spec(desired, actual, options=options, taken=taken_tables)
        return [ReplaceTable(actual, new, tuple(sorted(rules & CREATION_ONLY_RULES)))]
    ops: dict[tuple[str, str], Op] = {}
    # Index names in use, including replacement names chosen earlier in this loop.
    taken = {i.name for i in actual.indexes} | {i.name for i in desired.indexes}
    for f in findings:
        if f.rule in NO_OP_RULES or ("replace_gsi", str(f.index)) in ops:
            continue
        op = _op_for(f, desired, actual, taken)
        ops.setdefault((op.kind, _subject(op)), op)  # S010+S011, G002+G003 give one op each
    return sort_ops(list(ops.values()))


def _subject(op: Op) -> str:
    if isinstance(op, (CreateGlobalIndex, DeleteGlobalIndex)):
        return op.index.name
    if isinstance(op, ReplaceGlobalIndex):
        return op.old_index.name
    return ""


def _op_for(f: Finding, desired: TableSpec, actual: TableSpec, taken: set[str]) -> Op:  # noqa: C901
    t = actual.name
    if f.rule == "DM-G001":
        return CreateGlobalIndex(t, _index(desired, f.index))
    if f.rule == "DM-G004":
        return DeleteGlobalIndex(t, _index(actual, f.index))
    if f.rule in ("DM-G002", "DM-G003"):
        return _replace_gsi(desired, actual, str(f.index), taken)
    if f.rule == "DM-S001":
        return EnableTtl(t, str(desired.ttl_attribute))
    if f.rule == "DM-S002":
        return ChangeTtl(t, str(actual.ttl_attribute), str(desired.ttl_attribute))
    if f.rule == "DM-S003":
        return DisableTtl(t, str(actual.ttl_attribute))
    if f.rule in ("DM-S010", "DM-S011"):
        return _billing(desired, actual)
    if f.rule in ("DM-S020", "DM-S021"):
        return _stream(desired, actual)
    if f.rule == "DM-S030":
        return UpdatePitr(t, bool(actual.pitr), bool(desired.pitr))
    if f.rule == "DM-S040":
        return UpdateSse(t, str(actual.sse), str(desired.sse))
    if f.rule == "DM-S050":
        return UpdateDeletionProtection(
            t, bool(actual.deletion_protection), bool(desired.deletion_protection)
        )
    if f.rule == "DM-S060":
        return UpdateTableClass(t, str(actual.table_class), str(desired.table_class))
    raise MigrationError(f"{t}: no operation fixes {f.rule} ({f.message})")  # pragma: no cover


def _index(spec: TableSpec, name: str | None) -> Index:
    index = spec.index(str(name))
    assert index is not None, f"{spec.name}: no index {name}"
    return index


def _replace_gsi(desired: TableSpec, actual: TableSpec, name: str, taken: set[str]) -> ReplaceGlobalIndex:
    # GSI keys/projection are immutable (rules §3.1): the replacement needs a name that is free
    # on both sides; the model then has to adopt it (DM-G006 until it does).
    new = replace(_index(desired, name), name=next_version_name(name, taken))
    taken.add(new.name)
    return ReplaceGlobalIndex(actual.name, _index(actual, name), new)


def _billing(desired: TableSpec, actual: TableSpec) -> UpdateBilling:
    assert desired.billing_mode is not None and actual.billing_mode is not None
    new_tp = desired.throughput if desired.billing_mode == "PROVISIONED" else None
    old_tp = actual.throughput if actual.billing_mode == "PROVISIONED" else None
    return UpdateBilling(actual.name, actual.billing_mode, desired.billing_mode, old_tp, new_tp)


def _stream(desired: TableSpec, actual: TableSpec) -> UpdateStream:
    new_view = (desired.stream_view or DEFAULT_STREAM_VIEW) if desired.stream_enabled else None
    old_view = actual.stream_view if actual.stream_enabled else None
    return UpdateStream(
        actual.name, bool(actual.stream_enabled), old_view, bool(desired.stream_enabled), new_view
    )


# --------------------------------------------------------------------------------------------
# The replacement table of a creation-only change
# --------------------------------------------------------------------------------------------


def replacement_spec(
    desired: TableSpec,
    actual: TableSpec,
    *,
    options: CompareOptions | None = None,
    taken: frozenset[str] = frozenset(),
) -> TableSpec:
    """The table a ReplaceTable creates: desired keys and indexes; every setting the model
    leaves open (None) or that is ignored keeps the deployed value. Two tables cannot share a
    name, so the same desired name becomes ``<name>-v2`` (rules §3.2: no rename).
    """
    options = options or CompareOptions()
    name = desired.name
    if name == actual.name:
        name = next_version_name(actual.name, set(taken) | {actual.name})
    kept = tuple(
        g for g in actual.gsis if options.index_ignored(actual.name, g.name) and desired.index(g.name) is None
    )
    merged = replace(desired, name=name, gsis=desired.gsis + kept)
    return _merge_settings(merged, actual, options)


_SETTING_GROUPS: dict[str, tuple[str, ...]] = {
    "billing": ("billing_mode", "throughput"),
    "ttl": ("ttl_enabled", "ttl_attribute"),
    "stream": ("stream_enabled", "stream_view"),
    "pitr": ("pitr",),
    "deletion_protection": ("deletion_protection",),
    "table_class": ("table_class",),
    "sse": ("sse",),
}


def _merge_settings(spec: TableSpec, actual: TableSpec, options: CompareOptions) -> TableSpec:
    changes: dict[str, object] = {}
    for setting, attrs in _SETTING_GROUPS.items():
        lead = getattr(spec, attrs[0])
        if lead is None or setting in options.ignore_settings:
            changes.update({a: getattr(actual, a) for a in attrs})
    result = replace(spec, **changes)  # type: ignore[arg-type]
    if result.billing_mode != "PROVISIONED" and result.throughput is not None:
        result = replace(result, throughput=None)
    return result


# --------------------------------------------------------------------------------------------
# In-memory apply
# --------------------------------------------------------------------------------------------


def apply_ops(spec: TableSpec | None, ops: Iterable[Op]) -> TableSpec | None:
    """What ``spec`` looks like after ``ops`` (one table; ``None`` = no table)."""
    for op in ops:
        spec = apply_op(spec, op)
    return spec


def apply_all(specs: Mapping[str, TableSpec | None], ops: Iterable[Op]) -> dict[str, TableSpec]:
    """``apply_ops`` over many tables; a replaced table ends up under its new name only."""
    out = {name: spec for name, spec in specs.items() if spec is not None}
    for op in ops:
        result = apply_op(out.get(op.table), op)
        out.pop(op.table, None)
        if result is not None:
            out[result.name] = result
    return out


def apply_op(spec: TableSpec | None, op: Op) -> TableSpec | None:  # noqa: C901 - a flat dispatch
    if isinstance(op, CreateTable):
        if spec is not None:
            raise MigrationError(f"cannot create table {op.table}: it exists")
        return op.spec
    if spec is None:
        raise MigrationError(f"cannot {op.describe()}: table {op.table} does not exist")
    if isinstance(op, DeleteTable):
        return None
    if isinstance(op, ReplaceTable):
        return op.new_spec
    if isinstance(op, CreateGlobalIndex):
        return _with_gsis(spec, spec.gsis + (op.index,))
    if isinstance(op, DeleteGlobalIndex):
        return _with_gsis(spec, _without(spec.gsis, op.index.name))
    if isinstance(op, ReplaceGlobalIndex):
        return _with_gsis(spec, _without(spec.gsis, op.old_index.name) + (op.new_index,))
    if isinstance(op, EnableTtl):
        return replace(spec, ttl_enabled=True, ttl_attribute=op.attribute)
    if isinstance(op, DisableTtl):
        return replace(spec, ttl_enabled=False, ttl_attribute=None)
    if isinstance(op, ChangeTtl):
        return replace(spec, ttl_enabled=True, ttl_attribute=op.new_attribute)
    if isinstance(op, UpdateStream):
        return replace(spec, stream_enabled=op.new_enabled, stream_view=op.new_view)  # type: ignore[arg-type]
    if isinstance(op, UpdateBilling):
        return replace(spec, billing_mode=op.new_mode, throughput=op.new_throughput)  # type: ignore[arg-type]
    if isinstance(op, UpdatePitr):
        return replace(spec, pitr=op.new)
    if isinstance(op, UpdateDeletionProtection):
        return replace(spec, deletion_protection=op.new)
    if isinstance(op, UpdateTableClass):
        return replace(spec, table_class=op.new)
    if isinstance(op, UpdateSse):
        return replace(spec, sse=op.new)
    raise MigrationError(f"unknown operation {op!r}")  # pragma: no cover


def _without(indexes: tuple[Index, ...], name: str) -> tuple[Index, ...]:
    if not any(i.name == name for i in indexes):
        raise MigrationError(f"no index {name} to remove")
    return tuple(i for i in indexes if i.name != name)


def _with_gsis(spec: TableSpec, gsis: tuple[Index, ...]) -> TableSpec:
    names = [g.name for g in gsis]
    if len(names) != len(set(names)):
        raise MigrationError(f"{spec.name}: duplicate GSI name in {sorted(names)}")
    return replace(spec, gsis=gsis)
