"""Small pieces of Go source computed in Python so templates only place them.

Everything returned here is already gofmt-formatted: struct fields and keyed composite
literal lines are padded the way gofmt's tabwriter aligns them (one space after the widest
cell of a run of single-line entries).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from liftcli.dynamorm import naming as naming_rules

GO_RESERVED = frozenset(
    "break case chan const continue default defer else fallthrough for func go goto if import interface "
    "map package range return select struct switch type var "
    # predeclared identifiers a parameter should not shadow
    "append bool byte cap close complex copy delete error false float32 float64 imag int int8 int16 int32 "
    "int64 len make new nil panic print println real recover rune string true uint uint8 uint16 uint32 "
    "uint64 uintptr any ctx item out err".split()
)


@dataclass(frozen=True, slots=True)
class StructField:
    """One struct field line: ``Name Type `dynamorm:"..." json:"..."```."""

    name: str
    go_type: str
    tag_tokens: tuple[str, ...] = ()
    json_name: str | None = None
    json_omitempty: bool = False

    def tag(self) -> str:
        parts = []
        if self.tag_tokens:
            parts.append(f'dynamorm:"{",".join(self.tag_tokens)}"')
        if self.json_name:
            parts.append(f'json:"{self.json_name}{",omitempty" if self.json_omitempty else ""}"')
        return f"`{' '.join(parts)}`" if parts else ""


def struct_lines(fields: Sequence[StructField]) -> list[str]:
    """Field lines (without the leading tab) aligned as gofmt aligns them."""
    name_w = max((len(f.name) for f in fields), default=0)
    type_w = max((len(f.go_type) for f in fields), default=0)
    lines = []
    for f in fields:
        tag = f.tag()
        if tag:
            lines.append(f"{f.name.ljust(name_w)} {f.go_type.ljust(type_w)} {tag}")
        else:
            lines.append(f"{f.name.ljust(name_w)} {f.go_type}".rstrip())
    return lines


def keyed_lines(pairs: Sequence[tuple[str, str]], *, trailing: str = ",") -> list[str]:
    """``Key: value,`` lines of a composite literal, values aligned as gofmt does.

    Every value must fit on one line (a multi-line value would end gofmt's alignment run).
    """
    width = max((len(k) for k, _ in pairs), default=0) + 1
    return [f"{(k + ':').ljust(width)} {v}{trailing}" for k, v in pairs]


def param_name(field_name: str) -> str:
    """A Go parameter name for a field: ``TenantID`` -> ``tenantID``; avoids keywords."""
    name = naming_rules.default_attr_name(field_name)
    if name in ("PK", "SK"):
        name = name.lower()
    if name in GO_RESERVED:
        name += "Value"
    return name


def package_name_for(directory: Path) -> str:
    """The package of existing non-test .go files in ``directory``, else one made from its name."""
    if directory.is_dir():
        for path in sorted(directory.glob("*.go")):
            if path.name.endswith("_test.go"):
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            match = re.search(r"^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)", text, re.MULTILINE)
            if match:
                return match.group(1)
    base = re.sub(r"[^a-z0-9]", "", directory.name.lower())
    if not base or base[0].isdigit():
        base = "models"
    return base


def import_block(imports: Iterable[str]) -> list[str]:
    """Import lines grouped as goimports does: standard library first, then the rest."""

    def path_of(spec: str) -> str:
        return spec.split("=", 1)[1] if "=" in spec else spec

    specs = set(imports)
    std = sorted((i for i in specs if "." not in path_of(i).split("/")[0]), key=path_of)
    other = sorted((i for i in specs if "." in path_of(i).split("/")[0]), key=path_of)
    lines = [f'"{i}"' for i in std]
    if std and other:
        lines.append("")
    lines.extend(_import_line(i) for i in other)
    return lines


def _import_line(spec: str) -> str:
    # "alias=path" selects an import alias.
    if "=" in spec:
        alias, path = spec.split("=", 1)
        return f'{alias} "{path}"'
    return f'"{spec}"'


def go_string(value: str) -> str:
    """A Go interpreted string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
