"""Deployed table -> TableSpec: pure normalisation of describe_* responses, plus one thin fetch.

Normalisation knows the endpoint (anchors.md §4 item 5; dynamodb-rules.md §3.8): whatever an
endpoint cannot report becomes ``None`` ("not observable"), which compare.py never reports as
drift. Implicit defaults are filled in where the endpoint does report them (AWS omits
``SSEDescription`` for the owned key, ``TableClassSummary`` for STANDARD and
``BillingModeSummary`` for tables that were always provisioned).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal, cast
from urllib.parse import urlparse

from liftcli.dynamorm.spec import BillingMode, StreamView, TableSpec, Throughput, table_spec_from_request
from liftcli.errors import AwsError

EndpointKind = Literal["aws", "dynamodb-local", "moto"]
ENDPOINT_KINDS: tuple[str, ...] = ("aws", "dynamodb-local", "moto")

#: TableSpec settings each endpoint cannot report (always None after normalisation).
UNOBSERVABLE: dict[str, frozenset[str]] = {
    "aws": frozenset(),
    # DynamoDB Local ignores throughput, has no PITR, no SSE and may leave billingModeSummary
    # null (DynamoDB Local usage notes, dynamodb-rules.md §3.8).
    "dynamodb-local": frozenset({"throughput", "pitr", "sse", "table_class"}),
    # moto 5.x accepts TableClass but never describes it (checked against moto 5.2.1).
    "moto": frozenset({"table_class"}),
}

#: Error codes meaning "this endpoint does not implement that call" (emulators).
_NOT_IMPLEMENTED = frozenset(
    {
        "UnknownOperationException",
        "UnknownOperation",
        "NotImplemented",
        "NotImplementedException",
        "InternalFailure",
        "InternalServerError",
        "UnrecognizedClientException",
    }
)

_LOCAL_ACCOUNT = "000000000000"
_MOTO_ACCOUNT = "123456789012"


def detect_endpoint_kind(
    endpoint_url: str | None, describe_response: Mapping[str, Any] | None = None
) -> EndpointKind:
    """Guess the endpoint type: no endpoint URL -> AWS; otherwise the TableArn tells.

    DynamoDB Local (and LocalStack, which embeds it) reports ``arn:aws:dynamodb:ddblocal:
    000000000000:table/...``; moto uses account 123456789012. An unknown custom endpoint that
    is not an amazonaws.com host is treated as DynamoDB Local: the kind that reports least, so
    nothing unreportable can show up as drift.
    """
    if not endpoint_url:
        return "aws"
    region, account = _arn_region_account(_table(describe_response or {}).get("TableArn", ""))
    if region == "ddblocal" or account == _LOCAL_ACCOUNT:
        return "dynamodb-local"
    if account == _MOTO_ACCOUNT:
        return "moto"
    host = (urlparse(endpoint_url).hostname or "").lower()
    if host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn"):
        return "aws"
    return "dynamodb-local"


def _arn_region_account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) >= 6 else ("", "")


def _table(response: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept the whole DescribeTable response or just its ``Table`` part."""
    table = response.get("Table")
    return table if isinstance(table, Mapping) else response


def table_spec_from_description(
    describe_table: Mapping[str, Any],
    ttl: Mapping[str, Any] | None,
    backups: Mapping[str, Any] | None,
    *,
    endpoint_kind: str,
) -> TableSpec:
    """Normalise DescribeTable (+ DescribeTimeToLive, DescribeContinuousBackups) responses.

    ``ttl``/``backups`` are the raw responses, or None when the call was not made or not
    supported (then TTL/PITR are "not observable").
    """
    if endpoint_kind not in UNOBSERVABLE:
        raise ValueError(f"unknown endpoint kind {endpoint_kind!r}; expected one of {ENDPOINT_KINDS}")
    table = _table(describe_table)
    base = table_spec_from_request(dict(table))  # keys, indexes, attribute types
    ttl_enabled, ttl_attribute, ttl_status = _ttl(ttl)
    spec = replace(
        base,
        billing_mode=cast("BillingMode | None", _billing_mode(table, endpoint_kind)),
        throughput=None,
        stream_enabled=bool((table.get("StreamSpecification") or {}).get("StreamEnabled")),
        stream_view=cast("StreamView | None", _stream_view(table)),
        ttl_enabled=ttl_enabled,
        ttl_attribute=ttl_attribute,
        pitr=_pitr(backups),
        deletion_protection=_deletion_protection(table, endpoint_kind),
        table_class=_table_class(table, endpoint_kind),
        sse=_sse(table),
        status=table.get("TableStatus"),
        index_status=tuple(
            sorted(
                (g["IndexName"], g.get("IndexStatus", "ACTIVE"))
                for g in table.get("GlobalSecondaryIndexes") or ()
            )
        ),
        item_count=table.get("ItemCount"),
        extra=_extra(table, ttl_status, endpoint_kind, _untyped_keys(table)),
    )
    spec = replace(spec, throughput=_throughput(table, spec.billing_mode))
    return _blank_unobservable(spec, endpoint_kind)


def _blank_unobservable(spec: TableSpec, endpoint_kind: str) -> TableSpec:
    hidden = UNOBSERVABLE[endpoint_kind]
    return replace(spec, **{name: None for name in sorted(hidden)})  # type: ignore[arg-type]


def _billing_mode(table: Mapping[str, Any], endpoint_kind: str) -> str | None:
    summary = table.get("BillingModeSummary")
    if isinstance(summary, Mapping) and summary.get("BillingMode"):
        return str(summary["BillingMode"])
    # AWS omits the summary for tables that were always PROVISIONED; DynamoDB Local may leave
    # it null for any table, so there it means "unknown".
    return "PROVISIONED" if endpoint_kind == "aws" else None


def _throughput(table: Mapping[str, Any], billing_mode: str | None) -> Throughput | None:
    pt = table.get("ProvisionedThroughput") or {}
    if billing_mode != "PROVISIONED" or "ReadCapacityUnits" not in pt:
        return None
    return Throughput(int(pt["ReadCapacityUnits"]), int(pt["WriteCapacityUnits"]))


def _stream_view(table: Mapping[str, Any]) -> str | None:
    stream = table.get("StreamSpecification") or {}
    return stream.get("StreamViewType") if stream.get("StreamEnabled") else None


def _ttl(ttl: Mapping[str, Any] | None) -> tuple[bool | None, str | None, str | None]:
    if ttl is None:
        return None, None, None
    description = ttl.get("TimeToLiveDescription") or {}
    status = description.get("TimeToLiveStatus", "DISABLED")
    # ENABLING counts as enabled (the change is accepted and irreversible for an hour).
    if status in ("ENABLED", "ENABLING"):
        return True, description.get("AttributeName"), status
    return False, None, status


def _pitr(backups: Mapping[str, Any] | None) -> bool | None:
    if backups is None:
        return None
    description = (backups.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription")
    if not description:
        return None
    return bool(description.get("PointInTimeRecoveryStatus") == "ENABLED")


def _deletion_protection(table: Mapping[str, Any], endpoint_kind: str) -> bool | None:
    if "DeletionProtectionEnabled" in table:
        return bool(table["DeletionProtectionEnabled"])
    # Real DynamoDB always reports it nowadays; an old emulator that does not is "unknown".
    return False if endpoint_kind == "aws" else None


def _table_class(table: Mapping[str, Any], endpoint_kind: str) -> str | None:
    summary = table.get("TableClassSummary") or {}
    if summary.get("TableClass"):
        return str(summary["TableClass"])
    return "STANDARD" if endpoint_kind == "aws" else None


def _sse(table: Mapping[str, Any]) -> str:
    # No SSEDescription = the AWS owned key ("DEFAULT"); KMS shows SSEType KMS while ENABLED.
    description = table.get("SSEDescription") or {}
    if (
        description.get("Status") in ("ENABLED", "ENABLING", "UPDATING")
        and description.get("SSEType") == "KMS"
    ):
        return "KMS"
    return "DEFAULT"


def _untyped_keys(table: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Key attributes without an AttributeDefinition.

    moto server replaces a table's AttributeDefinitions with those of an UpdateTable request
    (recorded: tests/fixtures/describe/moto-server-5.2.1/17_*), so the types of the other keys
    are lost; table_spec_from_request then guesses "S". compare.py skips type checks for these.
    """
    defined = {d["AttributeName"] for d in table.get("AttributeDefinitions") or ()}
    schemas = [table.get("KeySchema") or ()]
    for group in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        schemas.extend(i.get("KeySchema") or () for i in table.get(group) or ())
    used = {k["AttributeName"] for schema in schemas for k in schema}
    return tuple(sorted(used - defined)) or None


def _extra(
    table: Mapping[str, Any], ttl_status: str | None, endpoint_kind: str, untyped: tuple[str, ...] | None
) -> tuple[tuple[str, Any], ...]:
    """Observations the planner may use but that never count as drift."""
    backfilling = tuple(
        sorted(g["IndexName"] for g in table.get("GlobalSecondaryIndexes") or () if g.get("Backfilling"))
    )
    items: dict[str, Any] = {
        "arn": table.get("TableArn"),
        "backfilling": backfilling or None,
        "endpoint_kind": endpoint_kind,
        "kms_key_arn": (table.get("SSEDescription") or {}).get("KMSMasterKeyArn"),
        "stream_arn": table.get("LatestStreamArn"),
        "ttl_status": ttl_status,
        "untyped_keys": untyped,
    }
    return tuple((k, v) for k, v in sorted(items.items()) if v is not None)


def extra_value(spec: TableSpec, key: str) -> Any:
    """One value of ``spec.extra`` (None when absent)."""
    return dict(spec.extra).get(key)


# --------------------------------------------------------------------------------------------
# The one function that talks to DynamoDB
# --------------------------------------------------------------------------------------------


def fetch_table_spec(client: Any, table_name: str, endpoint_kind: str) -> TableSpec | None:
    """Describe ``table_name`` through a boto3 DynamoDB ``client``; None when it does not exist.

    DescribeTimeToLive and DescribeContinuousBackups are optional: an endpoint that does not
    implement them yields "not observable" instead of an error. DynamoDB Local has no PITR, so
    DescribeContinuousBackups is not called there at all.
    """
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped,unused-ignore]

    try:
        described = client.describe_table(TableName=table_name)
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return None
        raise AwsError(f"DescribeTable {table_name}: {exc}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"DescribeTable {table_name}: {exc}") from exc
    ttl = _optional_call(client.describe_time_to_live, table_name)
    backups = None
    if endpoint_kind != "dynamodb-local":
        backups = _optional_call(client.describe_continuous_backups, table_name)
    return table_spec_from_description(described, ttl, backups, endpoint_kind=endpoint_kind)


def _optional_call(call: Any, table_name: str) -> Mapping[str, Any] | None:
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped,unused-ignore]

    try:
        return call(TableName=table_name)  # type: ignore[no-any-return]
    except NotImplementedError:  # an in-process emulator without this operation
        return None
    except ClientError as exc:
        if _code(exc) in _NOT_IMPLEMENTED:
            return None
        raise AwsError(f"{call.__name__} {table_name}: {exc}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"{call.__name__} {table_name}: {exc}") from exc


def _code(exc: Any) -> str:
    return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code", ""))
