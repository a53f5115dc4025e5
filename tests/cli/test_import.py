"""`lift dynamorm import` against a local DynamoDB-compatible server (moto's, on 127.0.0.1)."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.dynamorm.spec import create_table_request, table_spec_from_request


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(lift_group, ["dynamorm", *args])


@pytest.fixture
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


ORDERS: dict[str, Any] = {
    "TableName": "shop-orders",
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [
        {"AttributeName": "tenantID", "AttributeType": "S"},
        {"AttributeName": "orderID", "AttributeType": "S"},
        {"AttributeName": "status", "AttributeType": "S"},
        {"AttributeName": "createdAt", "AttributeType": "S"},
        {"AttributeName": "total", "AttributeType": "N"},
    ],
    "KeySchema": [
        {"AttributeName": "tenantID", "KeyType": "HASH"},
        {"AttributeName": "orderID", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "gsi-status",
            "KeySchema": [
                {"AttributeName": "status", "KeyType": "HASH"},
                {"AttributeName": "createdAt", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "LocalSecondaryIndexes": [
        {
            "IndexName": "lsi-total",
            "KeySchema": [
                {"AttributeName": "tenantID", "KeyType": "HASH"},
                {"AttributeName": "total", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
}


def client(endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")


def test_import_then_inspect_gives_back_the_table(project: Path, endpoint: str) -> None:
    c = client(endpoint)
    c.create_table(**ORDERS)
    c.update_time_to_live(
        TableName="shop-orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    c.put_item(
        TableName="shop-orders",
        Item={
            "tenantID": {"S": "t1"},
            "orderID": {"S": "o1"},
            "status": {"S": "NEW"},
            "createdAt": {"S": "2024-05-06T07:08:09.5Z"},
            "total": {"N": "12"},
            "ttl": {"N": "1900000000"},
            "lines": {"L": [{"S": "x"}]},
            "labels": {"SS": ["a", "b"]},
        },
    )
    dry = run("import", "shop-orders", "--endpoint-url", endpoint, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "create    models/shop_order.go" in dry.stderr and "create    dms/shop_order.dms.yml" in dry.stderr
    assert not (project / "models").exists()
    result = run("import", "shop-orders", "--endpoint-url", endpoint)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["models/shop_order.go", "dms/shop_order.dms.yml"]
    model = (project / "models/shop_order.go").read_text()
    assert re.search(r"Labels +\[\]string +`dynamorm:\"set,omitempty\" json:\"labels,omitempty\"`", model)
    inspect = run("inspect", "ShopOrder", "--format", "json", "--models", "models")
    assert inspect.exit_code == 0, inspect.output
    doc = json.loads(inspect.stdout)["models"][0]
    described = c.describe_table(TableName="shop-orders")["Table"]
    expected = create_table_request(table_spec_from_request(described))
    assert _norm(doc["table"]) == _norm(expected)
    assert doc["ttl_attribute"] == "ttl"
    dms = run("inspect", "--format", "create-table", "--models", "dms")
    assert dms.exit_code == 0, dms.output
    assert _norm(json.loads(dms.stdout)[0]) == _norm(expected)
    again = run("import", "shop-orders", "--endpoint-url", endpoint)
    assert again.exit_code == 0 and "identical models/shop_order.go" in again.stderr


def test_tables_go_cannot_map_get_dms_and_a_precise_message(project: Path, endpoint: str) -> None:
    c = client(endpoint)
    c.create_table(
        TableName="legacy",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "Identifier", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "Identifier", "KeyType": "HASH"}],
    )
    c.create_table(
        TableName="shop-carts",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    result = run("import", "--all", "--sample", "0", "--endpoint-url", endpoint)
    assert result.exit_code == 0, result.output
    assert "skip      models/legacy.go" in result.stderr
    assert "partition key attribute 'Identifier' cannot be mapped by a Go DynamORM model" in result.stderr
    assert (project / "dms/legacy.dms.yml").is_file()
    assert (project / "models/shop_cart.go").is_file()
    prefixed = run("import", "--prefix", "shop-", "--output", "dms", "--endpoint-url", endpoint, "--dry-run")
    assert prefixed.exit_code == 0 and "identical dms/shop_cart.dms.yml" in prefixed.stderr
    assert "legacy" not in prefixed.stderr


def test_errors_are_actionable(project: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no retry backoff against the closed port
    missing = run("import", "nope", "--endpoint-url", endpoint)
    assert missing.exit_code == 1
    assert "ResourceNotFoundException" in missing.stderr and "Hint:" in missing.stderr
    unreachable = run("import", "x", "--endpoint-url", "http://127.0.0.1:9")
    assert unreachable.exit_code == 1 and "cannot reach" in unreachable.stderr
    nothing = run("import")
    assert nothing.exit_code == 2 and "--all" in nothing.stderr


def _norm(request: dict[str, Any]) -> dict[str, Any]:
    out = dict(request)
    out["AttributeDefinitions"] = sorted(out["AttributeDefinitions"], key=lambda d: d["AttributeName"])
    return out
