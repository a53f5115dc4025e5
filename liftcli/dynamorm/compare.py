"""Drift detection: desired TableSpec vs actual TableSpec -> findings with stable rule ids.

This is the single place where differences are detected. ``validate`` reports the findings;
``diff`` (diff.py) maps the same findings to ops, so ignore rules apply to both alike.

Semantics (spec.py): ``None`` in a setting means "not specified" (desired) or "not
observable" (actual, e.g. PITR on DynamoDB Local) and is never a difference. Lists are
compared as sets (dynamorm-facts.md §5.6 item 11): index tuples are sorted by TableSpec itself.
Severities follow the "deployed table matches model" checklist (dynamorm-facts.md §5.6): hard
requirements (items 1-5) are errors, projection/extra indexes/TTL (6-8) warnings, billing,
streams, SSE, PITR, deletion protection and table class (9) info.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal

from liftcli.dynamorm.model import Index, KeyAttribute, Severity
from liftcli.dynamorm.ops import (
    index_to_dict,
    key_text,
    key_to_dict,
    normal_index,
    projection_to_dict,
    throughput_to_dict,
    version_family,
)
from liftcli.dynamorm.spec import TableSpec

Setting = Literal["billing", "stream", "pitr", "ttl", "deletion_protection", "table_class", "sse"]
SETTINGS: tuple[str, ...] = ("billing", "deletion_protection", "pitr", "sse", "stream", "table_class", "ttl")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    hint: str
    setting: str | None = None  # the ignore.settings name that silences it


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.id: r for r in rules}


#: Stable drift rule ids. Never renumber: users put them in ignore lists.
RULES: dict[str, Rule] = _rules(
    Rule("DM-T001", "error", "table missing", "Create it: lift dynamorm generate-migration."),
    Rule("DM-T002", "info", "table not claimed by any model", "Add a model or ignore the table."),
    Rule("DM-T003", "warning", "table not ACTIVE", "Wait for the running operation to finish."),
    Rule(
        "DM-T004",
        "error",
        "table deployed under a versioned name",
        "Point the model's table name at the replacement (e.g. its TABLE_NAME variable).",
    ),
    Rule("DM-K001", "error", "partition key name differs", "Key schema is creation-only: replace the table."),
    Rule("DM-K002", "error", "partition key type differs", "Key schema is creation-only: replace the table."),
    Rule("DM-K003", "error", "sort key differs", "Key schema is creation-only: replace the table."),
    Rule("DM-K004", "error", "sort key type differs", "Key schema is creation-only: replace the table."),
    Rule("DM-G001", "error", "GSI missing", "Create the GSI (one per UpdateTable call)."),
    Rule("DM-G002", "error", "GSI key schema differs", "Replace the GSI under a new name; readers switch."),
    Rule("DM-G003", "warning", "GSI projection differs", "Replace the GSI under a new name; readers switch."),
    Rule("DM-G004", "warning", "extra GSI", "Declare it in the model, delete it, or ignore it."),
    Rule("DM-G005", "warning", "GSI not ACTIVE", "Wait until the index has finished building."),
    Rule(
        "DM-G006",
        "error",
        "GSI deployed under a versioned name",
        "Rename the index in the model to the deployed name; readers must use it.",
    ),
    Rule("DM-L001", "error", "LSI missing", "LSIs are creation-only: replace the table."),
    Rule("DM-L002", "error", "LSI key schema differs", "LSIs are creation-only: replace the table."),
    Rule("DM-L003", "warning", "LSI projection differs", "LSIs are creation-only: replace the table."),
    Rule("DM-L004", "warning", "extra LSI", "LSIs are creation-only: declare it in the model or ignore it."),
    Rule("DM-S001", "warning", "TTL not enabled", "Enable TTL on the model's ttl attribute.", "ttl"),
    Rule(
        "DM-S002",
        "warning",
        "TTL on a different attribute",
        "Disable, wait 1 h, enable on the right one.",
        "ttl",
    ),
    Rule(
        "DM-S003", "info", "TTL enabled but the model has no ttl attribute", "Declare or disable it.", "ttl"
    ),
    Rule("DM-S010", "info", "billing mode differs", "Switch billing mode (rate-limited).", "billing"),
    Rule("DM-S011", "info", "provisioned throughput differs", "Update provisioned throughput.", "billing"),
    Rule("DM-S020", "info", "stream enabled/disabled differs", "Enable or disable the stream.", "stream"),
    Rule(
        "DM-S021",
        "info",
        "stream view type differs",
        "Disable and re-enable: the stream ARN changes.",
        "stream",
    ),
    Rule("DM-S030", "info", "point-in-time recovery differs", "Update continuous backups.", "pitr"),
    Rule("DM-S040", "info", "server-side encryption differs", "Update SSE (alone in its call).", "sse"),
    Rule(
        "DM-S050",
        "info",
        "deletion protection differs",
        "Update deletion protection.",
        "deletion_protection",
    ),
    Rule(
        "DM-S060", "info", "table class differs", "Update table class (2 changes per 30 days).", "table_class"
    ),
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One difference between a desired and a deployed table."""

    rule: str
    severity: Severity
    table: str
    message: str
    expected: Any = None  # JSON-able
    actual: Any = None  # JSON-able
    hint: str = ""
    index: str | None = None
    setting: str | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.table, self.index or "", self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "table": self.table,
            "index": self.index,
            "setting": self.setting,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class CompareOptions:
    """What not to report (mirrors ``validate.ignore`` in lift.yaml).

    ``ignore_indexes`` entries are index-name globs, or ``TABLE/INDEX`` globs; ``ignore_rules``
    entries are rule-id globs (``DM-S*``); ``ignore_settings`` names come from SETTINGS.
    """

    ignore_tables: tuple[str, ...] = ()
    ignore_indexes: tuple[str, ...] = ()
    ignore_settings: tuple[str, ...] = ()
    ignore_rules: tuple[str, ...] = ()
    include_unmanaged: bool = False

    def table_ignored(self, table: str) -> bool:
        return any(fnmatchcase(table, pattern) for pattern in self.ignore_tables)

    def index_ignored(self, table: str, index: str) -> bool:
        for pattern in self.ignore_indexes:
            subject = f"{table}/{index}" if "/" in pattern else index
            if fnmatchcase(subject, pattern):
                return True
        return False

    def suppresses(self, finding: Finding) -> bool:
        if self.table_ignored(finding.table):
            return True
        if finding.index is not None and self.index_ignored(finding.table, finding.index):
            return True
        if finding.setting is not None and finding.setting in self.ignore_settings:
            return True
        return any(fnmatchcase(finding.rule, pattern) for pattern in self.ignore_rules)


def finding(
    rule_id: str,
    table: str,
    message: str,
    *,
    expected: Any = None,
    actual: Any = None,
    index: str | None = None,
) -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        table=table,
        message=message,
        expected=expected,
        actual=actual,
        hint=rule.hint,
        index=index,
        setting=rule.setting,
    )


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def compare(
    desired: TableSpec | None, actual: TableSpec | None, *, options: CompareOptions | None = None
) -> list[Finding]:
    """Findings for one table, sorted; ``None`` on either side means "no such table"."""
    options = options or CompareOptions()
    found = _raw_findings(desired, actual)
    return sorted((f for f in found if not options.suppresses(f)), key=Finding.sort_key)


def compare_tables(
    desired: Mapping[str, TableSpec],
    actual: Mapping[str, TableSpec | None],
    *,
    options: CompareOptions | None = None,
) -> list[Finding]:
    """Findings for every table named on either side, sorted by table then rule.

    Tables only on the actual side are reported (DM-T002, info) only with
    ``include_unmanaged``: a DynamoDB account is often shared. A desired table whose name is
    missing but whose versioned replacement (``<name>-v2`` from a table replace) matches is
    DM-T004, not DM-T001.
    """
    options = options or CompareOptions()
    moved = replaced_tables(desired, actual)
    out: list[Finding] = []
    for name in sorted(set(desired) | set(actual)):
        want, have = desired.get(name), actual.get(name)
        if name in moved:
            out.append(_moved_table_finding(name, moved[name]))
        elif want is not None or (options.include_unmanaged and name not in moved.values()):
            out.extend(compare(want, have, options=options))
    return sorted((f for f in out if not options.suppresses(f)), key=Finding.sort_key)


def max_severity(findings: Iterable[Finding]) -> Severity | None:
    worst: Severity | None = None
    for f in findings:
        if worst is None or SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]:
            worst = f.severity
    return worst


def fails(findings: Iterable[Finding], fail_on: str) -> bool:
    """True when some finding is at or above ``fail_on`` (error | warning | info | never)."""
    if fail_on == "never":
        return False
    threshold = SEVERITY_RANK[fail_on]
    return any(SEVERITY_RANK[f.severity] >= threshold for f in findings)


# --------------------------------------------------------------------------------------------
# Comparators (each returns unfiltered findings)
# --------------------------------------------------------------------------------------------


def _raw_findings(desired: TableSpec | None, actual: TableSpec | None) -> list[Finding]:
    if desired is None and actual is None:
        return []
    if actual is None:
        assert desired is not None
        return [finding("DM-T001", desired.name, f"table {desired.name} does not exist")]
    if desired is None:
        return [finding("DM-T002", actual.name, f"table {actual.name} is not claimed by any model")]
    name = desired.name
    out: list[Finding] = []
    for comparator in _COMPARATORS:
        out.extend(comparator(name, desired, actual))
    return out


def _status(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    if actual.status in (None, "ACTIVE"):
        return []
    return [finding("DM-T003", table, f"table is {actual.status}", expected="ACTIVE", actual=actual.status)]


def untyped_keys(spec: TableSpec) -> frozenset[str]:
    """Key attributes whose type the endpoint did not report (introspect.py ``untyped_keys``)."""
    return frozenset(dict(spec.extra).get("untyped_keys") or ())


def _same_key(want: KeyAttribute | None, have: KeyAttribute | None, untyped: frozenset[str]) -> bool:
    if want is None or have is None:
        return want is have
    return want.name == have.name and (want.type == have.type or have.name in untyped)


def _keys(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    out: list[Finding] = []
    untyped = untyped_keys(actual)
    want, have = desired.partition, actual.partition
    if want.name != have.name:
        out.append(_key_finding("DM-K001", table, "partition key", want, have))
    elif not _same_key(want, have, untyped):
        out.append(_key_finding("DM-K002", table, "partition key type", want, have))
    ws, hs = desired.sort, actual.sort
    if (ws is None) != (hs is None) or (ws and hs and ws.name != hs.name):
        out.append(_key_finding("DM-K003", table, "sort key", ws, hs))
    elif not _same_key(ws, hs, untyped):
        out.append(_key_finding("DM-K004", table, "sort key type", ws, hs))
    return out


def _key_finding(rule: str, table: str, what: str, want: Any, have: Any) -> Finding:
    return finding(
        rule,
        table,
        f"{what}: expected {key_text(want)}, found {key_text(have)}",
        expected=key_to_dict(want),
        actual=key_to_dict(have),
    )


def _index_keys(index: Index) -> dict[str, Any]:
    return {"partition": key_to_dict(index.partition), "sort": key_to_dict(index.sort)}


def _same_keys(want: Index, have: Index, untyped: frozenset[str] = frozenset()) -> bool:
    return _same_key(want.partition, have.partition, untyped) and _same_key(want.sort, have.sort, untyped)


def same_projection(a: Index, b: Index) -> bool:
    """Projections compare with their attribute lists as sets."""
    return normal_index(a).projection == normal_index(b).projection


def same_definition(want: Index, have: Index, untyped: frozenset[str] = frozenset()) -> bool:
    """Same keys (names and types) and projection; the name is not compared."""
    return _same_keys(want, have, untyped) and same_projection(want, have)


def versioned_match(
    want: Index, candidates: Iterable[Index], wanted: set[str], untyped: frozenset[str] = frozenset()
) -> Index | None:
    """A ``<name>-vN`` index with ``want``'s definition (left behind by a GSI replace), if any.

    Indexes the model declares by name (``wanted``) are never taken for another one.
    """
    for idx in sorted(candidates, key=lambda i: i.name):
        if idx.name in wanted or version_family(idx.name) != version_family(want.name):
            continue
        if same_definition(want, idx, untyped):
            return idx
    return None


def _index_status(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    wanted = {g.name for g in desired.gsis}
    return [
        finding("DM-G005", table, f"GSI {name} is {status}", expected="ACTIVE", actual=status, index=name)
        for name, status in actual.index_status
        if status != "ACTIVE" and name in wanted
    ]


def _gsis(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    rules = ("DM-G001", "DM-G002", "DM-G003", "DM-G004")
    return _indexes(table, desired.gsis, actual.gsis, rules, untyped_keys(actual))


def _lsis(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    rules = ("DM-L001", "DM-L002", "DM-L003", "DM-L004")
    return _indexes(table, desired.lsis, actual.lsis, rules, untyped_keys(actual))


def _indexes(
    table: str,
    wanted: tuple[Index, ...],
    present: tuple[Index, ...],
    rules: tuple[str, str, str, str],
    untyped: frozenset[str],
) -> list[Finding]:
    missing, keys_differ, projection_differs, extra = rules
    have = {i.name: i for i in present}
    wanted_names = {w.name for w in wanted}
    claimed: set[str] = set()
    out: list[Finding] = []
    for want in wanted:
        got = have.get(want.name)
        if got is None:
            moved = versioned_match(want, present, wanted_names, untyped) if want.kind == "GSI" else None
            if moved is not None:
                claimed.add(moved.name)
                out.append(_moved_index_finding(table, want, moved))
            else:
                out.append(_index_missing(missing, table, want))
            continue
        if not _same_keys(want, got, untyped):
            out.append(
                finding(
                    keys_differ,
                    table,
                    f"{want.kind} {want.name}: key schema differs",
                    expected=_index_keys(want),
                    actual=_index_keys(got),
                    index=want.name,
                )
            )
        if not same_projection(want, got):
            out.append(
                finding(
                    projection_differs,
                    table,
                    f"{want.kind} {want.name}: projection differs",
                    expected=projection_to_dict(want.projection),
                    actual=projection_to_dict(got.projection),
                    index=want.name,
                )
            )
    for got in present:
        if got.name not in wanted_names and got.name not in claimed:
            out.append(
                finding(
                    extra,
                    table,
                    f"{got.kind} {got.name} exists but no model declares it",
                    actual=index_to_dict(got),
                    index=got.name,
                )
            )
    return out


def _index_missing(rule: str, table: str, want: Index) -> Finding:
    return finding(
        rule, table, f"{want.kind} {want.name} does not exist", expected=index_to_dict(want), index=want.name
    )


def _moved_index_finding(table: str, want: Index, moved: Index) -> Finding:
    return finding(
        "DM-G006",
        table,
        f"GSI {want.name} is deployed as {moved.name} (after a replace); queries on {want.name} fail",
        expected=want.name,
        actual=moved.name,
        index=want.name,
    )


def _ttl(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    # DynamORM never enables TTL itself (dynamorm-facts.md §0 rule 11), so a model with a ttl
    # attribute on a table without TTL silently keeps expired items forever.
    if desired.ttl_enabled is None or actual.ttl_enabled is None:
        return []
    if desired.ttl_enabled and desired.ttl_attribute:
        if not actual.ttl_enabled:
            return [
                finding(
                    "DM-S001",
                    table,
                    f"TTL is not enabled (model ttl attribute: {desired.ttl_attribute})",
                    expected=desired.ttl_attribute,
                    actual=None,
                )
            ]
        if actual.ttl_attribute != desired.ttl_attribute:
            return [
                finding(
                    "DM-S002",
                    table,
                    f"TTL is enabled on {actual.ttl_attribute}, the model uses {desired.ttl_attribute}",
                    expected=desired.ttl_attribute,
                    actual=actual.ttl_attribute,
                )
            ]
        return []
    if not desired.ttl_enabled and actual.ttl_enabled:
        return [
            finding(
                "DM-S003",
                table,
                f"TTL is enabled on {actual.ttl_attribute} but the model has no ttl attribute",
                expected=None,
                actual=actual.ttl_attribute,
            )
        ]
    return []


def _billing(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    if desired.billing_mode is None or actual.billing_mode is None:
        return []
    if desired.billing_mode != actual.billing_mode:
        return [
            finding(
                "DM-S010",
                table,
                f"billing mode is {actual.billing_mode}, expected {desired.billing_mode}",
                expected=desired.billing_mode,
                actual=actual.billing_mode,
            )
        ]
    if (
        desired.billing_mode == "PROVISIONED"
        and desired.throughput is not None
        and actual.throughput is not None
        and desired.throughput != actual.throughput
    ):
        return [
            finding(
                "DM-S011",
                table,
                "provisioned throughput differs",
                expected=throughput_to_dict(desired.throughput),
                actual=throughput_to_dict(actual.throughput),
            )
        ]
    return []


def _stream(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
    if desired.stream_enabled is None or actual.stream_enabled is None:
        return []
    if desired.stream_enabled != actual.stream_enabled:
        return [
            finding(
                "DM-S020",
                table,
                "stream is " + ("disabled" if desired.stream_enabled else "enabled"),
                expected=desired.stream_enabled,
                actual=actual.stream_enabled,
            )
        ]
    if desired.stream_enabled and desired.stream_view and desired.stream_view != actual.stream_view:
        return [
            finding(
                "DM-S021",
                table,
                f"stream view type is {actual.stream_view}, expected {desired.stream_view}",
                expected=desired.stream_view,
                actual=actual.stream_view,
            )
        ]
    return []


def _simple(rule: str, attr: str, label: str) -> Callable[[str, TableSpec, TableSpec], list[Finding]]:
    def comparator(table: str, desired: TableSpec, actual: TableSpec) -> list[Finding]:
        want, have = getattr(desired, attr), getattr(actual, attr)
        if want is None or have is None or want == have:
            return []
        return [finding(rule, table, f"{label} is {have}, expected {want}", expected=want, actual=have)]

    return comparator


_COMPARATORS: tuple[Callable[[str, TableSpec, TableSpec], list[Finding]], ...] = (
    _status,
    _keys,
    _index_status,
    _gsis,
    _lsis,
    _ttl,
    _billing,
    _stream,
    _simple("DM-S030", "pitr", "point-in-time recovery"),
    _simple("DM-S040", "sse", "server-side encryption"),
    _simple("DM-S050", "deletion_protection", "deletion protection"),
    _simple("DM-S060", "table_class", "table class"),
)


# --------------------------------------------------------------------------------------------
# Replaced tables (DM-T004)
# --------------------------------------------------------------------------------------------


def replaced_tables(
    desired: Mapping[str, TableSpec], actual: Mapping[str, TableSpec | None]
) -> dict[str, str]:
    """Desired table name -> the ``<name>-vN`` table that replaced it (a ReplaceTable leftover).

    Only for desired tables that no longer exist, and only when the versioned table meets every
    hard requirement (no error-level finding) of the desired one.
    """
    out: dict[str, str] = {}
    for name in sorted(desired):
        if actual.get(name) is not None:
            continue
        for candidate in sorted(actual):
            have = actual[candidate]
            if have is None or candidate == name or version_family(candidate) != version_family(name):
                continue
            if not any(f.severity == "error" for f in _raw_findings(desired[name], have)):
                out[name] = candidate
                break
    return out


def _moved_table_finding(name: str, moved: str) -> Finding:
    return finding(
        "DM-T004",
        name,
        f"table {name} does not exist; its replacement {moved} matches the model",
        expected=name,
        actual=moved,
    )
