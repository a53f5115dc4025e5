"""Expire TTL items on a local server, as DynamoDB's background TTL process would.

moto's server accepts UpdateTimeToLive and reports TTL as ENABLED but never deletes an expired
item (dynamodb-rules.md §3.8 says the same of DynamoDB Local; 3.3.0, which the tests run, does
expire items in the background within seconds, as we observed, and older releases may not). So
code that relies on expiry cannot be tested on every local server, and no local server lets a
test jump ahead in time. ``expire_ttl`` does what the service does, on demand and at any "now":

* only tables whose TTL is ENABLED (or ENABLING) are touched, on their TTL attribute;
* an item expires when that attribute is a Number (epoch seconds) less than or equal to now;
  a String or any other type never expires, and DynamoDB leaves alone values more than five
  years in the past, so this does too (they are counted, not deleted);
* each item is deleted with a condition that it is still expired, so an item refreshed in
  the meantime is kept (DynamoDB's own TTL deletes are conditional the same way);
* values that look like epoch *milliseconds* (after the year 5000 in seconds) are counted: the
  item will never expire, which is a common bug worth seeing in a test run.

It refuses endpoints that are not on this machine: on AWS, DynamoDB expires items itself, and
a tool that deletes items in bulk has no business there.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from liftcli.errors import UsageError

FIVE_YEARS = 5 * 365 * 24 * 3600
MILLISECONDS_AFTER = 95_617_584_000  # 5000-01-01 in epoch seconds: later values are likely ms


@dataclass
class TableExpiry:
    table: str
    attribute: str
    scanned: int = 0
    expired: int = 0  # deleted (or, in a dry run, would be)
    kept_refreshed: int = 0  # expired when scanned, no longer when deleted
    too_old: int = 0  # more than five years in the past: DynamoDB does not delete these
    not_a_number: int = 0
    looks_like_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "attribute": self.attribute, "scanned": self.scanned, "expired": self.expired,
                "kept_refreshed": self.kept_refreshed, "too_old": self.too_old, "not_a_number": self.not_a_number,
                "looks_like_milliseconds": self.looks_like_ms}


@dataclass
class ExpiryReport:
    now: int
    dry_run: bool
    tables: list[TableExpiry] = field(default_factory=list)
    without_ttl: list[str] = field(default_factory=list)

    @property
    def expired(self) -> int:
        return sum(t.expired for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {"now": self.now, "dry_run": self.dry_run, "expired": self.expired,
                "tables": [t.to_json() for t in self.tables], "tables_without_ttl": self.without_ttl}


def check_local(endpoint: str) -> None:
    from liftcli.aws_client import is_local_endpoint

    if not is_local_endpoint(endpoint):
        raise UsageError(
            f"{endpoint} is not a server on this machine; expiring TTL items is only for local servers",
            hint="On AWS, DynamoDB deletes expired items itself (usually within a few days). "
                 "Point --endpoint-url at 127.0.0.1/localhost, or start one with `lift dynamorm local start`.",
        )


def expire_ttl(client: Any, *, tables: Iterable[str] | None = None, now: float | None = None,
               dry_run: bool = False) -> ExpiryReport:
    """Delete the expired items of ``tables`` (default: every table) behind ``client``.

    ``client`` must point at a local server (checked). ``now`` (epoch seconds) defaults to the
    current time; a test can pass a later time to expire items "in the future".
    """
    check_local(str(client.meta.endpoint_url))
    from liftcli.aws_client import aws_errors, list_tables

    moment = int(time.time() if now is None else now)
    report = ExpiryReport(moment, dry_run)
    for name in sorted(tables) if tables is not None else sorted(list_tables(client)):
        with aws_errors(f"expiring TTL items of {name}"):
            description = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if description.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or not description.get("AttributeName"):
                report.without_ttl.append(name)
                continue
            report.tables.append(_expire_table(client, name, str(description["AttributeName"]), moment, dry_run))
    return report


def _expire_table(client: Any, table: str, attribute: str, now: int, dry_run: bool) -> TableExpiry:
    result = TableExpiry(table, attribute)
    keys = [k["AttributeName"] for k in client.describe_table(TableName=table)["Table"]["KeySchema"]]
    names = {f"#k{i}": k for i, k in enumerate(keys)} | {"#ttl": attribute}
    projection = ", ".join([*(f"#k{i}" for i in range(len(keys))), "#ttl"])
    kwargs: dict[str, Any] = {"TableName": table, "ProjectionExpression": projection,
                              "ExpressionAttributeNames": names, "FilterExpression": "attribute_exists(#ttl)"}
    while True:
        page = client.scan(**kwargs)
        result.scanned += int(page.get("ScannedCount", 0))
        for item in page.get("Items", []):
            _consider(client, table, keys, attribute, item, now, dry_run, result)
        if "LastEvaluatedKey" not in page:
            return result
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _consider(client: Any, table: str, keys: list[str], attribute: str, item: dict[str, Any], now: int,
              dry_run: bool, result: TableExpiry) -> None:
    value = item.get(attribute, {})
    if "N" not in value:
        result.not_a_number += 1
        return
    try:
        expires = float(value["N"])
    except ValueError:  # DynamoDB numbers always parse; keep a foreign server from crashing us
        result.not_a_number += 1
        return
    if expires > MILLISECONDS_AFTER:
        result.looks_like_ms += 1
    if expires > now:
        return
    if expires < now - FIVE_YEARS:
        result.too_old += 1
        return
    if dry_run:
        result.expired += 1
        return
    from botocore.exceptions import ClientError

    try:
        client.delete_item(
            TableName=table, Key={k: item[k] for k in keys},
            ConditionExpression="#ttl <= :now",
            ExpressionAttributeNames={"#ttl": attribute},
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        result.kept_refreshed += 1
    else:
        result.expired += 1
