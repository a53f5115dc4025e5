"""Expiring TTL items on real local servers (DynamoDB Local jar and the embedded one), which keep
TTL settings but never delete anything themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from liftcli.errors import UsageError
from liftcli.local.ttl import FIVE_YEARS, expire_ttl

pytestmark = pytest.mark.integration
# Far enough ahead that every TTL below, even "more than five years before NOW", is still in the
# real future: DynamoDB Local 3.x expires items in the real past on its own (within seconds), and
# would race the command under test.
NOW = int(time.time()) + 10 * 365 * 24 * 3600


def _table(client: Any, name: str, *, ttl: bool = True) -> None:
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    client.get_waiter("table_exists").wait(TableName=name)
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})


def _put(client: Any, table: str, sk: str, expires: dict[str, str] | None) -> None:
    item = {"pk": {"S": "p"}, "sk": {"S": sk}, "payload": {"S": "x" * 10}}
    if expires is not None:
        item["expires"] = expires
    client.put_item(TableName=table, Item=item)


def _keys(client: Any, table: str) -> set[str]:
    return {i["sk"]["S"] for i in client.scan(TableName=table, ConsistentRead=True)["Items"]}


def test_expired_items_go_and_the_rest_stay(ddb_client: Any, ddb_prefix: str) -> None:
    orders, plain = f"{ddb_prefix}orders", f"{ddb_prefix}plain"
    _table(ddb_client, orders)
    _table(ddb_client, plain, ttl=False)
    cases = {
        "past": {"N": str(NOW - 60)},
        "exactly-now": {"N": str(NOW)},
        "future": {"N": str(NOW + 60)},
        "fractional-past": {"N": f"{NOW - 1}.5"},
        "string": {"S": str(NOW - 60)},  # only Numbers expire
        "too-old": {"N": str(NOW - FIVE_YEARS - 10)},  # DynamoDB leaves these alone
        "milliseconds": {"N": str(NOW * 1000)},  # never expires; counted as a likely bug
        "no-ttl": None,
    }
    for sk, expires in cases.items():
        _put(ddb_client, orders, sk, expires)
    _put(ddb_client, plain, "past", {"N": str(NOW - 60)})

    dry = expire_ttl(ddb_client, tables=[orders, plain], now=NOW, dry_run=True)
    assert dry.expired == 3 and _keys(ddb_client, orders) == set(cases)

    report = expire_ttl(ddb_client, tables=[orders, plain], now=NOW)
    assert _keys(ddb_client, orders) == {"future", "string", "too-old", "milliseconds", "no-ttl"}
    assert _keys(ddb_client, plain) == {"past"}  # TTL off: untouched
    (table,) = report.tables
    assert (table.table, table.attribute, table.expired) == (orders, "expires", 3)
    assert (table.not_a_number, table.too_old, table.looks_like_ms) == (1, 1, 1)
    assert report.without_ttl == [plain]
    assert table.scanned == 8  # ScannedCount: before the attribute_exists filter
    assert expire_ttl(ddb_client, tables=[orders], now=NOW).expired == 0  # nothing left to do


def test_an_item_refreshed_after_the_scan_is_kept(ddb_client: Any, ddb_prefix: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from liftcli.local import ttl

    table = f"{ddb_prefix}sessions"
    _table(ddb_client, table)
    _put(ddb_client, table, "s1", {"N": str(NOW - 5)})
    real = ttl._consider

    def refresh_first(client: Any, name: str, keys: list[str], attribute: str, item: dict[str, Any],
                      now: int, dry_run: bool, result: Any) -> None:
        _put(client, name, item["sk"]["S"], {"N": str(now + 3600)})  # another writer extends it
        real(client, name, keys, attribute, item, now, dry_run, result)

    monkeypatch.setattr(ttl, "_consider", refresh_first)
    report = expire_ttl(ddb_client, tables=[table], now=NOW)
    assert report.tables[0].kept_refreshed == 1 and report.expired == 0
    assert _keys(ddb_client, table) == {"s1"}


def test_remote_endpoints_are_refused() -> None:
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url="https://dynamodb.us-east-1.amazonaws.com",
                          aws_access_key_id="x", aws_secret_access_key="y")
    with pytest.raises(UsageError, match="only for local servers"):
        expire_ttl(client)


def test_cli_expires_on_the_given_endpoint(ddb_server: Any, ddb_client: Any, ddb_prefix: str, tmp_path: Path) -> None:
    table = f"{ddb_prefix}cli"
    _table(ddb_client, table)
    _put(ddb_client, table, "old", {"N": str(NOW - 10)})
    _put(ddb_client, table, "new", {"N": str(NOW + 10)})
    lift = [sys.executable, "-m", "liftcli", "dynamorm", "local", "expire-ttl", "--endpoint-url", ddb_server.endpoint,
            "--table", table, "--at", datetime.fromtimestamp(NOW - 5, UTC).isoformat()]
    done = subprocess.run([*lift, "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["expired"] == 1 and out["tables"][0]["table"] == table
    assert _keys(ddb_client, table) == {"new"}


def test_cli_refuses_a_remote_endpoint_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "liftcli", "dynamorm", "local", "expire-ttl", "--endpoint-url",
                           "https://dynamodb.eu-west-1.amazonaws.com"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "only for local servers" in done.stderr and "Traceback" not in done.stderr


def test_cli_bad_time_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "liftcli", "dynamorm", "local", "expire-ttl", "--endpoint-url",
                           "http://127.0.0.1:9", "--at", "next tuesday"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "neither epoch seconds nor an ISO 8601 time" in done.stderr
