"""`validate` and `generate-migration` end to end against the embedded server (moto's server mode).

The same scenarios run against the real DynamoDB Local jar in tests/integration.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result

from liftcli.cli import lift_group
from tests.helpers import write_tree

MODELS = {
    "go.mod": "module example.com/shop\n\ngo 1.25\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n",
    "models/order.go": '''
        package models

        type Order struct {
            TenantID string `dynamorm:"pk"`
            OrderID  string `dynamorm:"sk"`
            Status   string `dynamorm:"index:gsi-status,pk"`
            PurgeAt  int64  `dynamorm:"ttl,omitempty"`
        }

        func (Order) TableName() string { return "shop-orders" }
    ''',
}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def client(moto_endpoint: str):  # type: ignore[no-untyped-def]
    c = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing")
    for name in c.list_tables()["TableNames"]:
        c.delete_table(TableName=name)
    return c


def create_order_table(client, *, gsi: bool, ttl: bool) -> None:  # type: ignore[no-untyped-def]
    request = {
        "TableName": "shop-orders",
        "KeySchema": [{"AttributeName": "tenantID", "KeyType": "HASH"},
                      {"AttributeName": "orderID", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "tenantID", "AttributeType": "S"},
                                 {"AttributeName": "orderID", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if gsi:
        request["AttributeDefinitions"].append({"AttributeName": "status", "AttributeType": "S"})
        request["GlobalSecondaryIndexes"] = [{"IndexName": "gsi-status", "KeySchema": [
            {"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]
    client.create_table(**request)
    if ttl:
        client.update_time_to_live(TableName="shop-orders",
                                   TimeToLiveSpecification={"Enabled": True, "AttributeName": "purgeAt"})


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(lift_group, ["dynamorm", *args], prog_name="lift")


@pytest.fixture
def shop(project: Path) -> Path:
    write_tree(project, MODELS)
    return project


def test_in_sync_exits_0(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    create_order_table(client, gsi=True, ttl=True)
    result = run(shop, "validate", "--endpoint-url", moto_endpoint)
    assert result.exit_code == 0, result.output
    assert "✓ shop-orders" in result.stdout
    assert "in sync" in result.stdout


def test_missing_gsi_and_ttl_exit_3_and_named(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    create_order_table(client, gsi=False, ttl=False)
    result = run(shop, "validate", "--endpoint-url", moto_endpoint, "--format", "json")
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    rules = {(f["rule"], f["index"], f["line"]) for f in doc["findings"]}
    assert ("DM-G001", "gsi-status", 6) in rules  # the Status field's line
    assert any(f["rule"] == "DM-S001" and f["line"] == 7 for f in doc["findings"])  # TTL on PurgeAt's line
    assert doc["in_sync"] is False
    assert "Error: drift found" in result.stderr and "generate-migration" in result.stderr


def test_report_formats(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    create_order_table(client, gsi=False, ttl=True)
    github = run(shop, "validate", "--endpoint-url", moto_endpoint, "--format", "github")
    assert github.exit_code == 3
    assert github.stdout.splitlines()[0].startswith("::error file=models/order.go,line=6,title=DM-G001 shop-orders::")
    junit = run(shop, "validate", "--endpoint-url", moto_endpoint, "--format", "junit")
    root = ET.fromstring(junit.stdout)
    case = root.find(".//testcase[@name='table shop-orders']")
    assert case is not None and case.find("failure") is not None
    assert case.find("failure").get("type") == "DM-G001"  # type: ignore[union-attr]
    sarif = json.loads(run(shop, "validate", "--endpoint-url", moto_endpoint, "--format", "sarif").stdout)
    run_ = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["DM-G001"]
    location = run_["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "models/order.go"}, "region": {"startLine": 6}}


def test_fail_on_threshold(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    create_order_table(client, gsi=True, ttl=False)  # only a warning: TTL not enabled
    assert run(shop, "validate", "--endpoint-url", moto_endpoint).exit_code == 0
    assert run(shop, "validate", "--endpoint-url", moto_endpoint, "--fail-on", "warning").exit_code == 3
    assert run(shop, "validate", "--endpoint-url", moto_endpoint, "--fail-on", "never").exit_code == 0


def test_ignore_rules_from_config(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    create_order_table(client, gsi=False, ttl=False)
    (shop / "lift.yaml").write_text("dynamorm:\n  validate:\n    ignore:\n      indexes: [gsi-status]\n")
    result = run(shop, "validate", "--endpoint-url", moto_endpoint, "--format", "json")
    assert result.exit_code == 0, result.output
    assert {f["rule"] for f in json.loads(result.stdout)["findings"]} == {"DM-S001"}


def test_unreachable_endpoint_exit_1(shop: Path) -> None:
    result = run(shop, "validate", "--endpoint-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "Could not connect to the endpoint URL" in result.stderr or "cannot reach" in result.stderr
    assert "Traceback" not in result.output


def test_generate_migration_writes_a_plan_then_nothing(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    create_order_table(client, gsi=False, ttl=False)
    planned = run(shop, "generate-migration", "--endpoint-url", moto_endpoint, "--format", "json")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert [s["title"] for s in plan["steps"]] == ["create GSI gsi-status on shop-orders",
                                                    "enable TTL on shop-orders (purgeAt)"]
    assert not (shop / "migrations").exists()
    written = run(shop, "generate-migration", "--endpoint-url", moto_endpoint, "--name", "status index")
    assert written.exit_code == 0, written.output
    path = Path(written.stdout.strip())
    assert path == shop / "migrations" / "dynamorm" / "0001_status-index.yaml"
    from liftcli.dynamorm.migration_file import read_migration

    migration = read_migration(path)
    assert [s.step_class for s in migration.plan.steps] == ["in-place", "rate-limited"]
    # once the table matches, nothing is planned and nothing written
    client.delete_table(TableName="shop-orders")
    create_order_table(client, gsi=True, ttl=True)
    nothing = run(shop, "generate-migration", "--endpoint-url", moto_endpoint)
    assert nothing.exit_code == 0
    assert "No changes" in nothing.stderr
    assert sorted(p.name for p in (shop / "migrations" / "dynamorm").iterdir()) == ["0001_status-index.yaml"]


def test_generate_migration_respects_a_recent_ttl_change(shop: Path, client, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    """A TTL change that migrate made 10 minutes ago blocks the next one for the rest of the hour."""
    from datetime import datetime, timedelta, timezone

    from liftcli.config import Overrides, load_config, resolve_settings
    from liftcli.dynamorm.state import store_for

    create_order_table(client, gsi=True, ttl=False)
    settings = resolve_settings(load_config(cwd=shop), Overrides(endpoint_url=moto_endpoint), {})
    changed = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)
    store_for(settings).record_ttl_change("shop-orders", changed)
    planned = run(shop, "generate-migration", "--endpoint-url", moto_endpoint, "--format", "json")
    assert planned.exit_code == 0, planned.output
    (step,) = json.loads(planned.stdout)["steps"]
    assert step["title"] == "enable TTL on shop-orders (purgeAt)"
    assert datetime.fromisoformat(step["not_before"]) == changed + timedelta(hours=1)
