"""Go structs -> Models, exactly as DynamORM's registry would see them (pkg/model/registry.go).

A "package" here is one directory of Go files. Files that mention the tag key or TableName are
parsed first; the other files of a package are parsed only when a type must be resolved
(embedded structs, named types, constants), which keeps discovery of large trees fast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from liftcli.dynamorm import naming as naming_rules
from liftcli.dynamorm.diagnostics import hint_for
from liftcli.dynamorm.gomod import DYNAMORM_MODULE, TABLETHEORY_MODULE, GoMod, find_go_mod
from liftcli.dynamorm.goparse import GoField, GoFile, GoMethod, GoStruct, GoType, parse_go_source
from liftcli.dynamorm.model import (
    Attribute,
    Diagnostic,
    Index,
    KeyAttribute,
    Model,
    Projection,
    SourceLocation,
    TableName,
)
from liftcli.dynamorm.tags import IndexRole, ParsedTag, lookup_struct_tag, naming_from_tag, parse_dynamorm_tag
from liftcli.dynamorm.versions import (
    ENCRYPTED_KEY_CHECK_SINCE,
    IMPLICIT_TIMESTAMPS_SINCE,
    NEWEST_KNOWN,
    TOKEN_SPLIT_SINCE,
    Version,
)

INT_KINDS = ("int", "int8", "int16", "int32", "int64")
UINT_KINDS = ("uint", "uint8", "uint16", "uint32", "uint64", "uintptr")
FLOAT_KINDS = ("float32", "float64")
BUILTIN_KINDS = {
    "string": "string",
    "bool": "bool",
    "byte": "uint8",
    "rune": "int32",
    "any": "interface",
    "error": "interface",
    "complex64": "complex",
    "complex128": "complex",
    **{k: k for k in INT_KINDS + UINT_KINDS + FLOAT_KINDS},
}
INDEX_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")


def is_exported(name: str) -> bool:
    return bool(name) and name[0].isupper() and name[0] != name[0].lower()


# --------------------------------------------------------------------------------------------
# Packages


@dataclass
class GoPackage:
    """The Go files of one directory; parsed lazily."""

    directory: Path
    display_dir: str
    paths: list[Path]
    read: Callable[[Path], bytes]
    display: Callable[[Path], str]
    files: dict[Path, GoFile | None] = field(default_factory=dict)
    _indexed: bool = False
    structs: dict[str, tuple[GoStruct, GoFile]] = field(default_factory=dict)
    named_types: dict[str, tuple[GoType, GoFile]] = field(default_factory=dict)
    methods: dict[str, list[GoMethod]] = field(default_factory=dict)
    consts: dict[str, str] = field(default_factory=dict)
    read_errors: list[tuple[Path, str]] = field(default_factory=list)

    def parse(self, path: Path) -> GoFile | None:
        if path in self.files:
            return self.files[path]
        try:
            src = self.read(path)
        except OSError as exc:
            self.read_errors.append((path, exc.strerror or str(exc)))
            self.files[path] = None
            return None
        go_file = parse_go_source(src, self.display(path))
        self.files[path] = go_file
        self._add(go_file)
        return go_file

    def _add(self, go_file: GoFile) -> None:
        for struct in go_file.structs:
            self.structs.setdefault(struct.name, (struct, go_file))
        for name, gotype in go_file.named_types.items():
            self.named_types.setdefault(name, (gotype, go_file))
        for method in go_file.methods:
            self.methods.setdefault(method.receiver, []).append(method)
        for name, value in go_file.consts.items():
            self.consts.setdefault(name, value)

    def parse_all(self) -> None:
        if not self._indexed:
            for path in self.paths:
                self.parse(path)
            self._indexed = True

    def lookup_struct(self, name: str) -> tuple[GoStruct, GoFile] | None:
        if name not in self.structs:
            self.parse_all()
        return self.structs.get(name)

    def lookup_named(self, name: str) -> tuple[GoType, GoFile] | None:
        if name not in self.named_types and name not in self.structs:
            self.parse_all()
        return self.named_types.get(name)

    def lookup_const(self, name: str) -> str | None:
        if name not in self.consts:
            self.parse_all()
        return self.consts.get(name)

    def methods_of(self, receiver: str) -> list[GoMethod]:
        self.parse_all()  # a TableName method may live in another file of the package
        return self.methods.get(receiver, [])


class PackageResolver:
    """Finds the package of an import path inside the project's Go modules."""

    def __init__(self, make_package: Callable[[Path], GoPackage | None]) -> None:
        self._make = make_package
        self._cache: dict[Path, GoPackage | None] = {}

    def package_at(self, directory: Path) -> GoPackage | None:
        directory = Path(os.path.abspath(directory))
        if directory not in self._cache:
            self._cache[directory] = self._make(directory)
        return self._cache[directory]

    def resolve_import(self, from_dir: Path, import_path: str) -> GoPackage | None:
        gomod = find_go_mod(from_dir)
        if gomod is None or gomod.module is None:
            return None
        prefix = gomod.module + "/"
        if not import_path.startswith(prefix):
            return None
        return self.package_at(gomod.path.parent / import_path[len(prefix) :])


# --------------------------------------------------------------------------------------------
# Type kinds (reflect.Kind, roughly)


@dataclass(frozen=True, slots=True)
class Kind:
    """What reflect would say about a field type.

    kind: string, bool, int*, uint*, float*, complex, struct, time (time.Time exactly),
    pointer, slice, array, map, interface, func, chan, unknown.
    """

    kind: str
    elem: Kind | None = None
    is_time_exact: bool = False  # the type's String() is "time.Time"


#: Kinds are immutable, so the common ones are made once and shared by every field.
_BUILTIN_KIND_VALUES = {name: Kind(kind) for name, kind in BUILTIN_KINDS.items()}
_TIME_KIND = Kind("time", is_time_exact=True)


def _kind(t: GoType, pkg: GoPackage, file: GoFile, resolver: PackageResolver, depth: int = 0) -> Kind:
    if depth > 20:
        return Kind("unknown")
    if t.kind == "ident":
        name = t.name or ""
        builtin = _BUILTIN_KIND_VALUES.get(name)
        if builtin is not None:
            # Shadowing a predeclared type name is legal Go but vanishingly rare; looking
            # for it would force parsing every file of the package.
            return builtin
        if pkg.lookup_struct(name) is not None:
            return Kind("struct")
        named = pkg.lookup_named(name)
        if named is not None:
            under, under_file = named
            inner = _kind(under, pkg, under_file, resolver, depth + 1)
            return Kind(inner.kind, inner.elem, is_time_exact=False)
        return Kind("unknown")
    if t.kind == "qualified":
        import_path = file.imports.get(t.package or "")
        if import_path == "time" and t.name == "Time":
            return _TIME_KIND
        if import_path == "time" and t.name == "Duration":
            return Kind("int64")
        if import_path is not None:
            other = resolver.resolve_import(pkg.directory, import_path)
            if other is not None:
                return _kind(GoType("ident", t.name or "", name=t.name), other, file, resolver, depth + 1)
        return Kind("unknown")
    if t.kind == "pointer":
        return Kind("pointer", _kind(t.elem, pkg, file, resolver, depth + 1) if t.elem else None)
    if t.kind == "slice":
        return Kind("slice", _kind(t.elem, pkg, file, resolver, depth + 1) if t.elem else None)
    if t.kind == "array":
        return Kind("array", _kind(t.elem, pkg, file, resolver, depth + 1) if t.elem else None)
    if t.kind in ("map", "struct", "interface", "func", "chan"):
        return Kind(t.kind)
    if t.kind == "generic":
        return Kind("struct") if t.name and pkg.lookup_struct(t.name) else Kind("unknown")
    return Kind("unknown")


def _is_int(k: Kind) -> bool:
    return k.kind in INT_KINDS or k.kind in UINT_KINDS


def _is_number(k: Kind) -> bool:
    return _is_int(k) or k.kind in FLOAT_KINDS


def key_type(k: Kind) -> str:
    """pkg/schema/manager.go getAttributeType: string S; numbers N; slice B; everything else S."""
    if k.kind == "string":
        return "S"
    if _is_number(k):
        return "N"
    if k.kind == "slice":
        return "B"
    return "S"


def logical_type(k: Kind, tag: ParsedTag) -> str:
    """The DMS logical type of a field (DMS spec §6.2; time.Time is S/rfc3339nano)."""
    if tag.set and k.kind == "slice" and k.elem is not None:
        if k.elem.kind == "string":
            return "SS"
        if _is_number(k.elem):
            return "NS"
        if k.elem.kind == "slice" and k.elem.elem is not None and k.elem.elem.kind == "uint8":
            return "BS"
    if tag.binary:
        return "B"
    if tag.json:
        return "S"
    return _plain_type(k)


def _plain_type(k: Kind) -> str:
    if k.kind == "pointer":
        return _plain_type(k.elem) if k.elem else "S"
    if k.kind == "string" or k.kind == "time":
        return "S"
    if _is_number(k):
        return "N"
    if k.kind == "bool":
        return "BOOL"
    if k.kind == "slice" and k.elem is not None and k.elem.kind == "uint8":
        return "B"
    if k.kind in ("slice", "array"):
        return "L"
    if k.kind in ("map", "struct"):
        return "M"
    return "S"


# --------------------------------------------------------------------------------------------
# Building models


@dataclass
class _Field:
    """One attribute candidate after flattening embedded structs."""

    name: str
    type: GoType
    kind: Kind
    tag_raw: str | None
    tag: ParsedTag
    file: GoFile
    line: int
    column: int


@dataclass(frozen=True)
class GoRules:
    """Which DynamORM behaviour applies, from go.mod (or the config)."""

    version: Version | None  # None: newest
    tag_key: str = "dynamorm"
    forced_naming: str | None = None  # legacy | camelCase | snake_case (config override)

    @property
    def effective(self) -> Version:
        return self.version or NEWEST_KNOWN

    def convention_for(self, detected: str | None) -> str:
        if self.forced_naming:
            return self.forced_naming
        if self.effective < naming_rules.CAMEL_CASE_SINCE:
            return "legacy"
        if detected == "snake_case" and self.effective >= naming_rules.SNAKE_CASE_SINCE:
            return "snake_case"
        return "camelCase"


def rules_for(directory: Path, tag_key: str, naming: str, version_override: str | None) -> tuple[GoRules, GoMod | None]:
    gomod = find_go_mod(directory)
    version: Version | None = None
    text = version_override
    if text is None and gomod is not None:
        module = TABLETHEORY_MODULE if tag_key == "theorydb" else DYNAMORM_MODULE
        text = gomod.version_of(module)
    if text:
        try:
            version = Version.parse(text)
        except ValueError:
            version = None
    forced = None if naming == "auto" else naming
    return GoRules(version=version, tag_key=tag_key, forced_naming=forced), gomod


class TagReader:
    """The struct tags of one load, each looked up and interpreted once.

    A project repeats a few hundred distinct tags across thousands of fields, and every field's
    tag is read several times (is the struct a model, flattening, lints). One reader is shared by
    the builders of a load and dropped with it, so nothing is kept between loads.
    """

    def __init__(self, tag_key: str) -> None:
        self.tag_key = tag_key
        self._values: dict[str, str | None] = {}
        self._parsed: dict[tuple[str | None, bool], ParsedTag] = {}
        self._ambiguous: dict[str, tuple[str, ...]] = {}

    def value(self, tag: str | None) -> str | None:
        """The ``tag_key`` value of a raw struct tag, as reflect reads it (None: absent or unreadable)."""
        if tag is None:
            return None
        if tag not in self._values:
            self._values[tag] = lookup_struct_tag(tag, self.tag_key)
        return self._values[tag]

    def parsed(self, value: str | None, *, before_v1_0_37: bool = False) -> ParsedTag:
        """``parse_dynamorm_tag(value, ...)``; the result is immutable, so fields can share it."""
        key = (value, before_v1_0_37)
        if key not in self._parsed:
            self._parsed[key] = parse_dynamorm_tag(value, before_v1_0_37=before_v1_0_37)
        return self._parsed[key]

    def ambiguous_clauses(self, value: str) -> tuple[str, ...]:
        """``_ambiguous_index_clauses(value)``, once per distinct value."""
        if value not in self._ambiguous:
            self._ambiguous[value] = _ambiguous_index_clauses(value)
        return self._ambiguous[value]


class ModelBuilder:
    """Turns the structs of one package into Models plus diagnostics."""

    def __init__(
        self, pkg: GoPackage, resolver: PackageResolver, rules: GoRules, tags: TagReader | None = None
    ) -> None:
        self.pkg = pkg
        self.resolver = resolver
        self.rules = rules
        # Pass the load's shared reader so that a tag repeated across packages is read once.
        self.tags = tags if tags is not None else TagReader(rules.tag_key)
        # A module that requires DynamORM before v1.0.37 gets that release's tag splitting.
        self._before_token_split = rules.version is not None and rules.version < TOKEN_SPLIT_SINCE
        self.diagnostics: list[Diagnostic] = []

    # -- diagnostics helpers
    def _diag(
        self,
        severity: str,
        code: str,
        message: str,
        *,
        file: GoFile | None,
        line: int | None,
        model: str | None,
        field_name: str | None = None,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                severity=severity,  # type: ignore[arg-type]
                code=code,
                message=message,
                path=file.path if file else None,
                line=line,
                model=model,
                field=field_name,
                hint=hint_for(code),
            )
        )

    # -- which structs are models
    def has_tag(self, struct: GoStruct) -> bool:
        return any(self.tags.value(f.tag) is not None for f in struct.fields)

    def lint_malformed_tags(self, struct: GoStruct, file: GoFile) -> None:
        """DM110 for a struct that is no model only because Go cannot read its tags."""
        for f in struct.fields:
            if f.tag is not None and f"{self.rules.tag_key}:" in f.tag and self.tags.value(f.tag) is None:
                self._diag("warning", "DM110", f"cannot read struct tag {f.tag!r}; DynamORM sees no tag here",
                           file=file, line=f.line, model=struct.name, field_name=",".join(f.names) or f.type.text)

    def embedded_targets(self, struct: GoStruct, file: GoFile) -> list[tuple[Path, str]]:
        """(package directory, type name) of every struct type embedded (by value) in ``struct``."""
        out = []
        for f in struct.fields:
            if not f.embedded or not f.type.name:
                continue
            if f.type.kind == "ident":
                out.append((self.pkg.directory, f.type.name))
            elif f.type.kind == "qualified":
                import_path = file.imports.get(f.type.package or "")
                other = self.resolver.resolve_import(self.pkg.directory, import_path) if import_path else None
                if other is not None:
                    out.append((other.directory, f.type.name))
        return out

    # -- flattening
    def _flatten(
        self, struct: GoStruct, file: GoFile, model: str, pkg: GoPackage, seen: frozenset[str]
    ) -> list[_Field]:
        out: list[_Field] = []
        for f in struct.fields:
            raw = self.tags.value(f.tag)
            if f.tag is not None and raw is None and f"{self.rules.tag_key}:" in f.tag:
                self._diag("warning", "DM110", f"cannot read struct tag {f.tag!r}", file=file, line=f.line,
                           model=model, field_name=",".join(f.names) or f.type.text)
            if f.embedded:
                out.extend(self._embedded(f, raw, file, model, pkg, seen))
                continue
            for name in f.names:
                if not is_exported(name):
                    continue
                kind = _kind(f.type, pkg, file, self.resolver)
                out.append(_Field(name, f.type, kind, raw, self.tags.parsed(raw, before_v1_0_37=self._before_token_split), file, f.line, f.column))
        return out

    def _embedded(
        self, f: GoField, raw: str | None, file: GoFile, model: str, pkg: GoPackage, seen: frozenset[str]
    ) -> list[_Field]:
        t = f.type
        if t.kind == "pointer":
            # `*Base` is not flattened: it is a normal field named after the type (a map).
            base = t.elem
            type_name = base.name if base and base.name else t.text.lstrip("*")
            if not is_exported(type_name):
                return []
            kind = _kind(t, pkg, file, self.resolver)
            return [_Field(type_name, t, kind, raw, self.tags.parsed(raw, before_v1_0_37=self._before_token_split), file, f.line, f.column)]
        type_name = t.name or t.text
        if not is_exported(type_name):
            return []  # unexported embedded type: the field is unexported, DynamORM skips it
        target_pkg: GoPackage | None = pkg
        if t.kind == "qualified":
            import_path = file.imports.get(t.package or "")
            if import_path == "time":
                return []  # time.Time has no exported fields
            target_pkg = (
                self.resolver.resolve_import(pkg.directory, import_path) if import_path else None
            )
        elif t.kind == "generic":
            self._diag("warning", "DM903", f"embedded generic type {t.text} is not resolved",
                       file=file, line=f.line, model=model)
            return []
        found = target_pkg.lookup_struct(type_name) if target_pkg is not None else None
        if found is None:
            named = target_pkg.lookup_named(type_name) if target_pkg is not None else None
            if named is not None:
                # Embedded non-struct named type: a normal field named after the type.
                kind = _kind(named[0], target_pkg, named[1], self.resolver)  # type: ignore[arg-type]
                return [_Field(type_name, t, kind, raw, self.tags.parsed(raw, before_v1_0_37=self._before_token_split), file, f.line, f.column)]
            self._diag(
                "warning",
                "DM903",
                f"embedded type {t.text} cannot be resolved; its fields are not included",
                file=file,
                line=f.line,
                model=model,
            )
            return []
        struct, struct_file = found
        key = f"{target_pkg.directory}:{type_name}"  # type: ignore[union-attr]
        if key in seen:
            return []
        return self._flatten(struct, struct_file, model, target_pkg, seen | {key})  # type: ignore[arg-type]

    # -- the model
    def build(self, struct: GoStruct, file: GoFile) -> Model | None:
        model_name = struct.name
        first_new = len(self.diagnostics)
        if struct.generic:
            self._diag("warning", "DM904", f"generic struct {model_name} is skipped", file=file,
                       line=struct.line, model=model_name)
            return None
        detected = None
        for f in struct.fields:
            found = naming_from_tag(self.tags.value(f.tag))
            if found is not None:
                detected = found
                if f.names and any(is_exported(n) for n in f.names):
                    self._diag("warning", "DM108", "naming: is on an exported field", file=file,
                               line=f.line, model=model_name, field_name=f.names[0])
                break
        if detected == "snake_case" and self.rules.forced_naming is None and (
            naming_rules.CAMEL_CASE_SINCE <= self.rules.effective < naming_rules.SNAKE_CASE_SINCE
        ):
            self._diag(
                "warning",
                "DM109",
                f"naming:snake_case needs DynamORM v1.0.34 or later (go.mod has {self.rules.version}); "
                "this model uses camelCase",
                file=file,
                line=struct.line,
                model=model_name,
            )
        convention = self.rules.convention_for(detected)
        fields = self._flatten(struct, file, model_name, self.pkg, frozenset({f"{self.pkg.directory}:{model_name}"}))
        attributes: list[Attribute] = []
        key_fields: dict[str, list[_Field]] = {"pk": [], "sk": []}
        index_roles: list[tuple[_Field, IndexRole, Attribute]] = []
        ttl = version_attr = None
        by_name: dict[str, _Field] = {}
        effective = self.rules.effective
        implicit_ts = effective >= IMPLICIT_TIMESTAMPS_SINCE
        for fld in fields:
            tag = fld.tag
            if tag.skip:
                continue
            name = naming_rules.convert(fld.name, convention, effective)
            if tag.attr is not None:
                name = tag.attr
            created = tag.created_at or (
                implicit_ts and fld.kind.is_time_exact and fld.name.lower() == "createdat"
            )
            updated = tag.updated_at or (
                implicit_ts and fld.kind.is_time_exact and fld.name.lower() == "updatedat"
            )
            if not tag.empty:
                # Untagged names are not validated by DynamORM, so they are not checked here.
                self._field_checks(fld, tag, name, convention, model_name, created, updated)
            if name in by_name:
                other = by_name[name]
                self._diag(
                    "error",
                    "DM202",
                    f"fields {other.name} and {fld.name} both map to attribute {name!r}",
                    file=fld.file,
                    line=fld.line,
                    model=model_name,
                    field_name=fld.name,
                )
            by_name[name] = fld
            roles: list[str] = []
            if tag.pk:
                roles.append("pk")
                key_fields["pk"].append(fld)
            if tag.sk:
                roles.append("sk")
                key_fields["sk"].append(fld)
            if created:
                roles.append("created_at")
            if updated:
                roles.append("updated_at")
            if tag.version:
                roles.append("version")
                version_attr = name
            if tag.ttl:
                roles.append("ttl")
                ttl = name
            for role in tag.indexes:
                if role.is_pk:
                    roles.append(f"index_pk:{role.name}")
                if role.is_sk:
                    roles.append(f"index_sk:{role.name}")
            table_key = tag.pk or tag.sk
            attr = Attribute(
                name=name,
                type=logical_type(fld.kind, tag),
                field=fld.name,
                go_type=fld.type.text,
                key_type=key_type(fld.kind),  # type: ignore[arg-type]
                roles=tuple(roles),
                omitempty=tag.omitempty,
                set=tag.set,
                encrypted=tag.encrypted,
                json=tag.json,
                binary=tag.binary,
                required=table_key,
                optional=not table_key,
                format=_format(roles),
                location=SourceLocation(fld.file.path, fld.line, fld.column),
            )
            attributes.append(attr)
            for role in tag.indexes:
                index_roles.append((fld, role, attr))
        partition, sort = self._keys(key_fields, attributes, struct, file, model_name)
        indexes = self._indexes(index_roles, partition, sort, struct, file, model_name)
        if any(a.encrypted for a in attributes):
            self._diag("info", "DM308", f"{model_name} has encrypted fields", file=file, line=struct.line,
                       model=model_name)
        has_errors = any(d.severity == "error" for d in self.diagnostics[first_new:])
        if partition is None or has_errors:
            return None
        table = self._table_name(struct, file, model_name)
        return Model(
            name=model_name,
            language="go",
            location=SourceLocation(file.path, struct.line),
            table=table,
            naming=convention,  # type: ignore[arg-type]
            partition=partition,
            sort=sort,
            attributes=tuple(attributes),
            indexes=indexes,
            ttl_attribute=ttl,
            version_attribute=version_attr,
            package=self.pkg.display_dir,
            dynamorm_version=str(self.rules.version) if self.rules.version else None,
        )

    def _field_checks(
        self,
        fld: _Field,
        tag: ParsedTag,
        name: str,
        convention: str,
        model: str,
        created: bool,
        updated: bool,
    ) -> None:
        def diag(severity: str, code: str, message: str) -> None:
            self._diag(severity, code, message, file=fld.file, line=fld.line, model=model, field_name=fld.name)

        for problem in tag.problems:
            diag(problem.severity, problem.code, problem.message)
        for message in self.tags.ambiguous_clauses(fld.tag_raw or ""):
            diag("warning", "DM106", message)
        if self._before_token_split and fld.tag_raw:
            later = self.tags.parsed(fld.tag_raw)
            if _meaning(later) != _meaning(tag):
                diag("warning", "DM111",
                     f"DynamORM {self.rules.version} reads this tag as {_meaning(tag)}; from v1.0.37 on it is "
                     f"{_meaning(later)}")
        kind = fld.kind
        if tag.version:
            if not _is_int(kind) and kind.kind != "unknown":
                diag("error", "DM301", f"version field must be numeric (field {fld.name} is {fld.type.text})")
            elif kind.kind in UINT_KINDS:
                diag("warning", "DM302", f"version field {fld.name} is unsigned ({fld.type.text}); "
                     "DynamORM panics when it updates or deletes such a model")
        if tag.ttl and kind.kind not in ("int64", "uint64", "unknown"):
            diag("error", "DM303", f"ttl field must be int64 or uint64 (field {fld.name} is {fld.type.text})")
        if tag.set and kind.kind not in ("slice", "unknown"):
            diag("error", "DM304", f"set tag can only be used on slice types (field {fld.name} is {fld.type.text})")
        elif tag.set and kind.elem is not None and kind.elem.kind != "string":
            diag("warning", "DM309", f"set on {fld.type.text} is stored as a list (L) by DynamORM's marshaler")
        if (tag.created_at or tag.updated_at) and not kind.is_time_exact and kind.kind != "unknown":
            diag("error", "DM305",
                 f"created_at/updated_at fields must be time.Time (field {fld.name} is {fld.type.text})")
        problem = naming_rules.validate_attr_name(name, convention)
        if problem:
            suggestion = naming_rules.suggest_valid_name(name, convention)
            diag("error", "DM201", f"invalid struct tag: {problem}; try {suggestion!r}")
        is_key = tag.pk or tag.sk or bool(tag.indexes)
        if tag.encrypted and is_key:
            severity = "error" if self.rules.effective >= ENCRYPTED_KEY_CHECK_SINCE else "warning"
            diag(severity, "DM307", "invalid struct tag: encrypted fields cannot be used as primary or index keys")
        if is_key:
            bad = kind.kind in ("bool", "pointer", "struct", "map", "interface", "array", "func", "chan")
            if kind.kind == "slice":
                diag("warning", "DM306", f"key field {fld.name} is {fld.type.text}: CreateTable declares B but "
                     "DynamORM's marshaler writes a list, which DynamoDB rejects for a key")
            elif bad:
                diag("warning", "DM306", f"key field {fld.name} is {fld.type.text}: CreateTable declares S but "
                     "the value is not stored as a string")

    def _keys(
        self,
        key_fields: dict[str, list[_Field]],
        attributes: list[Attribute],
        struct: GoStruct,
        file: GoFile,
        model: str,
    ) -> tuple[KeyAttribute | None, KeyAttribute | None]:
        def attr_of(fld: _Field) -> Attribute:
            return next(a for a in attributes if a.field == fld.name and a.location and a.location.line == fld.line)

        pks, sks = key_fields["pk"], key_fields["sk"]
        if not pks:
            self._diag("error", "DM401", "missing primary key: no field is tagged `pk`", file=file,
                       line=struct.line, model=model)
            return None, None
        for extra in pks[1:]:
            self._diag("error", "DM402", f"duplicate primary key definition: {pks[0].name} and {extra.name} "
                       "are both tagged `pk`", file=extra.file, line=extra.line, model=model, field_name=extra.name)
        for extra in sks[1:]:
            self._diag("error", "DM403", f"duplicate sort key definition: {sks[0].name} and {extra.name} "
                       "are both tagged `sk`", file=extra.file, line=extra.line, model=model, field_name=extra.name)
        pk_attr = attr_of(pks[0])
        partition = KeyAttribute(pk_attr.name, pk_attr.key_type or "S")
        sort = None
        if sks:
            sk_attr = attr_of(sks[0])
            sort = KeyAttribute(sk_attr.name, sk_attr.key_type or "S")
            if sk_attr.name == pk_attr.name:
                self._diag("error", "DM406", f"{pks[0].name} is both the partition and the sort key",
                           file=sks[0].file, line=sks[0].line, model=model, field_name=sks[0].name)
        return partition, sort

    def _indexes(
        self,
        roles: list[tuple[_Field, IndexRole, Attribute]],
        partition: KeyAttribute | None,
        sort: KeyAttribute | None,
        struct: GoStruct,
        file: GoFile,
        model: str,
    ) -> tuple[Index, ...]:
        order: list[str] = []
        kinds: dict[str, str] = {}
        pks: dict[str, tuple[_Field, Attribute]] = {}
        sks: dict[str, tuple[_Field, Attribute]] = {}
        for fld, role, attr in roles:

            def diag(severity: str, code: str, message: str, fld: _Field = fld) -> None:
                self._diag(severity, code, message, file=fld.file, line=fld.line, model=model, field_name=fld.name)

            if role.name not in kinds:
                order.append(role.name)
                lsi = role.lsi_clause or role.name.startswith(("lsi-", "lsi_"))
                kinds[role.name] = "LSI" if lsi else "GSI"
                if role.name == "":
                    diag("error", "DM409", "empty index name")
                elif not INDEX_NAME_RE.match(role.name):
                    diag("error", "DM410", f"invalid index name {role.name!r}: use 3-255 characters of "
                         "letters, digits, '_', '-', '.'")
            else:
                this_lsi = role.lsi_clause
                if this_lsi and kinds[role.name] == "GSI":
                    diag("warning", "DM411", f"index {role.name!r} is used with lsi: here but was first "
                         "declared as a GSI; DynamORM keeps GSI")
            if role.is_pk:
                if role.name in pks:
                    diag("error", "DM404", f"duplicate partition key for index {role.name}")
                else:
                    pks[role.name] = (fld, attr)
            if role.is_sk:
                if role.name in sks:
                    diag("error", "DM404", f"duplicate sort key for index {role.name}")
                else:
                    sks[role.name] = (fld, attr)
        indexes: list[Index] = []
        for name in order:
            kind = kinds[name]
            sk_entry = sks.get(name)
            sk_key = KeyAttribute(sk_entry[1].name, sk_entry[1].key_type or "S") if sk_entry else None
            if kind == "LSI":
                if partition is None:
                    continue
                if pks.get(name) and not sk_entry:
                    fld = pks[name][0]
                    self._diag("error", "DM407", f"LSI {name!r} has no sort key (index:{name} alone makes the "
                               "field a partition key, which an LSI cannot have)", file=fld.file, line=fld.line,
                               model=model, field_name=fld.name)
                    continue
                if sk_key is None:
                    continue
                if sort is None:
                    fld = sk_entry[0]  # type: ignore[index]
                    self._diag("error", "DM408", f"LSI {name!r} needs a table sort key (`sk`)", file=fld.file,
                               line=fld.line, model=model, field_name=fld.name)
                    continue
                indexes.append(Index(name, "LSI", partition, sk_key, Projection()))
                continue
            pk_entry = pks.get(name)
            if pk_entry is None:
                fld = sk_entry[0] if sk_entry else None
                self._diag("error", "DM405", f"missing partition key for index {name}",
                           file=fld.file if fld else file, line=fld.line if fld else struct.line, model=model,
                           field_name=fld.name if fld else None)
                continue
            pk_key = KeyAttribute(pk_entry[1].name, pk_entry[1].key_type or "S")
            if sk_key is not None and sk_key.name == pk_key.name:
                self._diag("error", "DM406", f"index {name!r} uses {pk_entry[0].name} as both partition and sort key",
                           file=pk_entry[0].file, line=pk_entry[0].line, model=model, field_name=pk_entry[0].name)
                continue
            indexes.append(Index(name, "GSI", pk_key, sk_key, Projection()))
        gsis = sum(1 for i in indexes if i.kind == "GSI")
        lsis = sum(1 for i in indexes if i.kind == "LSI")
        if gsis > 20:
            self._diag("error", "DM412", f"{model} declares {gsis} GSIs; DynamoDB allows 20", file=file,
                       line=struct.line, model=model)
        if lsis > 5:
            self._diag("error", "DM413", f"{model} declares {lsis} LSIs; DynamoDB allows 5", file=file,
                       line=struct.line, model=model)
        return tuple(sorted(indexes, key=lambda i: (i.kind, i.name)))

    # -- table names
    def table_method(self, struct_name: str, seen: frozenset[str] = frozenset()) -> tuple[GoMethod | None, bool]:
        """The TableName method DynamORM would call: own first, then promoted from embedded types.

        Returns (method, ignored_for_signature).
        """
        for method in self.pkg.methods_of(struct_name):
            if method.name == "TableName":
                ok = method.params == 0 and method.results.strip() == "string"
                return method, not ok
        found = self.pkg.lookup_struct(struct_name)
        if found is None:
            return None, False
        struct, _ = found
        candidates = []
        for f in struct.fields:
            if f.embedded:
                t = f.type.elem if f.type.kind == "pointer" and f.type.elem else f.type
                if t.kind == "ident" and t.name and t.name not in seen:
                    candidates.append(t.name)
        hits = []
        for name in candidates:
            method, ignored = self.table_method(name, seen | {struct_name})
            if method is not None:
                hits.append((method, ignored))
        if len(hits) == 1:
            return hits[0]
        return None, False  # none, or ambiguous at the same depth (Go promotes neither)

    def _table_name(self, struct: GoStruct, file: GoFile, model: str) -> TableName:
        plural = naming_rules.plural_table_name(struct.name)
        method, ignored = self.table_method(struct.name)
        if method is None:
            return TableName(plural, "default", fallback=plural, origin="DynamORM default (plural of the type name)")
        if ignored:
            self._diag("warning", "DM502", f"TableName() of {model} has the wrong signature "
                       f"(func ({method.receiver}) TableName({'...' if method.params else ''}) {method.results}); "
                       "DynamORM ignores it", file=file, line=method.line, model=model)
            return TableName(plural, "default", fallback=plural, origin="DynamORM default (TableName ignored)")
        values = method.returns
        resolved = [self._resolve_return(v) for v in values]
        literals = [r for r in resolved if r[0] == "literal"]
        envs = [r for r in resolved if r[0] == "env"]
        if len(resolved) == 1 and resolved[0][0] == "literal":
            return TableName(resolved[0][1], "literal", origin=f"TableName() at {file.path}:{method.line}")
        if len(resolved) == 1 and resolved[0][0] == "env":
            return TableName(plural, "env", env_var=resolved[0][1], fallback=plural,
                             origin=f"os.Getenv({resolved[0][1]!r})")
        if len(method.env_calls) == 1 and len(literals) == 1 and not envs:
            # if v := os.Getenv("X"); v != "" { return v }; return "fallback"
            return TableName(literals[0][1], "env", env_var=method.env_calls[0], fallback=literals[0][1],
                             origin=f"os.Getenv({method.env_calls[0]!r}) with fallback")
        self._diag("warning", "DM503", f"cannot determine the table name of {model} from TableName() "
                   f"({'; '.join(v.text for v in values) or 'no return'})", file=file, line=method.line, model=model)
        return TableName(plural, "default", fallback=plural, origin="unknown (TableName() is dynamic)")

    def _resolve_return(self, value: object) -> tuple[str, str]:
        from liftcli.dynamorm.goparse import ReturnValue

        assert isinstance(value, ReturnValue)
        if value.kind == "literal" and value.value is not None:
            return "literal", value.value
        if value.kind == "env" and value.value is not None:
            return "env", value.value
        if value.kind == "const" and value.value:
            const = self.pkg.lookup_const(value.value)
            if const is not None:
                return "literal", const
        if value.kind == "env-const" and value.value:
            const = self.pkg.lookup_const(value.value)
            if const is not None:
                return "env", const
        return "other", value.text


def _meaning(tag: ParsedTag) -> str:
    """What a parsed tag makes of its field, e.g. ``table pk, index gsi-a (sk), omitempty``."""
    words = [f"table {k}" for k in ("pk", "sk") if getattr(tag, k)]
    for role in tag.indexes:
        keys = [k for k, on in (("pk", role.is_pk), ("sk", role.is_sk), ("sparse", role.sparse)) if on]
        kind = "lsi" if role.lsi_clause else "index"
        words.append(f"{kind} {role.name} ({', '.join(keys) or 'no key'})")
    words += [flag for flag in ("version", "ttl", "created_at", "updated_at", "set", "omitempty", "binary", "json",
                                "encrypted") if getattr(tag, flag)]
    if tag.attr:
        words.append(f"attr {tag.attr}")
    errors = [p.message for p in tag.problems if p.severity == "error"]
    if errors:
        words.append("an error: " + "; ".join(errors))
    return ", ".join(words) or "nothing"


def _ambiguous_index_clauses(raw: str) -> tuple[str, ...]:
    """DM106 lint of `index:x,...,sk` that might have meant the table sort key (facts §1.2).

    Only the ambiguous shape is reported: a clause followed by both pk and sk (the same field
    becomes both keys of the index).
    """
    if "index:" not in raw:
        return ()  # no index clause, nothing to report (most tags)
    tokens = [t.strip() for t in raw.split(",") if t.strip()]
    messages = []
    for i, token in enumerate(tokens):
        if token.startswith("index:"):
            following = []
            for nxt in tokens[i + 1 :]:
                if nxt in ("pk", "sk", "sparse"):
                    following.append(nxt)
                else:
                    break
            if "pk" in following and "sk" in following:
                messages.append(f"'{','.join([token, *following])}' makes this field both keys of the index; "
                                "a pk/sk meant for the table must come before the index clause")
    return tuple(messages)


def _format(roles: Collection[str]) -> str | None:
    if "created_at" in roles or "updated_at" in roles:
        return "rfc3339nano"
    if "ttl" in roles:
        return "unix_seconds"
    if "version" in roles:
        return "int"
    return None
