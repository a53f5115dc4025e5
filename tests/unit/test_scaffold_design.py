"""Model designs: names, types, tags and naming conventions (dynamorm-facts.md §0-§3)."""

from __future__ import annotations

import pytest

from liftcli.errors import UsageError
from liftcli.scaffold.design import (
    ScaffoldRequest,
    design_model,
    equivalent_command,
    go_field_name,
    go_type_name,
)


def tags(design) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.name: ",".join(f.tag_tokens()) for f in design.fields}


@pytest.mark.parametrize("raw", ["../x", "Foo Bar", "", "1Order", "my_model", "Order!", "type"])
def test_bad_model_names_are_rejected(raw: str) -> None:
    with pytest.raises(UsageError, match="invalid model name"):
        go_type_name(raw)


def test_model_and_field_names_become_go_identifiers() -> None:
    assert go_type_name("order") == "Order"
    assert go_field_name("tenant_id") == "TenantID"
    assert go_field_name("tenantId") == "TenantID"
    assert go_field_name("id") == "ID"
    assert go_field_name("created-at") == "CreatedAt"
    with pytest.raises(UsageError):
        go_field_name("bad name")


def test_tags_put_table_keys_before_index_clauses() -> None:
    design = design_model(
        ScaffoldRequest(
            model="Order",
            pk="ID",
            sk="Day:string",
            gsis=("gsi-by-day:Day:ID",),
            lsis=("lsi-total:Total",),
            fields=("Total:float64",),
            ttl=True,
            version=True,
        )
    )
    t = tags(design)
    assert t["ID"] == "pk,index:gsi-by-day,sk"
    assert t["Day"] == "sk,index:gsi-by-day,pk"
    assert t["Total"] == "lsi:lsi-total,omitempty"
    assert t["TTL"] == "ttl,omitempty"
    assert t["Version"] == "version"
    assert t["CreatedAt"] == "created_at" and t["UpdatedAt"] == "updated_at"
    types = {f.name: f.type.go for f in design.fields}
    assert types["TTL"] == "int64" and types["Version"] == "int64" and types["CreatedAt"] == "time.Time"


def test_attribute_names_follow_the_convention() -> None:
    request = ScaffoldRequest(
        model="User", pk="UserID", fields=("URLValue:string", "PK2:string"), timestamps=False
    )
    camel = {f.name: f.attr for f in design_model(request, convention="camelCase").fields}
    snake = {f.name: f.attr for f in design_model(request, convention="snake_case").fields}
    legacy = {f.name: f.attr for f in design_model(request, convention="legacy").fields}
    assert camel == {"UserID": "userID", "URLValue": "urlValue", "PK2": "pK2"}
    assert snake == {"UserID": "user_id", "URLValue": "url_value", "PK2": "pk2"}
    assert legacy == {"UserID": "UserID", "URLValue": "URLValue", "PK2": "PK2"}


def test_multi_tenant_makes_tenant_the_partition_key() -> None:
    design = design_model(ScaffoldRequest(model="Invoice", pk="InvoiceID", multi_tenant=True))
    assert design.pk.name == "TenantID" and design.pk.attr == "tenantID"
    assert design.sk is not None and design.sk.name == "InvoiceID"
    with pytest.raises(UsageError, match="drop --sk"):
        design_model(ScaffoldRequest(model="Invoice", pk="A", sk="B", multi_tenant=True))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ScaffoldRequest(model="X", pk="Flag:bool"), "cannot be of type"),
        (ScaffoldRequest(model="X", pk="ID:uuid"), "unknown type"),
        (ScaffoldRequest(model="X", gsis=("lsi-x:Status",)), "local secondary index"),
        (ScaffoldRequest(model="X", gsis=("ab:Status",)), "invalid index name"),
        (ScaffoldRequest(model="X", lsis=("lsi-x:Day",)), "needs a table sort key"),
        (ScaffoldRequest(model="X", fields=("Status",)), "expected FIELD:TYPE"),
        (ScaffoldRequest(model="X", fields=("TTL:string",), ttl=True), "reserved"),
        (ScaffoldRequest(model="X", fields=("Tags:stringset",), gsis=("gsi-tags:Tags",)), "not a key type"),
        (ScaffoldRequest(model="X", table_env="bad-var"), "--table-env"),
        (ScaffoldRequest(model="X", preset="rate-limit", pk="A"), "defines the keys"),
        (ScaffoldRequest(model="X", fields=("UserID:string", "UserId:string")), None),
    ],
)
def test_invalid_requests_name_the_problem(request_: ScaffoldRequest, message: str | None) -> None:
    if message is None:  # same Go field twice with the same type is fine (declared once)
        design = design_model(request_)
        assert [f.name for f in design.fields].count("UserID") == 1
        return
    with pytest.raises(UsageError, match=message):
        design_model(request_)


@pytest.mark.parametrize(
    ("preset", "keys", "extra"),
    [
        ("rate-limit", ("Key", "WindowStart"), {"Count", "TTL"}),
        (
            "idempotency",
            ("Key", None),
            {"Status", "RequestHash", "ResponseBody", "StatusCode", "TTL", "CreatedAt"},
        ),
        ("event-store", ("StreamID", "Sequence"), {"EventType", "Payload", "OccurredAt"}),
    ],
)
def test_presets(preset: str, keys: tuple[str, str | None], extra: set[str]) -> None:
    design = design_model(ScaffoldRequest(preset=preset))
    assert (design.pk.name, design.sk.name if design.sk else None) == keys
    assert extra <= {f.name for f in design.fields}
    if preset == "rate-limit":
        assert design.table_env == "RATE_LIMIT_TABLE_NAME"
    if preset == "event-store":
        assert [i.name for i in design.indexes] == ["gsi-event-type"]


def test_equivalent_command_round_trips() -> None:
    request = ScaffoldRequest(
        model="Order",
        pk="OrderID:string",
        fields=("Total:float64",),
        ttl=True,
        timestamps=False,
        gsis=("gsi-total:Total",),
    )
    text = equivalent_command(request, iac="cdk-ts", parts=("model", "iac"))
    assert text == (
        "lift dynamorm scaffold --model Order --pk OrderID:string --field Total:float64 "
        "--gsi gsi-total:Total --ttl --no-timestamps --iac cdk-ts --with model,iac"
    )
