"""Migration operations: what has to change on a table, independent of how it is executed.

``diff`` (diff.py) turns a desired/actual TableSpec pair into these ops; ``plan`` (plan.py) turns
ops into executable steps. Every op is a frozen, slotted dataclass with ``reverse()`` (so
``op.reverse().reverse() == op``), ``to_dict()``/``op_from_dict()`` for migration files and
``describe()`` (one line of prose). Ops hold *definitions* only: observation fields of a
TableSpec (status, index status, item count, extra) are stripped on construction so that a
serialised op loads back equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from liftcli.dynamorm.model import Index, KeyAttribute, Projection
from liftcli.dynamorm.spec import TableSpec, Throughput
from liftcli.errors import MigrationError

# --------------------------------------------------------------------------------------------
# Serialisation of the spec types (JSON/YAML-able plain data, keys in a fixed order)
# --------------------------------------------------------------------------------------------


def key_to_dict(key: KeyAttribute | None) -> dict[str, str] | None:
    return None if key is None else {"name": key.name, "type": key.type}


def key_from_dict(data: dict[str, Any] | None) -> KeyAttribute | None:
    return None if data is None else KeyAttribute(str(data["name"]), data["type"])


def projection_to_dict(projection: Projection) -> dict[str, Any]:
    out: dict[str, Any] = {"type": projection.type}
    if projection.non_key_attributes:
        out["non_key_attributes"] = sorted(projection.non_key_attributes)
    return out


def index_to_dict(index: Index) -> dict[str, Any]:
    return {
        "name": index.name,
        "kind": index.kind,
        "partition": key_to_dict(index.partition),
        "sort": key_to_dict(index.sort),
        "projection": projection_to_dict(index.projection),
    }


def index_from_dict(data: dict[str, Any]) -> Index:
    projection = data.get("projection") or {}
    partition = key_from_dict(data["partition"])
    assert partition is not None
    return Index(
        name=str(data["name"]),
        kind=data["kind"],
        partition=partition,
        sort=key_from_dict(data.get("sort")),
        projection=Projection(
            type=projection.get("type", "ALL"),
            non_key_attributes=tuple(sorted(projection.get("non_key_attributes") or ())),
        ),
    )


def throughput_to_dict(throughput: Throughput | None) -> dict[str, int] | None:
    return None if throughput is None else {"read": throughput.read, "write": throughput.write}


def throughput_from_dict(data: dict[str, Any] | None) -> Throughput | None:
    return None if data is None else Throughput(int(data["read"]), int(data["write"]))


#: The optional settings of a TableSpec, in rendering order.
SETTING_FIELDS = (
    "billing_mode",
    "ttl_attribute",
    "ttl_enabled",
    "stream_enabled",
    "stream_view",
    "pitr",
    "deletion_protection",
    "table_class",
    "sse",
)


def normal_index(index: Index) -> Index:
    """``index`` with its projected attributes sorted (they are a set: dynamorm-facts §5.6 item 11)."""
    attrs = tuple(sorted(set(index.projection.non_key_attributes)))
    if attrs == index.projection.non_key_attributes:
        return index
    return replace(index, projection=replace(index.projection, non_key_attributes=attrs))


def definition(spec: TableSpec) -> TableSpec:
    """``spec`` without what only an observed table has (status, index status, item count, extra),
    with index projections normalised."""
    return replace(
        spec,
        gsis=tuple(normal_index(i) for i in spec.gsis),
        lsis=tuple(normal_index(i) for i in spec.lsis),
        status=None,
        index_status=(),
        item_count=None,
        extra=(),
    )


def table_spec_to_dict(spec: TableSpec) -> dict[str, Any]:
    """The definition of ``spec`` as plain data (observation fields are left out)."""
    out: dict[str, Any] = {
        "name": spec.name,
        "partition": key_to_dict(spec.partition),
        "sort": key_to_dict(spec.sort),
        "gsis": [index_to_dict(i) for i in spec.gsis],
        "lsis": [index_to_dict(i) for i in spec.lsis],
        "throughput": throughput_to_dict(spec.throughput),
    }
    for name in SETTING_FIELDS:
        out[name] = getattr(spec, name)
    return out


def table_spec_from_dict(data: dict[str, Any]) -> TableSpec:
    settings: dict[str, Any] = {name: data.get(name) for name in SETTING_FIELDS}
    partition = key_from_dict(data["partition"])
    assert partition is not None
    return TableSpec(
        name=str(data["name"]),
        partition=partition,
        sort=key_from_dict(data.get("sort")),
        gsis=tuple(index_from_dict(i) for i in data.get("gsis") or ()),
        lsis=tuple(index_from_dict(i) for i in data.get("lsis") or ()),
        throughput=throughput_from_dict(data.get("throughput")),
        **settings,
    )


# --------------------------------------------------------------------------------------------
# Derived names
# --------------------------------------------------------------------------------------------

_VERSIONED = re.compile(r"^(?P<base>.+)-v(?P<n>\d+)$")
MAX_NAME = 255  # table and index names: 3-255 chars (dynamodb-rules.md §3.3)


def next_version_name(name: str, taken: frozenset[str] | set[str] = frozenset()) -> str:
    """``orders`` -> ``orders-v2``, ``orders-v2`` -> ``orders-v3``; skips names in ``taken``.

    Used for replacement GSIs and replacement tables: neither can reuse the old name while the
    old one still exists (dynamodb-rules.md §3.1 "GSI definition is immutable", §3.2).
    """
    match = _VERSIONED.match(name)
    base, n = (match["base"], int(match["n"])) if match else (name, 1)
    while True:
        n += 1
        suffix = f"-v{n}"
        candidate = base[: MAX_NAME - len(suffix)] + suffix
        if candidate not in taken:
            return candidate


def version_family(name: str) -> str:
    """The name without a ``-vN`` suffix: ``orders-v3`` -> ``orders``."""
    match = _VERSIONED.match(name)
    return match["base"] if match else name


# --------------------------------------------------------------------------------------------
# Ops
# --------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, TableSpec):
        return table_spec_to_dict(value)
    if isinstance(value, Index):
        return index_to_dict(value)
    if isinstance(value, Throughput):
        return throughput_to_dict(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


_DECODERS: dict[str, Any] = {
    "spec": table_spec_from_dict,
    "old_spec": table_spec_from_dict,
    "new_spec": table_spec_from_dict,
    "index": index_from_dict,
    "old_index": index_from_dict,
    "new_index": index_from_dict,
    "old_throughput": throughput_from_dict,
    "new_throughput": throughput_from_dict,
    "reasons": lambda v: tuple(v or ()),
}


class _OpBase:
    """Shared behaviour; concrete ops are frozen, slotted dataclasses below."""

    __slots__ = ()
    kind: ClassVar[str]

    if TYPE_CHECKING:
        # Every op names its table: a dataclass field, or a property on the spec-carrying ops.
        # (Only for type checkers: at runtime a base property would become the field's default.)
        @property
        def table(self) -> str: ...

    def reverse(self) -> Op:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            out[f.name] = _encode(getattr(self, f.name))
        return out

    def sort_key(self) -> tuple[str, str, str]:
        return (self.table, self.kind, self.describe())


def _swap(op: Any, **pairs: str) -> Any:
    """A copy of ``op`` with each ``old_x``/``new_x`` pair exchanged."""
    changes: dict[str, Any] = {}
    for old, new in pairs.items():
        changes[old], changes[new] = getattr(op, new), getattr(op, old)
    return replace(op, **changes)


@dataclass(frozen=True, slots=True)
class CreateTable(_OpBase):
    """Create a table with its GSIs, LSIs and settings (TTL and PITR are separate calls)."""

    kind: ClassVar[str] = "create_table"
    spec: TableSpec

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", definition(self.spec))

    @property
    def table(self) -> str:
        return self.spec.name

    def reverse(self) -> Op:
        return DeleteTable(self.spec)

    def describe(self) -> str:
        return f"create table {self.spec.name}" + _index_summary(self.spec)


@dataclass(frozen=True, slots=True)
class DeleteTable(_OpBase):
    """Delete a table and all its items."""

    kind: ClassVar[str] = "delete_table"
    spec: TableSpec

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", definition(self.spec))

    @property
    def table(self) -> str:
        return self.spec.name

    def reverse(self) -> Op:
        return CreateTable(self.spec)

    def describe(self) -> str:
        return f"delete table {self.spec.name} (all items are lost)"


@dataclass(frozen=True, slots=True)
class ReplaceTable(_OpBase):
    """Creation-only changes (key schema, LSIs): a new table plus a data copy (rules §3.2).

    ``new_spec.name`` is the physical name of the replacement (``<old>-v2`` when the desired
    name equals the old one: two tables cannot share a name). ``reasons`` are the DM rule ids
    that forced the replacement.
    """

    kind: ClassVar[str] = "replace_table"
    old_spec: TableSpec
    new_spec: TableSpec
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "old_spec", definition(self.old_spec))
        object.__setattr__(self, "new_spec", definition(self.new_spec))
        object.__setattr__(self, "reasons", tuple(sorted(set(self.reasons))))

    @property
    def table(self) -> str:
        return self.old_spec.name

    def reverse(self) -> Op:
        return _swap(self, old_spec="new_spec")  # type: ignore[no-any-return]

    def describe(self) -> str:
        why = ", ".join(self.reasons) or "creation-only change"
        return f"replace table {self.old_spec.name} with {self.new_spec.name} and copy items ({why})"


@dataclass(frozen=True, slots=True)
class CreateGlobalIndex(_OpBase):
    kind: ClassVar[str] = "create_gsi"
    table: str
    index: Index

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", normal_index(self.index))

    def reverse(self) -> Op:
        return DeleteGlobalIndex(self.table, self.index)

    def describe(self) -> str:
        return f"create GSI {self.index.name} on {self.table} ({_index_shape(self.index)})"


@dataclass(frozen=True, slots=True)
class DeleteGlobalIndex(_OpBase):
    kind: ClassVar[str] = "delete_gsi"
    table: str
    index: Index

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", normal_index(self.index))

    def reverse(self) -> Op:
        return CreateGlobalIndex(self.table, self.index)

    def describe(self) -> str:
        return f"delete GSI {self.index.name} on {self.table}"


@dataclass(frozen=True, slots=True)
class ReplaceGlobalIndex(_OpBase):
    """A GSI's keys or projection change: create ``new_index`` (a new name), then delete the old.

    GSI definitions are immutable (rules §3.1), so the replacement gets a new name and readers
    have to switch to it.
    """

    kind: ClassVar[str] = "replace_gsi"
    table: str
    old_index: Index
    new_index: Index

    def __post_init__(self) -> None:
        object.__setattr__(self, "old_index", normal_index(self.old_index))
        object.__setattr__(self, "new_index", normal_index(self.new_index))

    def reverse(self) -> Op:
        return _swap(self, old_index="new_index")  # type: ignore[no-any-return]

    def describe(self) -> str:
        return (
            f"replace GSI {self.old_index.name} on {self.table} with {self.new_index.name} "
            f"({_index_shape(self.new_index)})"
        )


@dataclass(frozen=True, slots=True)
class EnableTtl(_OpBase):
    kind: ClassVar[str] = "enable_ttl"
    table: str
    attribute: str

    def reverse(self) -> Op:
        return DisableTtl(self.table, self.attribute)

    def describe(self) -> str:
        return f"enable TTL on {self.table} using attribute {self.attribute}"


@dataclass(frozen=True, slots=True)
class DisableTtl(_OpBase):
    kind: ClassVar[str] = "disable_ttl"
    table: str
    attribute: str

    def reverse(self) -> Op:
        return EnableTtl(self.table, self.attribute)

    def describe(self) -> str:
        return f"disable TTL on {self.table} (attribute {self.attribute}; items stop expiring)"


@dataclass(frozen=True, slots=True)
class ChangeTtl(_OpBase):
    """Move TTL to another attribute: disable, wait at least an hour, enable (rules §3.4)."""

    kind: ClassVar[str] = "change_ttl"
    table: str
    old_attribute: str
    new_attribute: str

    def reverse(self) -> Op:
        return _swap(self, old_attribute="new_attribute")  # type: ignore[no-any-return]

    def describe(self) -> str:
        return f"move TTL on {self.table} from {self.old_attribute} to {self.new_attribute}"


@dataclass(frozen=True, slots=True)
class UpdateStream(_OpBase):
    kind: ClassVar[str] = "update_stream"
    table: str
    old_enabled: bool
    old_view: str | None
    new_enabled: bool
    new_view: str | None

    def reverse(self) -> Op:
        return _swap(self, old_enabled="new_enabled", old_view="new_view")  # type: ignore[no-any-return]

    def describe(self) -> str:
        return f"stream on {self.table}: {_stream(self.old_enabled, self.old_view)} -> " + _stream(
            self.new_enabled, self.new_view
        )


@dataclass(frozen=True, slots=True)
class UpdateBilling(_OpBase):
    """Billing mode and/or provisioned throughput (one attribute group, rules §3.1 step 2)."""

    kind: ClassVar[str] = "update_billing"
    table: str
    old_mode: str
    new_mode: str
    old_throughput: Throughput | None = None
    new_throughput: Throughput | None = None

    def reverse(self) -> Op:
        return _swap(self, old_mode="new_mode", old_throughput="new_throughput")  # type: ignore[no-any-return]

    def describe(self) -> str:
        return f"billing on {self.table}: {_billing(self.old_mode, self.old_throughput)} -> " + _billing(
            self.new_mode, self.new_throughput
        )


@dataclass(frozen=True, slots=True)
class _Toggle(_OpBase):
    """An old/new pair of one simple table setting."""

    label: ClassVar[str] = ""
    table: str
    old: Any
    new: Any

    def reverse(self) -> Op:
        return _swap(self, old="new")  # type: ignore[no-any-return]

    def describe(self) -> str:
        return f"{self.label} on {self.table}: {_fmt(self.old)} -> {_fmt(self.new)}"


@dataclass(frozen=True, slots=True)
class UpdatePitr(_Toggle):
    kind: ClassVar[str] = "update_pitr"
    label: ClassVar[str] = "point-in-time recovery"
    old: bool
    new: bool


@dataclass(frozen=True, slots=True)
class UpdateDeletionProtection(_Toggle):
    kind: ClassVar[str] = "update_deletion_protection"
    label: ClassVar[str] = "deletion protection"
    old: bool
    new: bool


@dataclass(frozen=True, slots=True)
class UpdateTableClass(_Toggle):
    kind: ClassVar[str] = "update_table_class"
    label: ClassVar[str] = "table class"
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class UpdateSse(_Toggle):
    kind: ClassVar[str] = "update_sse"
    label: ClassVar[str] = "server-side encryption"
    old: str
    new: str


Op: TypeAlias = (
    CreateTable
    | DeleteTable
    | ReplaceTable
    | CreateGlobalIndex
    | DeleteGlobalIndex
    | ReplaceGlobalIndex
    | EnableTtl
    | DisableTtl
    | ChangeTtl
    | UpdateStream
    | UpdateBilling
    | UpdatePitr
    | UpdateDeletionProtection
    | UpdateTableClass
    | UpdateSse
)

OP_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (
        CreateTable,
        DeleteTable,
        ReplaceTable,
        CreateGlobalIndex,
        DeleteGlobalIndex,
        ReplaceGlobalIndex,
        EnableTtl,
        DisableTtl,
        ChangeTtl,
        UpdateStream,
        UpdateBilling,
        UpdatePitr,
        UpdateDeletionProtection,
        UpdateTableClass,
        UpdateSse,
    )
}


def op_from_dict(data: dict[str, Any]) -> Op:
    """Rebuild an op from ``Op.to_dict()`` output; unknown kinds or fields raise MigrationError."""
    kind = data.get("op")
    cls = OP_TYPES.get(str(kind))
    if cls is None:
        raise MigrationError(f"unknown operation {kind!r}", hint=f"known: {', '.join(sorted(OP_TYPES))}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names - {"op"})
    if unknown:
        raise MigrationError(f"operation {kind}: unknown field(s) {', '.join(unknown)}")
    try:
        kwargs = {n: _DECODERS.get(n, lambda v: v)(data[n]) for n in names if n in data}
        return cls(**kwargs)  # type: ignore[no-any-return]
    except (KeyError, TypeError, ValueError, AssertionError) as exc:
        raise MigrationError(f"operation {kind}: malformed ({exc})") from exc


def sort_ops(ops: list[Op] | tuple[Op, ...]) -> list[Op]:
    return sorted(ops, key=lambda o: o.sort_key())


# --------------------------------------------------------------------------------------------
# Prose helpers
# --------------------------------------------------------------------------------------------


def _fmt(value: object) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return "unknown" if value is None else str(value)


def _stream(enabled: bool, view: str | None) -> str:
    return f"on ({view or 'NEW_AND_OLD_IMAGES'})" if enabled else "off"


def _billing(mode: str | None, throughput: Throughput | None) -> str:
    if mode is None:
        return "unknown"
    if throughput is None:
        return mode
    return f"{mode} {throughput.read}/{throughput.write}"


def key_text(key: KeyAttribute | None) -> str:
    return "-" if key is None else f"{key.name} ({key.type})"


def _index_shape(index: Index) -> str:
    keys = key_text(index.partition) + ("" if index.sort is None else f" / {key_text(index.sort)}")
    projection: str = index.projection.type
    if index.projection.non_key_attributes:
        projection += " " + ",".join(index.projection.non_key_attributes)
    return f"{keys}, {projection}"


def _index_summary(spec: TableSpec) -> str:
    parts = []
    if spec.gsis:
        parts.append(f"{len(spec.gsis)} GSI" + ("s" if len(spec.gsis) > 1 else ""))
    if spec.lsis:
        parts.append(f"{len(spec.lsis)} LSI" + ("s" if len(spec.lsis) > 1 else ""))
    return f" with {', '.join(parts)}" if parts else ""
