from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from liftcli.dynamorm.compare import compare, untyped_keys
from liftcli.dynamorm.diff import diff
from liftcli.dynamorm.introspect import (
    UNOBSERVABLE,
    detect_endpoint_kind,
    extra_value,
    fetch_table_spec,
    table_spec_from_description,
)
from liftcli.dynamorm.model import Index, KeyAttribute, Projection
from liftcli.dynamorm.ops import definition
from liftcli.dynamorm.spec import TableSpec, Throughput
from liftcli.errors import AwsError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "describe"
S, N = "S", "N"


def combined(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]


def from_combined(name: str, kind: str | None = None) -> TableSpec:
    data = combined(name)
    kind = kind or detect_endpoint_kind(data["endpoint_url"], data["describe_table"])
    return table_spec_from_description(
        data["describe_table"],
        data["describe_time_to_live"],
        data["describe_continuous_backups"],
        endpoint_kind=kind,
    )


def recorded(server: str, name: str) -> dict[str, Any] | None:
    """The body of a recorded raw response; None for an error response (as fetch would see it)."""
    data = json.loads((FIXTURES / server / f"{name}.json").read_text())
    return data["body"] if data["status"] == 200 else None


# --------------------------------------------------------------------------------------------
# AWS (hand-written in the real response shape)
# --------------------------------------------------------------------------------------------


def test_aws_table_with_every_setting() -> None:
    spec = from_combined("aws_orders.json")
    assert spec == TableSpec(
        name="prod-Orders",
        partition=KeyAttribute("pk", S),
        sort=KeyAttribute("sk", S),
        gsis=(
            Index(
                "gsi-status",
                "GSI",
                KeyAttribute("status", S),
                KeyAttribute("createdAt", S),
                Projection("INCLUDE", ("customerId", "total")),  # sorted: compared as a set
            ),
        ),
        lsis=(
            Index(
                "lsi-created",
                "LSI",
                KeyAttribute("pk", S),
                KeyAttribute("createdAt", S),
                Projection("KEYS_ONLY"),
            ),
        ),
        billing_mode="PAY_PER_REQUEST",
        throughput=None,  # GSIs of on-demand tables report 0/0: not a throughput
        ttl_enabled=True,
        ttl_attribute="expiresAt",
        stream_enabled=True,
        stream_view="NEW_AND_OLD_IMAGES",
        pitr=True,
        deletion_protection=True,
        table_class="STANDARD",
        sse="KMS",
        status="ACTIVE",
        index_status=(("gsi-status", "ACTIVE"),),
        item_count=212,
    )
    assert extra_value(spec, "kms_key_arn").startswith("arn:aws:kms:eu-west-1:")
    assert extra_value(spec, "stream_arn").endswith("/stream/2024-03-11T09:14:22.512")
    assert extra_value(spec, "endpoint_kind") == "aws"
    assert extra_value(spec, "untyped_keys") is None


def test_aws_fills_implicit_defaults_and_reports_in_flight_changes() -> None:
    spec = from_combined("aws_legacy_provisioned.json")
    # No BillingModeSummary: always provisioned. No SSEDescription: the AWS owned key.
    # No TableClassSummary: STANDARD.
    assert (spec.billing_mode, spec.throughput) == ("PROVISIONED", Throughput(10, 5))
    assert (spec.sse, spec.table_class, spec.deletion_protection, spec.pitr) == (
        "DEFAULT",
        "STANDARD",
        False,
        False,
    )
    assert spec.partition == KeyAttribute("id", N)
    assert spec.sort is None
    assert spec.stream_enabled is False and spec.stream_view is None
    assert (spec.status, spec.index_status) == ("UPDATING", (("byEmail", "CREATING"),))
    assert extra_value(spec, "backfilling") == ("byEmail",)
    # ENABLING counts as enabled; the status is kept for the planner's TTL cooldown.
    assert (spec.ttl_enabled, spec.ttl_attribute, extra_value(spec, "ttl_status")) == (
        True,
        "ttl",
        "ENABLING",
    )


def test_a_building_gsi_and_an_updating_table_are_warnings_not_drift() -> None:
    actual = from_combined("aws_legacy_provisioned.json")
    findings = compare(definition(actual), actual)
    assert [(f.rule, f.severity) for f in findings] == [("DM-T003", "warning"), ("DM-G005", "warning")]
    assert diff(definition(actual), actual) == []


# --------------------------------------------------------------------------------------------
# DynamoDB Local
# --------------------------------------------------------------------------------------------


def test_dynamodb_local_330_on_demand_table() -> None:
    described = recorded("ddblocal-3.3.0", "02_DescribeTable_ppr_gsi_lsi")
    assert described is not None
    assert detect_endpoint_kind("http://localhost:8000", described) == "dynamodb-local"
    # Local has no DescribeContinuousBackups: the recorded call is an UnknownOperationException.
    backups = recorded("ddblocal-3.3.0", "12_DescribeContinuousBackups_ppr")
    assert backups is None
    spec = table_spec_from_description(
        described,
        recorded("ddblocal-3.3.0", "10_DescribeTimeToLive_after"),
        backups,
        endpoint_kind="dynamodb-local",
    )
    assert spec.billing_mode == "PAY_PER_REQUEST"
    assert (spec.throughput, spec.pitr, spec.sse, spec.table_class) == (None, None, None, None)
    assert (spec.ttl_enabled, spec.ttl_attribute) == (True, "expires_at")
    assert spec.deletion_protection is False
    assert spec.stream_enabled is False
    assert spec.gsis == (Index("gsi_one", "GSI", KeyAttribute("gpk", S), KeyAttribute("gsk", N)),)
    assert spec.lsis == (
        Index(
            "lsi_one", "LSI", KeyAttribute("pk", S), KeyAttribute("lsk", S), Projection("INCLUDE", ("extra",))
        ),
    )


def test_dynamodb_local_omits_billing_for_provisioned_tables() -> None:
    described = recorded("ddblocal-3.3.0", "05_DescribeTable_provisioned")
    spec = table_spec_from_description(described, None, None, endpoint_kind="dynamodb-local")  # type: ignore[arg-type]
    assert spec.billing_mode is None and spec.throughput is None
    # So a model that wants PROVISIONED 5/3 (or PAY_PER_REQUEST) shows no phantom drift locally ...
    desired = replace(
        definition(spec), billing_mode="PROVISIONED", throughput=Throughput(5, 3), pitr=True, sse="KMS"
    )
    assert compare(desired, spec) == []
    # ... whereas reading the same response as if it were AWS would invent differences.
    as_aws = table_spec_from_description(described, None, None, endpoint_kind="aws")  # type: ignore[arg-type]
    assert [f.rule for f in compare(desired, as_aws)] == ["DM-S040"]
    assert as_aws.billing_mode == "PROVISIONED"


def test_dynamodb_local_old_versions_with_null_billing_summary() -> None:
    spec = from_combined("ddblocal_old_null_billing.json")
    assert extra_value(spec, "endpoint_kind") == "dynamodb-local"
    assert (spec.billing_mode, spec.throughput, spec.pitr, spec.sse, spec.table_class) == (None,) * 5
    desired = TableSpec(
        "Orders",
        KeyAttribute("pk", S),
        KeyAttribute("sk", S),
        gsis=(Index("gsi-status", "GSI", KeyAttribute("status", S), KeyAttribute("createdAt", S)),),
        ttl_enabled=True,
        ttl_attribute="expiresAt",
    )
    assert compare(desired, spec) == []


def test_dynamodb_local_gsi_creating_right_after_update_table() -> None:
    creating = table_spec_from_description(
        recorded("ddblocal-3.3.0", "17_DescribeTable_after_gsi_create"),
        None,
        None,
        endpoint_kind="dynamodb-local",  # type: ignore[arg-type]
    )
    assert dict(creating.index_status) == {"gsi_one": "ACTIVE", "gsi_two": "CREATING"}
    assert extra_value(creating, "backfilling") is None  # Local reports Backfilling: false
    settled = table_spec_from_description(
        recorded("ddblocal-3.3.0", "18_DescribeTable_after_gsi_create_0_5s"),
        None,
        None,
        endpoint_kind="dynamodb-local",  # type: ignore[arg-type]
    )
    assert dict(settled.index_status) == {"gsi_one": "ACTIVE", "gsi_two": "ACTIVE"}
    assert [f.rule for f in compare(definition(settled), creating)] == ["DM-G005"]


# --------------------------------------------------------------------------------------------
# moto
# --------------------------------------------------------------------------------------------


def test_moto_table_class_is_not_observable() -> None:
    spec = from_combined("moto_orders.json")
    assert extra_value(spec, "endpoint_kind") == "moto"
    assert spec.table_class is None  # requested STANDARD_INFREQUENT_ACCESS; moto never describes it
    assert (spec.pitr, spec.deletion_protection, spec.sse, spec.billing_mode) == (
        True,
        True,
        "DEFAULT",
        "PAY_PER_REQUEST",
    )
    assert spec.gsis[0].projection == Projection("INCLUDE", ("customerId", "total"))
    assert spec.lsis[0].projection == Projection("KEYS_ONLY")
    assert (spec.ttl_enabled, spec.ttl_attribute, spec.stream_view) == (
        True,
        "expiresAt",
        "NEW_AND_OLD_IMAGES",
    )


def test_moto_disabled_ttl_keeps_no_attribute() -> None:
    spec = from_combined("moto_legacy_provisioned.json")
    # moto keeps AttributeName on a DISABLED TTL; the spec must not claim TTL on it.
    assert (spec.ttl_enabled, spec.ttl_attribute, extra_value(spec, "ttl_status")) == (
        False,
        None,
        "DISABLED",
    )
    assert (spec.billing_mode, spec.throughput) == ("PROVISIONED", Throughput(5, 3))


def test_moto_server_loses_attribute_definitions_after_a_gsi_create() -> None:
    described = recorded("moto-server-5.2.1", "17_DescribeTable_after_gsi_create")
    assert detect_endpoint_kind("http://127.0.0.1:5000", described) == "moto"
    spec = table_spec_from_description(described, None, None, endpoint_kind="moto")  # type: ignore[arg-type]
    assert untyped_keys(spec) == {"gpk", "gsk", "lsk", "pk", "sk"}
    # The model (gsk is N) must not show a phantom key-type change.
    desired = replace(
        definition(spec),
        gsis=(
            Index("gsi_one", "GSI", KeyAttribute("gpk", S), KeyAttribute("gsk", N)),
            Index("gsi_two", "GSI", KeyAttribute("g2", S), None, Projection("KEYS_ONLY")),
        ),
    )
    assert compare(desired, spec) == []
    # A name change is still caught.
    renamed = replace(
        desired, gsis=(replace(desired.gsis[0], sort=KeyAttribute("other", N)), desired.gsis[1])
    )
    assert [f.rule for f in compare(renamed, spec)] == ["DM-G002"]


# --------------------------------------------------------------------------------------------
# Invariants and detection
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "aws_orders.json",
        "aws_legacy_provisioned.json",
        "ddblocal_old_null_billing.json",
        "moto_orders.json",
        "moto_legacy_provisioned.json",
    ],
)
def test_import_then_compare_is_clean(name: str) -> None:
    # style.md §3: "import a table, then compare the imported spec with the same table -> no ops".
    actual = from_combined(name)
    assert diff(definition(actual), actual) == []
    assert all(f.severity == "warning" for f in compare(definition(actual), actual))


@pytest.mark.parametrize(
    ("endpoint", "arn", "kind"),
    [
        (None, "arn:aws:dynamodb:ddblocal:000000000000:table/T", "aws"),
        ("", None, "aws"),
        ("http://localhost:8000", "arn:aws:dynamodb:ddblocal:000000000000:table/T", "dynamodb-local"),
        ("http://localstack:4566", "arn:aws:dynamodb:us-east-1:000000000000:table/T", "dynamodb-local"),
        ("http://127.0.0.1:5000", "arn:aws:dynamodb:us-east-1:123456789012:table/T", "moto"),
        (
            "https://dynamodb.eu-west-1.amazonaws.com",
            "arn:aws:dynamodb:eu-west-1:210987654321:table/T",
            "aws",
        ),
        ("https://vpce-1.dynamodb.us-east-1.vpce.amazonaws.com", None, "aws"),
        ("http://localhost:9999", None, "dynamodb-local"),  # unknown: the kind that reports least
    ],
)
def test_detect_endpoint_kind(endpoint: str | None, arn: str | None, kind: str) -> None:
    response = {} if arn is None else {"Table": {"TableArn": arn}}
    assert detect_endpoint_kind(endpoint, response) == kind


def test_accepts_the_table_part_alone_and_rejects_unknown_kinds() -> None:
    data = combined("aws_orders.json")
    whole = table_spec_from_description(data["describe_table"], None, None, endpoint_kind="aws")
    part = table_spec_from_description(data["describe_table"]["Table"], None, None, endpoint_kind="aws")
    assert whole == part
    assert (whole.ttl_enabled, whole.pitr) == (None, None)  # not described: not observable
    with pytest.raises(ValueError, match="unknown endpoint kind 'localstack'"):
        table_spec_from_description(data["describe_table"], None, None, endpoint_kind="localstack")


def test_unobservable_settings_are_always_none() -> None:
    data = combined("aws_orders.json")  # reports everything
    for kind, hidden in UNOBSERVABLE.items():
        spec = table_spec_from_description(
            data["describe_table"],
            data["describe_time_to_live"],
            data["describe_continuous_backups"],
            endpoint_kind=kind,
        )
        assert all(getattr(spec, name) is None for name in hidden), kind


# --------------------------------------------------------------------------------------------
# fetch_table_spec (the only function that talks to a client)
# --------------------------------------------------------------------------------------------


def _client() -> Any:
    return boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _create_moto_orders(client: Any) -> None:
    """The calls tests/fixtures/describe/moto_orders.json was recorded from."""
    client.create_table(
        TableName="Orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "status", "createdAt")
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi-status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "createdAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "customerId"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi-created",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "createdAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        TableClass="STANDARD_INFREQUENT_ACCESS",
        DeletionProtectionEnabled=True,
    )
    client.update_time_to_live(
        TableName="Orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
    )
    client.update_continuous_backups(
        TableName="Orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


def test_moto_fixture_is_what_moto_reports() -> None:
    with mock_aws():
        client = _client()
        _create_moto_orders(client)
        live = fetch_table_spec(client, "Orders", "moto")
        assert fetch_table_spec(client, "Missing", "moto") is None
    assert live == from_combined("moto_orders.json")


MINIMAL_TABLE = {
    "Table": {
        "TableName": "prod-Orders",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "TableStatus": "ACTIVE",
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    }
}


def _stubbed(kind: str, *, ttl_error: str | None = None, describe_error: str | None = None) -> Any:
    client = _client()
    stub = Stubber(client)
    if describe_error:
        stub.add_client_error("describe_table", service_error_code=describe_error, http_status_code=400)
    else:
        stub.add_response("describe_table", MINIMAL_TABLE, {"TableName": "prod-Orders"})
        if ttl_error:
            stub.add_client_error("describe_time_to_live", service_error_code=ttl_error, http_status_code=400)
        else:
            stub.add_response(
                "describe_time_to_live",
                {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}},
            )
        if kind != "dynamodb-local":
            stub.add_client_error(
                "describe_continuous_backups",
                service_error_code="UnknownOperationException",
                http_status_code=400,
            )
    stub.activate()
    return client, stub


def test_fetch_tolerates_calls_an_emulator_does_not_implement() -> None:
    client, stub = _stubbed("moto")
    spec = fetch_table_spec(client, "prod-Orders", "moto")
    stub.assert_no_pending_responses()
    assert spec is not None and spec.pitr is None and spec.ttl_attribute == "expiresAt"


def test_fetch_does_not_ask_dynamodb_local_for_backups() -> None:
    client, stub = _stubbed("dynamodb-local", ttl_error="UnknownOperationException")
    spec = fetch_table_spec(client, "prod-Orders", "dynamodb-local")  # a third call would fail the Stubber
    stub.assert_no_pending_responses()
    assert spec is not None and (spec.ttl_enabled, spec.pitr) == (None, None)


def test_fetch_turns_real_errors_into_aws_errors() -> None:
    client, _ = _stubbed("aws", describe_error="AccessDeniedException")
    with pytest.raises(AwsError, match="DescribeTable prod-Orders"):
        fetch_table_spec(client, "prod-Orders", "aws")
    client, _ = _stubbed("aws", ttl_error="AccessDeniedException")
    with pytest.raises(AwsError, match="describe_time_to_live prod-Orders"):
        fetch_table_spec(client, "prod-Orders", "aws")
