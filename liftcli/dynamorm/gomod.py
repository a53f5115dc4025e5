"""go.mod: the module path and the DynamORM version a Go package builds against."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DYNAMORM_MODULE = "github.com/pay-theory/dynamorm"
TABLETHEORY_MODULE = "github.com/theory-cloud/tabletheory"

_MODULE_RE = re.compile(r"^\s*module\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class GoMod:
    path: Path
    module: str | None
    requires: dict[str, str]  # module path -> version (after replace directives)
    require_lines: dict[str, int]

    def version_of(self, module: str) -> str | None:
        return self.requires.get(module)


def _strip_comment(line: str) -> str:
    idx = line.find("//")
    return line[:idx] if idx >= 0 else line


def parse_go_mod(text: str, path: Path) -> GoMod:
    module_match = _MODULE_RE.search(text)
    module = module_match.group(1).strip('"') if module_match else None
    requires: dict[str, str] = {}
    lines_of: dict[str, int] = {}
    replaces: dict[str, str] = {}
    block: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
                continue
            _directive(block, line.split(), requires, lines_of, replaces, number)
            continue
        words = line.split()
        if words[0] in ("require", "replace") and len(words) >= 2 and words[1] == "(":
            block = words[0]
            continue
        if words[0] in ("require", "replace"):
            _directive(words[0], words[1:], requires, lines_of, replaces, number)
    for mod, version in replaces.items():
        if mod in requires:
            requires[mod] = version
    return GoMod(path=path, module=module, requires=requires, require_lines=lines_of)


def _directive(
    kind: str,
    words: list[str],
    requires: dict[str, str],
    lines_of: dict[str, int],
    replaces: dict[str, str],
    number: int,
) -> None:
    if kind == "require" and len(words) >= 2:
        requires[words[0]] = words[1]
        lines_of[words[0]] = number
    elif kind == "replace" and "=>" in words:
        arrow = words.index("=>")
        old = words[0]
        new = words[arrow + 1 :]
        # `replace M => ../local` has no version: keep the required one.
        if len(new) >= 2:
            replaces[old] = new[1]


@lru_cache(maxsize=256)
def find_go_mod(directory: Path) -> GoMod | None:
    """The nearest go.mod in ``directory`` or a parent, parsed (cached per directory)."""
    current = directory.resolve()
    for candidate_dir in (current, *current.parents):
        candidate = candidate_dir / "go.mod"
        if candidate.is_file():
            try:
                return parse_go_mod(candidate.read_text(encoding="utf-8", errors="replace"), candidate)
            except OSError:
                return None
    return None
