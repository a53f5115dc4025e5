"""TableSpec: the one normalised shape of a DynamoDB table.

Models become TableSpecs (what DynamORM would create), deployed tables become TableSpecs
(DescribeTable + DescribeTimeToLive + ...), IaC templates become TableSpecs; comparison is
then plain equality on frozen dataclasses. ``None`` in an optional setting means "not
specified / not observable" and is never reported as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from liftcli.dynamorm.model import Index, KeyAttribute, Model, Projection

BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
StreamView = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


@dataclass(frozen=True, slots=True)
class Throughput:
    read: int
    write: int


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    partition: KeyAttribute
    sort: KeyAttribute | None = None
    gsis: tuple[Index, ...] = ()
    lsis: tuple[Index, ...] = ()
    billing_mode: BillingMode | None = "PAY_PER_REQUEST"
    throughput: Throughput | None = None
    ttl_attribute: str | None = None  # the attribute TTL is (or should be) enabled on
    ttl_enabled: bool | None = None  # None: unknown (not described); False: disabled
    stream_view: StreamView | None = None
    stream_enabled: bool | None = None
    pitr: bool | None = None
    deletion_protection: bool | None = None
    table_class: str | None = None
    sse: str | None = None  # None unknown; "DEFAULT" (owned key), "KMS"
    status: str | None = None  # ACTIVE, CREATING, ... (actual tables only)
    index_status: tuple[tuple[str, str], ...] = ()  # (index name, IndexStatus) for actual tables
    item_count: int | None = None
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # Order never depends on the source: DynamORM builds GSIs from a Go map (random order).
        object.__setattr__(self, "gsis", tuple(sorted(self.gsis, key=lambda i: i.name)))
        object.__setattr__(self, "lsis", tuple(sorted(self.lsis, key=lambda i: i.name)))

    @property
    def indexes(self) -> tuple[Index, ...]:
        return self.gsis + self.lsis

    def index(self, name: str) -> Index | None:
        for idx in self.indexes:
            if idx.name == name:
                return idx
        return None

    def key_attributes(self) -> tuple[KeyAttribute, ...]:
        """Every attribute used in the table's or an index's key, de-duplicated, sorted by name.

        DynamoDB accepts in AttributeDefinitions only attributes used in some key schema.
        """
        found: dict[str, KeyAttribute] = {}
        keys: list[KeyAttribute | None] = [self.partition, self.sort]
        for idx in self.indexes:
            keys.extend([idx.partition, idx.sort])
        for key in keys:
            if key is not None and key.name not in found:
                found[key.name] = key
        return tuple(found[n] for n in sorted(found))

    def with_name(self, name: str) -> TableSpec:
        return replace(self, name=name)


def merge_shared_table(first: TableSpec, other: TableSpec) -> TableSpec:
    """The table two models share (single-table design).

    ``first`` keeps its keys and indexes; ``other`` adds the indexes ``first`` lacks, and its TTL
    attribute when ``first`` has none (callers report models that disagree on keys).
    """
    gsis = first.gsis + tuple(i for i in other.gsis if first.index(i.name) is None)
    lsis = first.lsis + tuple(i for i in other.lsis if first.index(i.name) is None)
    ttl = first.ttl_attribute or other.ttl_attribute
    return replace(first, gsis=gsis, lsis=lsis, ttl_attribute=ttl, ttl_enabled=True if ttl else None)


def table_spec_from_model(model: Model, *, table_name: str | None = None) -> TableSpec:
    """The table DynamORM's CreateTable would make for ``model`` (dynamorm-facts.md §5.1).

    PAY_PER_REQUEST; GSIs and LSIs as declared (projection ALL for Go models); the TTL
    attribute is recorded as the desired TTL setting even though DynamORM itself never enables
    it (§0 rule 11): a deployed table without TTL on that attribute never expires items.
    """
    return TableSpec(
        name=table_name or model.table.resolved,
        partition=model.partition,
        sort=model.sort,
        gsis=model.gsis,
        lsis=model.lsis,
        billing_mode="PAY_PER_REQUEST",
        ttl_attribute=model.ttl_attribute,
        # No ttl field: the model says nothing about TTL, so a TTL enabled by hand is left alone.
        ttl_enabled=True if model.ttl_attribute is not None else None,
    )


def _key_schema(partition: KeyAttribute, sort: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def _projection(projection: Projection) -> dict[str, Any]:
    out: dict[str, Any] = {"ProjectionType": projection.type}
    if projection.type == "INCLUDE":
        out["NonKeyAttributes"] = list(projection.non_key_attributes)
    return out


def create_table_request(spec: TableSpec) -> dict[str, Any]:
    """An AWS CreateTable request (usable with ``aws dynamodb create-table --cli-input-json``)."""
    request: dict[str, Any] = {
        "TableName": spec.name,
        "KeySchema": _key_schema(spec.partition, spec.sort),
        "AttributeDefinitions": [
            {"AttributeName": k.name, "AttributeType": k.type} for k in spec.key_attributes()
        ],
        "BillingMode": spec.billing_mode or "PAY_PER_REQUEST",
    }
    if spec.billing_mode == "PROVISIONED" and spec.throughput is not None:
        request["ProvisionedThroughput"] = {
            "ReadCapacityUnits": spec.throughput.read,
            "WriteCapacityUnits": spec.throughput.write,
        }
    if spec.gsis:
        gsis = []
        for idx in spec.gsis:
            gsi: dict[str, Any] = {
                "IndexName": idx.name,
                "KeySchema": _key_schema(idx.partition, idx.sort),
                "Projection": _projection(idx.projection),
            }
            if spec.billing_mode == "PROVISIONED" and spec.throughput is not None:
                gsi["ProvisionedThroughput"] = {
                    "ReadCapacityUnits": spec.throughput.read,
                    "WriteCapacityUnits": spec.throughput.write,
                }
            gsis.append(gsi)
        request["GlobalSecondaryIndexes"] = gsis
    if spec.lsis:
        request["LocalSecondaryIndexes"] = [
            {
                "IndexName": idx.name,
                "KeySchema": _key_schema(spec.partition, idx.sort),
                "Projection": _projection(idx.projection),
            }
            for idx in spec.lsis
        ]
    if spec.stream_enabled:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": spec.stream_view or "NEW_AND_OLD_IMAGES",
        }
    if spec.deletion_protection:
        request["DeletionProtectionEnabled"] = True
    if spec.table_class:
        request["TableClass"] = spec.table_class
    return request


def _keys_from_schema(
    schema: list[dict[str, Any]], types: dict[str, str], where: str
) -> tuple[KeyAttribute, KeyAttribute | None]:
    partition: KeyAttribute | None = None
    sort: KeyAttribute | None = None
    for element in schema:
        name = element["AttributeName"]
        key = KeyAttribute(name, types.get(name, "S"))  # type: ignore[arg-type]
        if element["KeyType"] == "HASH":
            partition = key
        else:
            sort = key
    if partition is None:
        raise ValueError(f"{where}: KeySchema has no HASH key")
    return partition, sort


def _projection_from(data: dict[str, Any] | None) -> Projection:
    if not data:
        return Projection()
    return Projection(
        type=data.get("ProjectionType", "ALL"),
        non_key_attributes=tuple(sorted(data.get("NonKeyAttributes", ()) or ())),
    )


def table_spec_from_request(request: dict[str, Any]) -> TableSpec:
    """Parse a CreateTable request (or the table part of a DescribeTable response)."""
    types = {d["AttributeName"]: d["AttributeType"] for d in request.get("AttributeDefinitions", [])}
    name = request["TableName"]
    partition, sort = _keys_from_schema(request["KeySchema"], types, name)
    gsis = []
    for g in request.get("GlobalSecondaryIndexes") or []:
        p, s = _keys_from_schema(g["KeySchema"], types, f"{name}/{g['IndexName']}")
        gsis.append(Index(g["IndexName"], "GSI", p, s, _projection_from(g.get("Projection"))))
    lsis = []
    for li in request.get("LocalSecondaryIndexes") or []:
        p, s = _keys_from_schema(li["KeySchema"], types, f"{name}/{li['IndexName']}")
        lsis.append(Index(li["IndexName"], "LSI", p, s, _projection_from(li.get("Projection"))))
    billing = request.get("BillingMode")
    if billing is None and "BillingModeSummary" in request:
        billing = (request.get("BillingModeSummary") or {}).get("BillingMode")
    throughput = None
    pt = request.get("ProvisionedThroughput")
    if billing == "PROVISIONED" and pt:
        throughput = Throughput(int(pt["ReadCapacityUnits"]), int(pt["WriteCapacityUnits"]))
    stream = request.get("StreamSpecification") or {}
    return TableSpec(
        name=name,
        partition=partition,
        sort=sort,
        gsis=tuple(gsis),
        lsis=tuple(lsis),
        billing_mode=billing,
        throughput=throughput,
        stream_enabled=bool(stream.get("StreamEnabled")) if stream else None,
        stream_view=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        deletion_protection=request.get("DeletionProtectionEnabled"),
        table_class=request.get("TableClass"),
    )
