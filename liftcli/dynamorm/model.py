"""The language-neutral model type that Go structs and DMS documents both become.

Everything here is a frozen, slotted dataclass so that models compare structurally, hash, and
can be handed between threads without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
KeyType = Literal["S", "N", "B"]
IndexKind = Literal["GSI", "LSI"]
Naming = Literal["camelCase", "snake_case", "legacy"]

#: DMS logical attribute types.
ATTRIBUTE_TYPES = ("S", "N", "B", "BOOL", "M", "L", "SS", "NS", "BS", "NULL")
#: Lifecycle/key roles in DMS spelling; index roles are ``index_pk:NAME`` / ``index_sk:NAME``.
SIMPLE_ROLES = ("pk", "sk", "created_at", "updated_at", "version", "ttl")


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """Where something was declared. ``path`` is as given (relative to the project when possible)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a model source. ``code`` is stable (see diagnostics.py)."""

    severity: Severity
    code: str
    message: str
    path: str | None = None
    line: int | None = None
    model: str | None = None
    field: str | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.path or "", self.line or 0, self.model or "", self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "model": self.model,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    """An attribute used in a key schema, with the scalar type CreateTable declares for it."""

    name: str
    type: KeyType


@dataclass(frozen=True, slots=True)
class Projection:
    type: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    kind: IndexKind
    partition: KeyAttribute
    sort: KeyAttribute | None = None
    projection: Projection = field(default_factory=Projection)


@dataclass(frozen=True, slots=True)
class Attribute:
    """One DynamoDB attribute of a model.

    ``field`` is the Go field name (dotted through embedded structs is not needed: embedded
    fields are promoted, so their plain name is what Go code uses); ``None`` for DMS models.
    ``type`` is the DMS logical type; ``key_type`` is the S/N/B type CreateTable would declare
    if the attribute is used in a key (for Go this follows DynamORM's getAttributeType).
    """

    name: str
    type: str
    field: str | None = None
    go_type: str | None = None
    key_type: KeyType | None = None
    roles: tuple[str, ...] = ()
    omitempty: bool = False
    set: bool = False
    encrypted: bool = False
    json: bool = False
    binary: bool = False
    required: bool = False
    optional: bool = False
    format: str | None = None
    location: SourceLocation | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "name": self.name,
            "type": self.type,
            "roles": list(self.roles),
            "omitempty": self.omitempty,
            "set": self.set,
            "encrypted": self.encrypted,
        }


TableNameSource = Literal["literal", "env", "default", "config", "dms"]


@dataclass(frozen=True, slots=True)
class TableName:
    """How a model's table name is determined, and what it resolved to.

    ``source`` is ``literal`` (TableName() returns a constant), ``env`` (TableName() returns
    os.Getenv(env_var)), ``default`` (no TableName(): DynamORM's naive plural), ``dms``
    (table.name of a DMS model) or ``config`` (an explicit name from lift.yaml).
    ``fallback`` is what DynamORM itself uses when the env var is empty: the plural.
    """

    resolved: str
    source: TableNameSource
    env_var: str | None = None
    fallback: str | None = None
    origin: str | None = None  # human-readable: where the resolved value came from


@dataclass(frozen=True, slots=True)
class Model:
    """A DynamORM model, from Go or DMS."""

    name: str
    language: Literal["go", "dms"]
    location: SourceLocation
    table: TableName
    naming: Naming
    partition: KeyAttribute
    sort: KeyAttribute | None
    attributes: tuple[Attribute, ...]
    indexes: tuple[Index, ...]
    ttl_attribute: str | None = None
    version_attribute: str | None = None
    package: str | None = None  # Go package directory (relative), for grouping and generators
    dynamorm_version: str | None = None

    @property
    def gsis(self) -> tuple[Index, ...]:
        return tuple(i for i in self.indexes if i.kind == "GSI")

    @property
    def lsis(self) -> tuple[Index, ...]:
        return tuple(i for i in self.indexes if i.kind == "LSI")

    def attribute(self, name: str) -> Attribute | None:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        return None

    def attribute_for_field(self, field_name: str) -> Attribute | None:
        for attr in self.attributes:
            if attr.field == field_name:
                return attr
        return None

    @property
    def encrypted(self) -> bool:
        return any(a.encrypted for a in self.attributes)
