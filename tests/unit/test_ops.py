from __future__ import annotations

import json

import pytest

from liftcli.dynamorm.model import Index, KeyAttribute, Projection
from liftcli.dynamorm.ops import (
    OP_TYPES,
    ChangeTtl,
    CreateGlobalIndex,
    CreateTable,
    DeleteGlobalIndex,
    DeleteTable,
    DisableTtl,
    EnableTtl,
    ReplaceGlobalIndex,
    ReplaceTable,
    UpdateBilling,
    UpdateDeletionProtection,
    UpdatePitr,
    UpdateSse,
    UpdateStream,
    UpdateTableClass,
    next_version_name,
    op_from_dict,
    table_spec_from_dict,
    table_spec_to_dict,
    version_family,
)
from liftcli.dynamorm.spec import TableSpec, Throughput
from liftcli.errors import MigrationError

PK = KeyAttribute("pk", "S")
SK = KeyAttribute("sk", "S")
BY_STATUS = Index("byStatus", "GSI", KeyAttribute("status", "S"), KeyAttribute("createdAt", "N"))
BY_STATUS_V2 = Index(
    "byStatus-v2", "GSI", KeyAttribute("status", "S"), None, Projection("INCLUDE", ("b", "a"))
)
LSI = Index("byCreated", "LSI", PK, KeyAttribute("createdAt", "N"), Projection("KEYS_ONLY"))
ORDERS = TableSpec(
    "Orders",
    PK,
    SK,
    gsis=(BY_STATUS,),
    lsis=(LSI,),
    billing_mode="PROVISIONED",
    throughput=Throughput(5, 2),
    ttl_enabled=True,
    ttl_attribute="expiresAt",
    stream_enabled=True,
    stream_view="NEW_IMAGE",
    pitr=True,
    deletion_protection=True,
    table_class="STANDARD",
    sse="KMS",
)

SAMPLE_OPS = [
    CreateTable(ORDERS),
    DeleteTable(ORDERS),
    ReplaceTable(ORDERS, ORDERS.with_name("Orders-v2"), ("DM-K002",)),
    CreateGlobalIndex("Orders", BY_STATUS),
    DeleteGlobalIndex("Orders", BY_STATUS),
    ReplaceGlobalIndex("Orders", BY_STATUS, BY_STATUS_V2),
    EnableTtl("Orders", "expiresAt"),
    DisableTtl("Orders", "expiresAt"),
    ChangeTtl("Orders", "ttl", "expiresAt"),
    UpdateStream("Orders", True, "KEYS_ONLY", True, "NEW_IMAGE"),
    UpdateBilling("Orders", "PROVISIONED", "PAY_PER_REQUEST", Throughput(5, 2), None),
    UpdatePitr("Orders", False, True),
    UpdateDeletionProtection("Orders", True, False),
    UpdateTableClass("Orders", "STANDARD", "STANDARD_INFREQUENT_ACCESS"),
    UpdateSse("Orders", "DEFAULT", "KMS"),
]


def test_the_samples_cover_every_op_type() -> None:
    assert {op.kind for op in SAMPLE_OPS} == set(OP_TYPES)


@pytest.mark.parametrize("op", SAMPLE_OPS, ids=lambda op: op.kind)
def test_reverse_of_reverse_is_the_op(op: object) -> None:
    assert op.reverse().reverse() == op  # type: ignore[attr-defined]
    assert op.reverse() != op  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (CreateTable(ORDERS), DeleteTable(ORDERS)),
        (CreateGlobalIndex("Orders", BY_STATUS), DeleteGlobalIndex("Orders", BY_STATUS)),
        (EnableTtl("Orders", "expiresAt"), DisableTtl("Orders", "expiresAt")),
        (ChangeTtl("Orders", "ttl", "expiresAt"), ChangeTtl("Orders", "expiresAt", "ttl")),
        (
            ReplaceGlobalIndex("Orders", BY_STATUS, BY_STATUS_V2),
            ReplaceGlobalIndex("Orders", BY_STATUS_V2, BY_STATUS),
        ),
        (
            UpdateStream("Orders", False, None, True, "NEW_IMAGE"),
            UpdateStream("Orders", True, "NEW_IMAGE", False, None),
        ),
        (
            UpdateBilling("Orders", "PAY_PER_REQUEST", "PROVISIONED", None, Throughput(1, 1)),
            UpdateBilling("Orders", "PROVISIONED", "PAY_PER_REQUEST", Throughput(1, 1), None),
        ),
        (UpdatePitr("Orders", False, True), UpdatePitr("Orders", True, False)),
    ],
)
def test_reverse_undoes_the_change(op: object, expected: object) -> None:
    assert op.reverse() == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize("op", SAMPLE_OPS, ids=lambda op: op.kind)
def test_to_dict_round_trips_through_json(op: object) -> None:
    data = op.to_dict()  # type: ignore[attr-defined]
    assert data["op"] == op.kind  # type: ignore[attr-defined]
    assert op_from_dict(json.loads(json.dumps(data))) == op


@pytest.mark.parametrize("op", SAMPLE_OPS, ids=lambda op: op.kind)
def test_describe_is_one_line_naming_the_table(op: object) -> None:
    text = op.describe()  # type: ignore[attr-defined]
    assert "\n" not in text
    assert "Orders" in text


def test_describe_texts() -> None:
    assert CreateGlobalIndex("Orders", BY_STATUS).describe() == (
        "create GSI byStatus on Orders (status (S) / createdAt (N), ALL)"
    )
    assert ReplaceGlobalIndex("Orders", BY_STATUS, BY_STATUS_V2).describe() == (
        "replace GSI byStatus on Orders with byStatus-v2 (status (S), INCLUDE a,b)"
    )
    assert UpdateBilling("Orders", "PROVISIONED", "PAY_PER_REQUEST", Throughput(5, 2)).describe() == (
        "billing on Orders: PROVISIONED 5/2 -> PAY_PER_REQUEST"
    )
    assert (
        UpdateDeletionProtection("Orders", True, False).describe()
        == "deletion protection on Orders: on -> off"
    )
    assert CreateTable(ORDERS).describe() == "create table Orders with 1 GSI, 1 LSI"


def test_ops_strip_observation_fields_from_specs() -> None:
    observed = TableSpec("Orders", PK, status="ACTIVE", item_count=12, index_status=(("x", "ACTIVE"),))
    op = DeleteTable(observed)
    assert op.spec.status is None and op.spec.item_count is None and op.spec.index_status == ()
    assert op_from_dict(op.to_dict()) == op


def test_replace_table_sorts_and_dedupes_reasons() -> None:
    op = ReplaceTable(ORDERS, ORDERS.with_name("Orders-v2"), ("DM-L001", "DM-K002", "DM-L001"))
    assert op.reasons == ("DM-K002", "DM-L001")
    assert op.table == "Orders"


def test_table_spec_dict_round_trip_keeps_every_definition_field() -> None:
    data = table_spec_to_dict(ORDERS)
    assert data["gsis"][0]["sort"] == {"name": "createdAt", "type": "N"}
    assert data["throughput"] == {"read": 5, "write": 2}
    assert table_spec_from_dict(data) == ORDERS


def test_projection_attributes_are_sorted_in_dicts() -> None:
    data = CreateGlobalIndex("Orders", BY_STATUS_V2).to_dict()
    assert data["index"]["projection"] == {"type": "INCLUDE", "non_key_attributes": ["a", "b"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"op": "rename_table", "table": "Orders"}, "unknown operation 'rename_table'"),
        ({"op": "enable_ttl", "table": "Orders", "attribute": "x", "colour": 1}, "unknown field(s) colour"),
        ({"op": "enable_ttl", "table": "Orders"}, "malformed"),
        ({"op": "create_gsi", "table": "Orders", "index": {"name": "x"}}, "malformed"),
    ],
)
def test_op_from_dict_rejects_bad_data(data: dict[str, object], message: str) -> None:
    with pytest.raises(MigrationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        op_from_dict(data)


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("orders", set(), "orders-v2"),
        ("orders-v2", set(), "orders-v3"),
        ("orders-v9", set(), "orders-v10"),
        ("orders", {"orders-v2", "orders-v3"}, "orders-v4"),
        ("a" * 255, set(), "a" * 252 + "-v2"),
    ],
)
def test_next_version_name(name: str, taken: set[str], expected: str) -> None:
    assert next_version_name(name, taken) == expected
    assert len(next_version_name(name, taken)) <= 255


def test_version_family() -> None:
    assert version_family("byStatus-v3") == "byStatus"
    assert version_family("byStatus") == "byStatus"
    assert version_family("v2") == "v2"
