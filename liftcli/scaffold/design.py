"""What a scaffolded model looks like: request (flags or wizard answers) -> ModelDesign.

``design_model`` applies the preset, validates every name, computes attribute names with the
project's naming convention (liftcli.dynamorm.naming, for the DynamORM version in go.mod) and
the ``dynamorm`` tag of every field, following dynamorm-facts.md: ``pk``/``sk`` before index
clauses (§1.2), int64 ``ttl``/``version``, ``time.Time`` timestamps (§0 rule 7), keys only of
string/number/time types (§3.2), GSI names not starting ``lsi-``/``lsi_`` (§1.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from liftcli.dynamorm import naming as naming_rules
from liftcli.dynamorm.versions import Version
from liftcli.errors import UsageError

PRESETS = ("crud", "rate-limit", "idempotency", "event-store")
IAC_CHOICES = ("cdk-go", "cdk-ts", "cloudformation", "none")
PARTS = ("model", "dms", "iac", "repository", "handler", "test")

GO_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
INDEX_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
ENV_VAR_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
GO_KEYWORDS = frozenset(
    "break case chan const continue default defer else fallthrough for func go goto if import interface "
    "map package range return select struct switch type var".split()
)
INITIALISMS = frozenset(
    {"ID", "URL", "URI", "API", "HTTP", "HTTPS", "TTL", "IP", "JSON", "UUID", "SQL", "ARN"}
)


@dataclass(frozen=True, slots=True)
class GoType:
    """A field type the scaffold offers: Go spelling, DynamoDB key type (None: not a key type)."""

    go: str
    key_type: str | None
    logical: str  # DMS logical type
    set: bool = False


TYPES: dict[str, GoType] = {
    "string": GoType("string", "S", "S"),
    "int": GoType("int64", "N", "N"),
    "int64": GoType("int64", "N", "N"),
    "number": GoType("int64", "N", "N"),
    "float": GoType("float64", "N", "N"),
    "float64": GoType("float64", "N", "N"),
    "bool": GoType("bool", None, "BOOL"),
    "time": GoType("time.Time", "S", "S"),
    "bytes": GoType("[]byte", None, "B"),
    "strings": GoType("[]string", None, "L"),
    "stringset": GoType("[]string", None, "SS", set=True),
    "map": GoType("map[string]string", None, "M"),
}
TYPE_ALIASES = {
    "s": "string",
    "str": "string",
    "n": "int64",
    "integer": "int64",
    "double": "float64",
    "boolean": "bool",
    "timestamp": "time",
    "datetime": "time",
    "list": "strings",
    "set": "stringset",
    "[]string": "strings",
    "time.time": "time",
    "[]byte": "bytes",
    "b": "bytes",
}


@dataclass(frozen=True)
class ScaffoldRequest:
    """Everything ``lift dynamorm scaffold`` can be told; ``None`` means "use the default"."""

    model: str | None = None
    preset: str = "crud"
    pk: str | None = None
    sk: str | None = None
    gsis: tuple[str, ...] = ()
    lsis: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    ttl: bool | None = None
    version: bool | None = None
    timestamps: bool | None = None
    multi_tenant: bool = False
    table_env: str | None = None
    iac: str | None = None
    parts: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FieldDesign:
    name: str  # Go field name
    type: GoType
    attr: str  # DynamoDB attribute name
    roles: tuple[str, ...] = ()  # pk, sk, ttl, version, created_at, updated_at
    index_roles: tuple[tuple[str, str, str], ...] = ()  # (index name, GSI|LSI, pk|sk)

    @property
    def is_table_key(self) -> bool:
        return "pk" in self.roles or "sk" in self.roles

    @property
    def is_key(self) -> bool:
        return self.is_table_key or bool(self.index_roles)

    def tag_tokens(self) -> tuple[str, ...]:
        """Tag tokens in an order DynamORM parses as meant (table keys before index clauses)."""
        tokens = [r for r in ("pk", "sk") if r in self.roles]
        for index, kind, role in self.index_roles:
            tokens.append(f"lsi:{index}" if kind == "LSI" else f"index:{index},{role}")
        tokens.extend(r for r in ("version", "ttl", "created_at", "updated_at") if r in self.roles)
        if self.type.set:
            tokens.append("set")
        if self.omitempty:
            tokens.append("omitempty")
        return tuple(tokens)

    @property
    def omitempty(self) -> bool:
        # Keys are always written; lifecycle fields are written by DynamORM anyway. Index keys
        # of non-key fields are omitted when empty: DynamoDB rejects "" as an index key value.
        return not self.is_table_key and not ({"version", "created_at", "updated_at"} & set(self.roles))


@dataclass(frozen=True, slots=True)
class IndexDesign:
    name: str
    kind: str  # GSI | LSI
    partition: str | None  # Go field (None for an LSI: the table pk)
    sort: str | None


@dataclass(frozen=True)
class ModelDesign:
    name: str
    preset: str
    fields: tuple[FieldDesign, ...]
    indexes: tuple[IndexDesign, ...]
    table_env: str
    convention: str  # legacy | camelCase | snake_case
    naming_token: str | None  # "naming:snake_case" when the struct must carry it
    multi_tenant: bool = False
    dynamorm_version: str | None = None
    notes: tuple[str, ...] = field(default=())

    def field(self, name: str) -> FieldDesign:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def with_role(self, role: str) -> FieldDesign | None:
        for f in self.fields:
            if role in f.roles:
                return f
        return None

    @property
    def pk(self) -> FieldDesign:
        found = self.with_role("pk")
        assert found is not None
        return found

    @property
    def sk(self) -> FieldDesign | None:
        return self.with_role("sk")

    @property
    def key_fields(self) -> tuple[FieldDesign, ...]:
        return tuple(f for f in (self.pk, self.sk) if f is not None)

    @property
    def snake(self) -> str:
        return naming_rules.to_snake_case(self.name)

    @property
    def kebab(self) -> str:
        return self.snake.replace("_", "-")

    @property
    def plural(self) -> str:
        return naming_rules.plural_table_name(self.name)


# --------------------------------------------------------------------------------------------
# Presets: the Lift/DynamORM pattern models (lift-conventions.md §3, §6)


@dataclass(frozen=True)
class Preset:
    model: str | None
    pk: str | None
    sk: str | None = None
    fields: tuple[str, ...] = ()
    gsis: tuple[str, ...] = ()
    ttl: bool = False
    version: bool = False
    timestamps: bool = True
    table_env: str | None = None
    description: str = ""


PRESET_DEFS: dict[str, Preset] = {
    "crud": Preset(None, "ID:string", description="A plain entity with create/get/update/delete."),
    "rate-limit": Preset(
        "RateLimit",
        "Key:string",
        "WindowStart:int64",
        fields=("Count:int64",),
        ttl=True,
        timestamps=False,
        table_env="RATE_LIMIT_TABLE_NAME",
        description="Fixed-window counters: one item per key and window, expired by TTL.",
    ),
    "idempotency": Preset(
        "IdempotencyRecord",
        "Key:string",
        None,
        fields=("Status:string", "RequestHash:string", "ResponseBody:string", "StatusCode:int64"),
        ttl=True,
        timestamps=True,
        table_env="IDEMPOTENCY_TABLE_NAME",
        description="Idempotency keys: the first request claims the key, repeats get the stored response.",
    ),
    "event-store": Preset(
        "Event",
        "StreamID:string",
        "Sequence:int64",
        fields=("EventType:string", "Payload:string", "OccurredAt:time"),
        gsis=("gsi-event-type:EventType:OccurredAt",),
        timestamps=False,
        description="An append-only event stream per aggregate, ordered by sequence number.",
    ),
}


# --------------------------------------------------------------------------------------------
# Name handling


def go_type_name(raw: str) -> str:
    """The exported Go type name for ``raw`` (``order`` -> ``Order``); rejects anything else."""
    text = raw.strip()
    if not text or not GO_NAME_RE.match(text) or "_" in text:
        raise UsageError(
            f"invalid model name {raw!r}: a model name is a Go type name (letters and digits, starting "
            "with a letter), e.g. Order or UserProfile",
            hint="Pass --model with a name like Order.",
        )
    name = text[0].upper() + text[1:]
    if name.lower() in GO_KEYWORDS:
        raise UsageError(f"invalid model name {raw!r}: it is a Go keyword")
    return name


def go_field_name(raw: str) -> str:
    """An exported Go field name: ``tenant_id``/``tenant-id``/``tenantId`` -> ``TenantID``."""
    text = raw.strip()
    if not text or not re.match(r"^[A-Za-z][A-Za-z0-9_\-]*$", text):
        raise UsageError(
            f"invalid field name {raw!r}: use letters, digits, '_' or '-', starting with a letter "
            "(for example TenantID or tenant_id)"
        )
    parts = [p for p in re.split(r"[_\-]+", text) if p]
    out = []
    for i, part in enumerate(parts):
        if len(parts) == 1 and i == 0 and part[0].isupper():
            out.append(part)
            continue
        if part.upper() in INITIALISMS:
            out.append(part.upper())
        else:
            out.append(part[0].upper() + part[1:])
    name = "".join(out)
    # camelCase input like "tenantId": make the trailing Id an ID (Go style, DynamORM attr userID).
    name = re.sub(r"Id$", "ID", name) if name != "Id" else "ID"
    return name


def parse_type(raw: str, where: str, *, key: bool) -> GoType:
    name = raw.strip().lower()
    name = TYPE_ALIASES.get(name, name)
    if name not in TYPES:
        raise UsageError(
            f"{where}: unknown type {raw!r}; use one of {', '.join(sorted(TYPES))}",
        )
    gotype = TYPES[name]
    if key and gotype.key_type is None:
        raise UsageError(
            f"{where}: a key cannot be of type {raw!r}; keys are string, int64, float64 or time "
            "(DynamORM declares bool and slice keys with types DynamoDB then rejects on write)"
        )
    return gotype


def _split_field(spec: str, where: str, *, key: bool, default_type: str = "string") -> tuple[str, GoType]:
    name, _, type_text = spec.partition(":")
    return go_field_name(name), parse_type(type_text or default_type, where, key=key)


def check_index_name(name: str, kind: str) -> str:
    if not INDEX_NAME_RE.match(name):
        raise UsageError(
            f"invalid index name {name!r}: DynamoDB index names are 3-255 characters of letters, digits, "
            "'_', '-' and '.'"
        )
    if kind == "GSI" and name.startswith(("lsi-", "lsi_")):
        raise UsageError(
            f"invalid GSI name {name!r}: DynamORM treats an index whose name starts with 'lsi-' or 'lsi_' "
            "as a local secondary index",
            hint="Rename the GSI (e.g. gsi-...), or declare it with --lsi if it is local.",
        )
    return name


def default_table_env(model: str) -> str:
    return naming_rules.to_snake_case(model).upper() + "_TABLE_NAME"


# --------------------------------------------------------------------------------------------
# The design


@dataclass
class _Draft:
    types: dict[str, GoType] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    index_roles: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)

    def add(self, name: str, gotype: GoType, where: str) -> None:
        if name in self.types and self.types[name] != gotype:
            raise UsageError(
                f"{where}: field {name} is declared twice with different types "
                f"({self.types[name].go} and {gotype.go})"
            )
        self.types.setdefault(name, gotype)
        self.roles.setdefault(name, [])
        self.index_roles.setdefault(name, [])


def resolve_request(request: ScaffoldRequest) -> ScaffoldRequest:
    """Fill preset defaults into ``request`` (flags win; presets fix their keys)."""
    if request.preset not in PRESETS:
        raise UsageError(f"unknown preset {request.preset!r}; use one of {', '.join(PRESETS)}")
    preset = PRESET_DEFS[request.preset]
    if request.preset != "crud" and (request.pk or request.sk):
        raise UsageError(
            f"--preset {request.preset} defines the keys ({preset.pk}"
            + (f", {preset.sk}" if preset.sk else "")
            + "); drop --pk/--sk or use --preset crud",
        )
    model = request.model or preset.model
    if not model:
        raise UsageError("a model name is required", hint="Pass --model NAME (for example --model Order).")
    return replace(
        request,
        model=model,
        pk=request.pk or preset.pk,
        sk=request.sk or preset.sk,
        fields=preset.fields + tuple(request.fields),
        gsis=preset.gsis + tuple(request.gsis),
        ttl=preset.ttl if request.ttl is None else request.ttl,
        version=preset.version if request.version is None else request.version,
        timestamps=preset.timestamps if request.timestamps is None else request.timestamps,
        table_env=request.table_env or preset.table_env,
    )


def design_model(
    request: ScaffoldRequest,
    *,
    convention: str = "camelCase",
    naming_token: str | None = None,
    dynamorm_version: str | None = None,
    default_env: str | None = None,
) -> ModelDesign:
    """Validate ``request`` and compute the model (see module docstring).

    Args:
        request: the flags; preset defaults are applied here.
        convention: ``legacy``, ``camelCase`` or ``snake_case`` (from go.mod / lift.yaml).
        naming_token: ``naming:snake_case`` when the struct must declare snake_case itself.
        dynamorm_version: the version names are computed for (None: the newest known).
        default_env: ``scaffold.table_env`` from lift.yaml.

    Raises:
        UsageError: a name, type or combination DynamORM would reject.
    """
    request = resolve_request(request)
    model = go_type_name(request.model or "")
    draft = _Draft()
    assert request.pk is not None
    pk_name, pk_type = _split_field(request.pk, "--pk", key=True)
    sk_spec = request.sk
    if request.multi_tenant:
        if request.sk:
            raise UsageError(
                "--multi-tenant makes TenantID the partition key and your --pk the sort key; "
                + (
                    "drop --sk"
                    if request.preset == "crud"
                    else f"--preset {request.preset} already has a sort key"
                ),
            )
        if pk_name != "TenantID":
            sk_spec = request.pk
            pk_name, pk_type = "TenantID", TYPES["string"]
    draft.add(pk_name, pk_type, "--pk")
    draft.roles[pk_name].append("pk")
    sk_name = None
    if sk_spec:
        sk_name, sk_type = _split_field(sk_spec, "--sk", key=True)
        if sk_name == pk_name:
            raise UsageError(f"--sk: {sk_name} is already the partition key")
        draft.add(sk_name, sk_type, "--sk")
        draft.roles[sk_name].append("sk")
    for spec in request.fields:
        if ":" not in spec:
            raise UsageError(f"--field {spec!r}: expected FIELD:TYPE, e.g. --field Status:string")
        name, gotype = _split_field(spec, f"--field {spec}", key=False)
        draft.add(name, gotype, f"--field {spec}")
    lifecycle = _lifecycle(request, draft)
    indexes = _indexes(request, draft, sk_name)
    version = Version.parse(dynamorm_version) if dynamorm_version else None
    fields = []
    ordered = [n for n in draft.types if n not in lifecycle] + [n for n in draft.types if n in lifecycle]
    for name in ordered:
        gotype = draft.types[name]
        fields.append(
            FieldDesign(
                name=name,
                type=gotype,
                attr=naming_rules.convert(name, convention, version),
                roles=tuple(draft.roles[name]),
                index_roles=tuple(draft.index_roles[name]),
            )
        )
    _check_names(model, fields, convention)
    table_env = request.table_env or default_env or default_table_env(model)
    if not ENV_VAR_RE.match(table_env):
        raise UsageError(f"invalid --table-env {table_env!r}: use upper-case letters, digits and '_'")
    return ModelDesign(
        name=model,
        preset=request.preset,
        fields=tuple(fields),
        indexes=tuple(indexes),
        table_env=table_env,
        convention=convention,
        naming_token=naming_token,
        multi_tenant=request.multi_tenant,
        dynamorm_version=dynamorm_version,
    )


def _indexes(request: ScaffoldRequest, draft: _Draft, sk_name: str | None) -> list[IndexDesign]:
    indexes: list[IndexDesign] = []
    names: set[str] = set()
    for spec in request.gsis:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise UsageError(f"--gsi {spec!r}: expected NAME:PKFIELD[:SKFIELD], e.g. --gsi gsi-status:Status")
        name = check_index_name(parts[0], "GSI")
        pk = go_field_name(parts[1])
        sk = go_field_name(parts[2]) if len(parts) == 3 else None
        if pk == sk:
            raise UsageError(f"--gsi {spec!r}: the partition and sort key must be different fields")
        for field_name, role in ((pk, "pk"), (sk, "sk")):
            if field_name is None:
                continue
            if field_name not in draft.types:
                draft.add(field_name, TYPES["string"], f"--gsi {spec}")
            if draft.types[field_name].key_type is None:
                raise UsageError(
                    f"--gsi {spec!r}: {field_name} is a {draft.types[field_name].go}, not a key type"
                )
            draft.index_roles[field_name].append((name, "GSI", role))
        indexes.append(IndexDesign(name, "GSI", pk, sk))
        _unique(names, name)
    for spec in request.lsis:
        parts = spec.split(":")
        if len(parts) != 2 or not all(parts):
            raise UsageError(f"--lsi {spec!r}: expected NAME:SKFIELD, e.g. --lsi lsi-created:CreatedDay")
        if sk_name is None:
            raise UsageError(
                f"--lsi {spec!r}: a local secondary index needs a table sort key; add --sk",
            )
        name = check_index_name(parts[0], "LSI")
        sk = go_field_name(parts[1])
        if sk not in draft.types:
            draft.add(sk, TYPES["string"], f"--lsi {spec}")
        if "pk" in draft.roles[sk] or "sk" in draft.roles[sk]:
            raise UsageError(f"--lsi {spec!r}: {sk} is a table key; an LSI needs another sort attribute")
        if draft.types[sk].key_type is None:
            raise UsageError(f"--lsi {spec!r}: {sk} is a {draft.types[sk].go}, not a key type")
        draft.index_roles[sk].append((name, "LSI", "sk"))
        indexes.append(IndexDesign(name, "LSI", None, sk))
        _unique(names, name)
    return indexes


def _unique(names: set[str], name: str) -> None:
    if name in names:
        raise UsageError(f"index {name!r} is declared twice")
    names.add(name)


def _lifecycle(request: ScaffoldRequest, draft: _Draft) -> list[str]:
    wanted = []
    if request.version:
        wanted.append(("Version", TYPES["int64"], "version", "--version"))
    if request.ttl:
        wanted.append(("TTL", TYPES["int64"], "ttl", "--ttl"))
    if request.timestamps:
        wanted.append(("CreatedAt", TYPES["time"], "created_at", "--timestamps"))
        wanted.append(("UpdatedAt", TYPES["time"], "updated_at", "--timestamps"))
    for name, gotype, role, flag in wanted:
        if name in draft.types and (draft.types[name] != gotype or draft.roles[name]):
            raise UsageError(
                f"field {name} is reserved for the {role} attribute ({flag}); "
                f"rename your field or drop {flag}"
            )
        draft.add(name, gotype, role)
        draft.roles[name].append(role)
    return [name for name, *_ in wanted]


def _check_names(model: str, fields: list[FieldDesign], convention: str) -> None:
    seen: dict[str, str] = {}
    for f in fields:
        problem = naming_rules.validate_attr_name(f.attr, convention)
        if problem:
            raise UsageError(
                f"field {f.name} of {model} would be stored as attribute {f.attr!r}, which DynamORM rejects "
                f"under {convention} naming: {problem}",
                hint="Pick another field name.",
            )
        if f.attr in seen:
            raise UsageError(
                f"fields {seen[f.attr]} and {f.name} of {model} both map to attribute {f.attr!r}",
            )
        seen[f.attr] = f.name


def equivalent_command(request: ScaffoldRequest, *, iac: str, parts: tuple[str, ...]) -> str:
    """The non-interactive command line that scaffolds exactly ``request``."""
    import shlex

    args = ["lift", "dynamorm", "scaffold", "--model", request.model or ""]
    preset = PRESET_DEFS[request.preset]
    if request.preset != "crud":
        args += ["--preset", request.preset]
    if request.pk and request.pk != preset.pk:
        args += ["--pk", request.pk]
    if request.sk and request.sk != preset.sk:
        args += ["--sk", request.sk]
    extra_fields = (
        request.fields[len(preset.fields) :]
        if request.fields[: len(preset.fields)] == preset.fields
        else request.fields
    )
    extra_gsis = (
        request.gsis[len(preset.gsis) :] if request.gsis[: len(preset.gsis)] == preset.gsis else request.gsis
    )
    for spec in extra_fields:
        args += ["--field", spec]
    for spec in extra_gsis:
        args += ["--gsi", spec]
    for spec in request.lsis:
        args += ["--lsi", spec]
    if request.ttl is not None and request.ttl != preset.ttl:
        args.append("--ttl" if request.ttl else "--no-ttl")
    if request.version is not None and request.version != preset.version:
        args.append("--version" if request.version else "--no-version")
    if request.timestamps is not None and request.timestamps != preset.timestamps:
        args.append("--timestamps" if request.timestamps else "--no-timestamps")
    if request.multi_tenant:
        args.append("--multi-tenant")
    if request.table_env and request.table_env != preset.table_env:
        args += ["--table-env", request.table_env]
    args += ["--iac", iac, "--with", ",".join(parts)]
    return " ".join(shlex.quote(a) for a in args)
