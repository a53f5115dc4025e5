"""Import inference is a pure function of describe responses + sampled items."""

from __future__ import annotations

from typing import Any

import pytest

from liftcli.dynamorm.importer import TableSnapshot, infer_model, model_name_for_table
from liftcli.scaffold.importgen import go_source


def table(
    name: str,
    keys: list[tuple[str, str, str]],
    *,
    gsis: list[dict[str, Any]] = (),  # type: ignore[assignment]
    lsis: list[dict[str, Any]] = (),
    extra: list[tuple[str, str]] = (),
) -> dict[str, Any]:  # type: ignore[assignment]
    defs = {n: t for n, t, _ in keys} | dict(extra)
    d: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in defs.items()],
        "KeySchema": [{"AttributeName": n, "KeyType": k} for n, _, k in keys],
    }
    if gsis:
        d["GlobalSecondaryIndexes"] = list(gsis)
    if lsis:
        d["LocalSecondaryIndexes"] = list(lsis)
    return d


def gsi(name: str, pk: str, sk: str | None = None, projection: str = "ALL") -> dict[str, Any]:
    schema = [{"AttributeName": pk, "KeyType": "HASH"}] + (
        [{"AttributeName": sk, "KeyType": "RANGE"}] if sk else []
    )
    return {"IndexName": name, "KeySchema": schema, "Projection": {"ProjectionType": projection}}


@pytest.mark.parametrize(
    ("table_name", "model"),
    [
        ("Orders", "Order"),
        ("lift-orders-table", "Order"),
        ("user_profiles", "UserProfile"),
        ("companies", "Company"),
        ("status", "Status"),
        ("addresses", "Address"),
    ],
)
def test_model_names(table_name: str, model: str) -> None:
    assert model_name_for_table(table_name) == model


def test_types_sets_and_lifecycle_are_inferred() -> None:
    snapshot = TableSnapshot(
        table("orders", [("tenantID", "S", "HASH"), ("seq", "N", "RANGE")]),
        {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"},
        (
            {
                "tenantID": {"S": "t"},
                "seq": {"N": "1"},
                "createdAt": {"S": "2024-01-02T03:04:05.123456789Z"},
                "updatedAt": {"S": "2024-01-02T03:04:05+02:00"},
                "version": {"N": "4"},
                "expiresAt": {"N": "1900000000"},
                "price": {"N": "9.99"},
                "qty": {"N": "3"},
                "tags": {"SS": ["a"]},
                "codes": {"NS": ["1", "2"]},
                "paid": {"BOOL": True},
                "meta": {"M": {}},
                "lines": {"L": []},
                "note": {"S": "x"},
            },
            {"tenantID": {"S": "t"}, "seq": {"N": "2"}, "tags": {"L": [{"S": "b"}]}, "note": {"NULL": True}},
        ),
    )
    imported = infer_model(snapshot)
    fields = {f.attr: (f.name, f.go_type, ",".join(f.tag_tokens)) for f in imported.go_fields}
    assert fields["tenantID"] == ("TenantID", "string", "pk")
    assert fields["seq"] == ("Seq", "int64", "sk")
    assert fields["createdAt"] == ("CreatedAt", "time.Time", "created_at")
    assert fields["updatedAt"] == ("UpdatedAt", "time.Time", "updated_at")
    assert fields["version"] == ("Version", "int64", "version")
    assert fields["expiresAt"] == ("ExpiresAt", "int64", "ttl,omitempty")
    assert fields["price"][1] == "float64" and fields["qty"][1] == "int64"
    assert fields["tags"] == ("Tags", "[]string", "set,omitempty")
    assert fields["codes"][1:] == ("[]int64", "set,omitempty")
    assert (
        fields["paid"][1] == "bool"
        and fields["meta"][1] == "map[string]any"
        and fields["lines"][1] == "[]any"
    )
    assert imported.model.ttl_attribute == "expiresAt"
    assert any("number set" in n for n in imported.notes)
    assert imported.go_ok and imported.convention == "camelCase"


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        (table("t1", [("Identifier", "S", "HASH")]), "'Identifier' cannot be mapped"),
        (
            table("t2", [("id", "S", "HASH")], gsis=[gsi("by-key", "GSI1PK")], extra=[("GSI1PK", "S")]),
            "'GSI1PK'",
        ),
        (table("t3", [("user-id", "S", "HASH")]), "'user-id'"),
        (
            table("t4", [("id", "S", "HASH")], gsis=[gsi("lsi-by-x", "x")], extra=[("x", "S")]),
            "starts with 'lsi-'",
        ),
    ],
)
def test_names_go_cannot_express_are_reported(description: dict[str, Any], problem: str) -> None:
    imported = infer_model(TableSnapshot(description))
    assert not imported.go_ok
    assert any(problem in p for p in imported.go_problems), imported.go_problems
    assert imported.go_fields == ()
    assert imported.model.partition.name  # the DMS model is still there


def test_snake_case_names_select_snake_case_with_the_naming_token() -> None:
    imported = infer_model(TableSnapshot(table("t", [("tenant_id", "S", "HASH"), ("sk", "S", "RANGE")])))
    assert imported.go_ok and imported.convention == "snake_case"
    assert imported.naming_token == "naming:snake_case"
    assert 'TenantID string   `dynamorm:"pk" json:"tenant_id"`' in go_source(imported, "models")


def test_non_key_names_outside_the_convention_are_left_out_with_a_note() -> None:
    imported = infer_model(
        TableSnapshot(table("t", [("PK", "S", "HASH")]), None, ({"PK": {"S": "a"}, "Email": {"S": "e"}},))
    )
    assert imported.go_ok
    assert [f.attr for f in imported.go_fields] == ["PK"]
    assert any("'Email' is left out" in n for n in imported.notes)
    assert {a.name for a in imported.model.attributes} == {"PK", "Email"}


def test_projection_warning_and_attr_override() -> None:
    description = table(
        "t",
        [("pk", "S", "HASH"), ("sk", "S", "RANGE")],
        gsis=[gsi("gsi-a", "gsi1pk", projection="KEYS_ONLY")],
        lsis=[
            gsi("lsi-b", "pk", "when", projection="INCLUDE")
            | {"Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}}
        ],
        extra=[("gsi1pk", "S"), ("when", "N")],
    )
    imported = infer_model(
        TableSnapshot(description, None, ({"pk": {"S": "a"}, "sk": {"S": "b"}, "aB": {"S": "c"}},))
    )
    assert imported.go_ok
    assert sum("Go tags cannot express" in n for n in imported.notes) == 2
    tags = {f.attr: (f.name, ",".join(f.tag_tokens)) for f in imported.go_fields}
    assert tags == {
        "pk": ("Pk", "pk"),
        "sk": ("Sk", "sk"),
        "gsi1pk": ("Gsi1pk", "index:gsi-a,pk,omitempty"),
        "when": ("When", "lsi:lsi-b,omitempty"),
        "aB": ("AB", "attr:aB,omitempty"),
    }
    assert {i.name: i.projection.type for i in imported.model.indexes} == {
        "gsi-a": "KEYS_ONLY",
        "lsi-b": "INCLUDE",
    }


def test_legacy_versions_use_field_names_verbatim() -> None:
    imported = infer_model(
        TableSnapshot(table("t", [("ID", "S", "HASH")]), None, ({"ID": {"S": "a"}, "Name": {"S": "n"}},)),
        dynamorm_version="v1.0.19",
    )
    assert imported.convention == "legacy"
    assert {f.name: f.attr for f in imported.go_fields} == {"ID": "ID", "Name": "Name"}
