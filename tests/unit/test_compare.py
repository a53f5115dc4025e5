from __future__ import annotations

import json
from dataclasses import replace

import pytest

from liftcli.dynamorm.compare import (
    RULES,
    CompareOptions,
    Finding,
    compare,
    compare_tables,
    fails,
    max_severity,
)
from liftcli.dynamorm.model import Index, KeyAttribute, Projection
from liftcli.dynamorm.spec import TableSpec, Throughput, table_spec_from_request

PK = KeyAttribute("pk", "S")
SK = KeyAttribute("sk", "S")
STATUS = Index("byStatus", "GSI", KeyAttribute("status", "S"), KeyAttribute("createdAt", "N"))
CREATED = Index("byCreated", "LSI", PK, KeyAttribute("createdAt", "N"))
DESIRED = TableSpec(
    "Orders", PK, SK, gsis=(STATUS,), lsis=(CREATED,), ttl_enabled=True, ttl_attribute="expiresAt"
)
# What introspection of a matching on-demand table gives: every setting observed.
ACTUAL = replace(
    DESIRED,
    billing_mode="PAY_PER_REQUEST",
    stream_enabled=False,
    pitr=False,
    deletion_protection=False,
    table_class="STANDARD",
    sse="DEFAULT",
    status="ACTIVE",
    index_status=(("byStatus", "ACTIVE"),),
    item_count=3,
)


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def test_a_matching_table_has_no_findings() -> None:
    assert compare(DESIRED, ACTUAL) == []


def test_model_defaults_leave_unspecified_settings_unchecked() -> None:
    # DESIRED says nothing about streams, PITR, SSE, deletion protection, table class.
    actual = replace(ACTUAL, stream_enabled=True, stream_view="KEYS_ONLY", pitr=True, sse="KMS")
    assert compare(DESIRED, actual) == []


def test_unobservable_actual_settings_are_never_drift() -> None:
    desired = replace(DESIRED, billing_mode="PROVISIONED", pitr=True, sse="KMS", stream_enabled=True)
    local = replace(ACTUAL, billing_mode=None, pitr=None, sse=None, stream_enabled=None, ttl_enabled=None)
    assert compare(desired, local) == []


def test_missing_and_unmanaged_tables() -> None:
    [missing] = compare(DESIRED, None)
    assert (missing.rule, missing.severity, missing.table) == ("DM-T001", "error", "Orders")
    [unmanaged] = compare(None, ACTUAL)
    assert (unmanaged.rule, unmanaged.severity) == ("DM-T002", "info")
    assert compare(None, None) == []


def test_table_not_active_is_a_warning() -> None:
    [f] = compare(DESIRED, replace(ACTUAL, status="UPDATING"))
    assert (f.rule, f.severity, f.expected, f.actual) == ("DM-T003", "warning", "ACTIVE", "UPDATING")


@pytest.mark.parametrize(
    ("actual", "rule", "expected", "found"),
    [
        (
            replace(ACTUAL, partition=KeyAttribute("id", "S")),
            "DM-K001",
            {"name": "pk", "type": "S"},
            {"name": "id", "type": "S"},
        ),
        (
            replace(ACTUAL, partition=KeyAttribute("pk", "N")),
            "DM-K002",
            {"name": "pk", "type": "S"},
            {"name": "pk", "type": "N"},
        ),
        (replace(ACTUAL, sort=None), "DM-K003", {"name": "sk", "type": "S"}, None),
        (
            replace(ACTUAL, sort=KeyAttribute("sk", "B")),
            "DM-K004",
            {"name": "sk", "type": "S"},
            {"name": "sk", "type": "B"},
        ),
    ],
)
def test_key_schema_findings_are_errors_with_values(
    actual: TableSpec, rule: str, expected: object, found: object
) -> None:
    findings = [f for f in compare(DESIRED, actual) if f.rule.startswith("DM-K")]
    assert len(findings) == 1
    assert (findings[0].rule, findings[0].severity) == (rule, "error")
    assert (findings[0].expected, findings[0].actual) == (expected, found)
    assert "replace the table" in findings[0].hint


def test_gsi_missing() -> None:
    [f] = compare(DESIRED, replace(ACTUAL, gsis=(), index_status=()))
    assert (f.rule, f.severity, f.index) == ("DM-G001", "error", "byStatus")
    assert f.expected["partition"] == {"name": "status", "type": "S"}


def test_gsi_key_type_differs() -> None:
    other = replace(STATUS, sort=KeyAttribute("createdAt", "S"))
    [f] = compare(DESIRED, replace(ACTUAL, gsis=(other,)))
    assert (f.rule, f.severity, f.index) == ("DM-G002", "error", "byStatus")
    assert f.expected["sort"] == {"name": "createdAt", "type": "N"}
    assert f.actual["sort"] == {"name": "createdAt", "type": "S"}


def test_gsi_projection_differs_is_a_warning() -> None:
    other = replace(STATUS, projection=Projection("KEYS_ONLY"))
    [f] = compare(DESIRED, replace(ACTUAL, gsis=(other,)))
    assert (f.rule, f.severity, f.expected, f.actual) == (
        "DM-G003",
        "warning",
        {"type": "ALL"},
        {"type": "KEYS_ONLY"},
    )


def test_projected_attributes_compare_as_sets() -> None:
    want = replace(STATUS, projection=Projection("INCLUDE", ("b", "a")))
    have = replace(STATUS, projection=Projection("INCLUDE", ("a", "b")))
    assert compare(replace(DESIRED, gsis=(want,)), replace(ACTUAL, gsis=(have,))) == []


def test_index_and_attribute_order_does_not_matter() -> None:
    # DynamORM builds AttributeDefinitions and GSIs from Go maps (random order).
    def request(order: list[str]) -> dict[str, object]:
        defs = {"pk": "S", "a": "S", "b": "N"}
        gsis = {"byA": "a", "byB": "b"}
        return {
            "TableName": "T",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": defs[n]} for n in order],
            "GlobalSecondaryIndexes": [
                {"IndexName": g, "KeySchema": [{"AttributeName": gsis[g], "KeyType": "HASH"}]}
                for g in (["byB", "byA"] if order[0] == "b" else ["byA", "byB"])
            ],
        }

    first = table_spec_from_request(request(["pk", "a", "b"]))
    second = table_spec_from_request(request(["b", "a", "pk"]))
    assert compare(first, second) == []


def test_extra_gsi_is_a_warning() -> None:
    extra = Index("legacy", "GSI", KeyAttribute("x", "S"))
    [f] = compare(DESIRED, replace(ACTUAL, gsis=(STATUS, extra)))
    assert (f.rule, f.severity, f.index, f.expected) == ("DM-G004", "warning", "legacy", None)


def test_gsi_still_building_is_a_warning() -> None:
    [f] = compare(DESIRED, replace(ACTUAL, index_status=(("byStatus", "CREATING"),)))
    assert (f.rule, f.severity, f.actual) == ("DM-G005", "warning", "CREATING")


def test_gsi_left_under_a_versioned_name_after_a_replace() -> None:
    moved = replace(STATUS, name="byStatus-v2")
    [f] = compare(DESIRED, replace(ACTUAL, gsis=(moved,), index_status=()))
    assert (f.rule, f.severity, f.expected, f.actual) == ("DM-G006", "error", "byStatus", "byStatus-v2")


def test_versioned_gsi_with_another_definition_is_missing_plus_extra() -> None:
    moved = replace(STATUS, name="byStatus-v2", projection=Projection("KEYS_ONLY"))
    assert rules(compare(DESIRED, replace(ACTUAL, gsis=(moved,), index_status=()))) == [
        "DM-G001",
        "DM-G004",
    ]


@pytest.mark.parametrize(
    ("lsis", "expected_rules"),
    [
        ((), ["DM-L001"]),
        ((replace(CREATED, sort=KeyAttribute("updatedAt", "N")),), ["DM-L002"]),
        ((replace(CREATED, projection=Projection("KEYS_ONLY")),), ["DM-L003"]),
        ((CREATED, Index("byOther", "LSI", PK, KeyAttribute("o", "S"))), ["DM-L004"]),
    ],
)
def test_lsi_findings(lsis: tuple[Index, ...], expected_rules: list[str]) -> None:
    found = compare(DESIRED, replace(ACTUAL, lsis=lsis))
    assert [f.rule for f in found] == expected_rules
    assert all(f.severity == RULES[f.rule].severity for f in found)


@pytest.mark.parametrize(
    ("actual", "rule", "severity", "expected", "found"),
    [
        (replace(ACTUAL, ttl_enabled=False, ttl_attribute=None), "DM-S001", "warning", "expiresAt", None),
        (replace(ACTUAL, ttl_attribute="ttl"), "DM-S002", "warning", "expiresAt", "ttl"),
    ],
)
def test_ttl_findings(actual: TableSpec, rule: str, severity: str, expected: object, found: object) -> None:
    [f] = compare(DESIRED, actual)
    assert (f.rule, f.severity, f.expected, f.actual, f.setting) == (rule, severity, expected, found, "ttl")


def test_ttl_enabled_without_a_model_ttl_attribute_is_info() -> None:
    desired = replace(DESIRED, ttl_enabled=False, ttl_attribute=None)
    [f] = compare(desired, ACTUAL)
    assert (f.rule, f.severity, f.actual) == ("DM-S003", "info", "expiresAt")


@pytest.mark.parametrize(
    ("change", "rule", "expected", "found"),
    [
        ({"billing_mode": "PROVISIONED"}, "DM-S010", "PROVISIONED", "PAY_PER_REQUEST"),
        ({"stream_enabled": True}, "DM-S020", True, False),
        ({"pitr": True}, "DM-S030", True, False),
        ({"sse": "KMS"}, "DM-S040", "KMS", "DEFAULT"),
        ({"deletion_protection": True}, "DM-S050", True, False),
        ({"table_class": "STANDARD_INFREQUENT_ACCESS"}, "DM-S060", "STANDARD_INFREQUENT_ACCESS", "STANDARD"),
    ],
)
def test_settings_differences_are_info(
    change: dict[str, object], rule: str, expected: object, found: object
) -> None:
    [f] = compare(replace(DESIRED, **change), ACTUAL)  # type: ignore[arg-type]
    assert (f.rule, f.severity, f.expected, f.actual) == (rule, "info", expected, found)


def test_throughput_and_stream_view() -> None:
    desired = replace(DESIRED, billing_mode="PROVISIONED", throughput=Throughput(5, 5))
    actual = replace(ACTUAL, billing_mode="PROVISIONED", throughput=Throughput(1, 1))
    [f] = compare(desired, actual)
    assert (f.rule, f.expected, f.actual) == ("DM-S011", {"read": 5, "write": 5}, {"read": 1, "write": 1})
    desired = replace(DESIRED, stream_enabled=True, stream_view="NEW_IMAGE")
    [f] = compare(desired, replace(ACTUAL, stream_enabled=True, stream_view="KEYS_ONLY"))
    assert (f.rule, f.expected, f.actual) == ("DM-S021", "NEW_IMAGE", "KEYS_ONLY")


def test_findings_are_sorted_and_json_able() -> None:
    actual = replace(ACTUAL, partition=KeyAttribute("pk", "N"), gsis=(), lsis=(), ttl_enabled=False)
    found = compare(DESIRED, actual)
    # Table-level findings first, then per index (by name), each by rule id.
    assert rules(found) == ["DM-K002", "DM-S001", "DM-L001", "DM-G001"]
    text = json.dumps([f.to_dict() for f in found])
    assert '"rule": "DM-K002"' in text
    assert all(f.hint for f in found)


# --------------------------------------------------------------------------------------------
# Ignore options
# --------------------------------------------------------------------------------------------

DRIFTED = replace(
    ACTUAL,
    gsis=(STATUS, Index("legacy", "GSI", KeyAttribute("x", "S"))),
    billing_mode="PROVISIONED",
    ttl_enabled=False,
    ttl_attribute=None,
)


def test_drifted_table_without_options() -> None:
    assert rules(compare(DESIRED, DRIFTED)) == ["DM-S001", "DM-S010", "DM-G004"]


@pytest.mark.parametrize(
    ("options", "remaining"),
    [
        (CompareOptions(ignore_tables=("Ord*",)), []),
        (CompareOptions(ignore_tables=("Users",)), ["DM-S001", "DM-S010", "DM-G004"]),
        (CompareOptions(ignore_indexes=("leg*",)), ["DM-S001", "DM-S010"]),
        (CompareOptions(ignore_indexes=("Orders/legacy",)), ["DM-S001", "DM-S010"]),
        (CompareOptions(ignore_indexes=("Users/legacy",)), ["DM-S001", "DM-S010", "DM-G004"]),
        (CompareOptions(ignore_settings=("billing", "ttl")), ["DM-G004"]),
        (CompareOptions(ignore_rules=("DM-S*",)), ["DM-G004"]),
        (CompareOptions(ignore_rules=("DM-G004",)), ["DM-S001", "DM-S010"]),
    ],
)
def test_ignore_options(options: CompareOptions, remaining: list[str]) -> None:
    assert rules(compare(DESIRED, DRIFTED, options=options)) == remaining


# --------------------------------------------------------------------------------------------
# Many tables
# --------------------------------------------------------------------------------------------


def test_compare_tables_skips_unmanaged_tables_unless_asked() -> None:
    users = TableSpec("Users", KeyAttribute("id", "S"))
    desired = {"Orders": DESIRED}
    actual = {"Orders": ACTUAL, "Users": users}
    assert compare_tables(desired, actual) == []
    [f] = compare_tables(desired, actual, options=CompareOptions(include_unmanaged=True))
    assert (f.rule, f.table) == ("DM-T002", "Users")


def test_compare_tables_sorts_by_table() -> None:
    users = TableSpec("Users", KeyAttribute("id", "S"), ttl_enabled=False)
    desired = {"Users": users, "Orders": DESIRED}
    found = compare_tables(desired, {"Orders": None, "Users": None})
    assert [(f.table, f.rule) for f in found] == [("Orders", "DM-T001"), ("Users", "DM-T001")]


def test_compare_tables_recognises_a_replaced_table() -> None:
    replacement = replace(ACTUAL, name="Orders-v2")
    found = compare_tables({"Orders": DESIRED}, {"Orders": None, "Orders-v2": replacement})
    assert [(f.rule, f.expected, f.actual) for f in found] == [("DM-T004", "Orders", "Orders-v2")]
    # Not when the versioned table does not meet the model.
    wrong = replace(replacement, partition=KeyAttribute("pk", "N"))
    found = compare_tables({"Orders": DESIRED}, {"Orders": None, "Orders-v2": wrong})
    assert rules(found) == ["DM-T001"]


def test_severity_helpers() -> None:
    found = compare(DESIRED, DRIFTED)
    assert max_severity(found) == "warning"
    assert max_severity([]) is None
    assert fails(found, "warning") is True
    assert fails(found, "error") is False
    assert fails(found, "info") is True
    assert fails(found, "never") is False


def test_rule_table_is_consistent() -> None:
    assert all(rule_id == rule.id for rule_id, rule in RULES.items())
    hard = {r for r, rule in RULES.items() if rule.severity == "error"}
    # dynamodb-facts §5.6 items 1-5 are the hard requirements.
    assert {
        "DM-T001",
        "DM-K001",
        "DM-K002",
        "DM-K003",
        "DM-K004",
        "DM-G001",
        "DM-G002",
        "DM-L001",
        "DM-L002",
    } <= hard
    assert all(
        rule.severity == "info" for r, rule in RULES.items() if r.startswith("DM-S0") and r >= "DM-S010"
    )
