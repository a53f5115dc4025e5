"""The ``dynamorm:"..."`` struct-tag grammar (pkg/model/registry.go, dynamorm-facts.md §1).

Two layers:

* ``lookup_struct_tag`` is Go's ``reflect.StructTag.Lookup``: find ``key:"value"`` in a raw
  struct tag and unquote the value exactly as Go does (a malformed tag simply has no value).
* ``parse_dynamorm_tag`` tokenises and interprets the value like DynamORM's ``splitTags`` /
  ``applyTagPart``: an ``index:``/``lsi:`` clause swallows the ``pk``/``sk``/``sparse`` tokens
  that follow it; unknown bare tokens are errors; unknown ``key:value`` tokens are kept (DynamORM
  ignores them; we lint them). Releases before v1.0.37 split tags character by character with
  other rules (``split_tags_before_v1_0_37``); the models of a module that requires one of them
  are read that way.

Nothing here raises on any input: problems come back as ``TagProblem`` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KNOWN_KEYS = ("attr", "index", "lsi", "project", "encrypted", "naming")
BARE_TOKENS = (
    "pk",
    "sk",
    "version",
    "ttl",
    "created_at",
    "updated_at",
    "set",
    "omitempty",
    "binary",
    "json",
    "encrypted",
)
INDEX_MODIFIERS = ("pk", "sk", "sparse")


# --------------------------------------------------------------------------------------------
# Go reflect.StructTag.Lookup


def _unquote_go(quoted: str) -> str | None:
    """Go's strconv.Unquote for a double-quoted string; None when invalid."""
    if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
        return None
    body = quoted[1:-1]
    if "\\" not in body:
        # Fast path (nearly every tag): no escapes, so only a quote or newline can make it invalid.
        return None if '"' in body or "\n" in body else body
    out: list[str] = []
    i = 0
    simple = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              "\\": "\\", '"': '"', "'": None}
    while i < len(body):
        ch = body[i]
        if ch == '"' or ch == "\n":
            return None
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(body):
            return None
        esc = body[i + 1]
        if esc in simple:
            if simple[esc] is None:  # \' is not valid inside "..."
                return None
            out.append(simple[esc])  # type: ignore[arg-type]
            i += 2
            continue
        widths = {"x": 2, "u": 4, "U": 8}
        if esc in widths:
            digits = body[i + 2 : i + 2 + widths[esc]]
            if len(digits) != widths[esc] or any(c not in "0123456789abcdefABCDEF" for c in digits):
                return None
            code = int(digits, 16)
            if esc == "x":
                out.append(chr(code))  # a byte; tags are ASCII in practice
            else:
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    return None
                out.append(chr(code))
            i += 2 + widths[esc]
            continue
        if esc in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(c not in "01234567" for c in digits):
                return None
            value = int(digits, 8)
            if value > 255:
                return None
            out.append(chr(value))
            i += 4
            continue
        return None
    return "".join(out)


_SIMPLE_TAG = re.compile(r'^(?: *[^\x00-\x20:"\x7f]+:"[^"\\\n]*")* *$')
_SIMPLE_PAIR = re.compile(r'([^\x00-\x20:"\x7f]+):"([^"\\\n]*)"')


def lookup_struct_tag(tag: str, key: str) -> str | None:
    """Go's ``reflect.StructTag.Lookup(key)``: the unquoted value, or None if absent/malformed."""
    if _SIMPLE_TAG.match(tag):
        # Fast path for well-formed tags without escapes (the common case): same answer as below.
        for name, value in _SIMPLE_PAIR.findall(tag):
            if name == key:
                return value
        return None
    return _lookup_slow(tag, key)


def _lookup_slow(tag: str, key: str) -> str | None:
    """A line-by-line port of Go's reflect.StructTag.Lookup."""
    i = 0
    n = len(tag)
    while i < n:
        while i < n and tag[i] == " ":
            i += 1
        if i >= n:
            break
        start = i
        # Scan to colon. A space, a quote, or a control character is a syntax error.
        while i < n and tag[i] > " " and tag[i] != ":" and tag[i] != '"' and ord(tag[i]) != 0x7F:
            i += 1
        if i == start or i + 1 >= n or tag[i] != ":" or tag[i + 1] != '"':
            break
        name = tag[start:i]
        i += 1
        # Scan quoted string to find value.
        j = i + 1
        while j < n and tag[j] != '"':
            if tag[j] == "\\":
                j += 1
            j += 1
        if j >= n:
            break
        quoted = tag[i : j + 1]
        i = j + 1
        if name == key:
            return _unquote_go(quoted)
    return None


# --------------------------------------------------------------------------------------------
# The dynamorm grammar


@dataclass(frozen=True, slots=True)
class TagProblem:
    severity: str  # "error" | "warning"
    code: str
    message: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class IndexRole:
    name: str
    is_pk: bool = False
    is_sk: bool = False
    sparse: bool = False
    lsi_clause: bool = False  # declared with lsi: (forces LSI)


@dataclass(frozen=True, slots=True)
class ParsedTag:
    """What DynamORM understands from one field's tag."""

    skip: bool = False  # dynamorm:"-"
    empty: bool = True  # no tag or dynamorm:"" (same thing to DynamORM)
    pk: bool = False
    sk: bool = False
    version: bool = False
    ttl: bool = False
    created_at: bool = False
    updated_at: bool = False
    set: bool = False
    omitempty: bool = False
    binary: bool = False
    json: bool = False
    encrypted: bool = False
    attr: str | None = None
    naming: str | None = None  # value of naming:..., as written
    indexes: tuple[IndexRole, ...] = ()
    other: tuple[tuple[str, str], ...] = ()  # unknown key:value tokens (ignored by DynamoRM)
    problems: tuple[TagProblem, ...] = field(default=())


def split_tags(tag: str) -> list[str]:
    """DynamORM's ``splitTags`` (v1.0.37+): keep pk/sk/sparse glued to a preceding clause."""
    parts: list[str] = []
    current: list[str] = []
    in_clause = False
    for raw in tag.split(","):
        part = raw.strip()
        if not part:
            continue
        if in_clause:
            if part in INDEX_MODIFIERS:
                current.append(part)
                continue
            parts.append(",".join(current))
            current = []
            in_clause = False
        if part.startswith("index:") or part.startswith("lsi:"):
            in_clause = True
            current = [part]
            continue
        parts.append(part)
    if current:
        parts.append(",".join(current))
    return parts


# What DynamORM before v1.0.37 treats as the start of a new tag after a comma inside an index
# clause (its isStandaloneTag): these bare tokens, or a key:value token with one of these keys.
_LEGACY_STANDALONE = ("pk", "sk", "version", "ttl", "created_at", "updated_at", "set", "omitempty", "binary",
                      "json", "encrypted")
_LEGACY_KNOWN_KEYS = ("attr", "index", "lsi", "project")


def _legacy_standalone(rest: str) -> bool:
    for token in _LEGACY_STANDALONE:
        if rest == token or rest.startswith(token + ","):
            # pk/sk right after an index clause are its modifiers, unless a ':' appears anywhere
            # later in the tag (the whole rest is checked, not the next token)
            return not (token in ("pk", "sk") and ":" not in rest)
    colon = rest.find(":")
    return colon >= 0 and rest[:colon] in _LEGACY_KNOWN_KEYS


def split_tags_before_v1_0_37(tag: str) -> list[str]:
    """DynamORM's character-level ``splitTags`` of v1.0.0-v1.0.36.

    An ``index:``/``lsi:`` clause goes on until the text after a comma looks like a standalone
    tag; the clause then keeps that comma (``index:g,`` reads as an index with neither pk nor
    sk, and ``lsi:l,`` as an unknown empty modifier), and other commas stay inside the clause,
    so a later ``naming:...`` or unknown token becomes part of it. Checked against the Go
    function on 15,000 generated tags (tests/unit/test_tags_legacy.py has the cases).
    """
    parts: list[str] = []
    current: list[str] = []
    in_clause = False
    started = False  # current starts with index: or lsi:
    for i, ch in enumerate(tag):
        if ch == "," and not in_clause:
            if current:
                parts.append("".join(current))
                current = []
                started = False
            continue
        current.append(ch)
        if not started:
            text = "".join(current)
            started = text.startswith("index:") or text.startswith("lsi:")
        if started:
            if ch == "," and i + 1 < len(tag):
                if _legacy_standalone(tag[i + 1 :].strip()):
                    parts.append("".join(current))
                    current = []
                    started = in_clause = False
                else:
                    in_clause = True
            else:
                in_clause = True
    if current:
        parts.append("".join(current))
    return parts


def _parse_index_clause(value: str, *, lsi: bool) -> tuple[IndexRole, list[TagProblem]]:
    pieces = value.split(",")
    name = pieces[0].strip()
    problems: list[TagProblem] = []
    modifiers = [p.strip() for p in pieces[1:] if p.strip()]
    is_pk = is_sk = sparse = False
    if lsi:
        if not pieces[1:]:
            is_sk = True
        for mod in (p.strip() for p in pieces[1:]):
            if mod == "sk":
                is_sk = True
            else:
                problems.append(
                    TagProblem("error", "DM104", f"invalid struct tag: unknown lsi tag modifier '{mod}'", mod)
                )
    else:
        if len(pieces) == 1:
            is_pk = True
        for mod in modifiers:
            if mod == "pk":
                is_pk = True
            elif mod == "sk":
                is_sk = True
            elif mod == "sparse":
                sparse = True
    return IndexRole(name, is_pk, is_sk, sparse, lsi_clause=lsi), problems


def parse_dynamorm_tag(tag: str | None, *, before_v1_0_37: bool = False) -> ParsedTag:
    """Interpret the value of a ``dynamorm`` struct tag (None = the field has no such tag).

    ``before_v1_0_37`` splits the tag as DynamORM v1.0.0-v1.0.36 did (``split_tags_before_v1_0_37``);
    what each part means did not change.
    """
    if tag is None or tag == "":
        return ParsedTag()
    if tag == "-":
        return ParsedTag(skip=True, empty=False)
    flags: dict[str, bool] = {}
    attr: str | None = None
    naming: str | None = None
    indexes: dict[str, IndexRole] = {}
    other: list[tuple[str, str]] = []
    problems: list[TagProblem] = []
    for part in (split_tags_before_v1_0_37 if before_v1_0_37 else split_tags)(tag):
        part = part.strip()
        if not part:
            continue
        colon = part.find(":")
        if colon > 0:
            key = part[:colon]
            value = part[colon + 1 :].strip()
            if key == "attr":
                attr = value
            elif key in ("index", "lsi"):
                role, clause_problems = _parse_index_clause(value, lsi=key == "lsi")
                problems.extend(clause_problems)
                if role.name in indexes:
                    problems.append(
                        TagProblem(
                            "warning",
                            "DM107",
                            f"index {role.name!r} appears twice in this tag; DynamORM keeps only the last clause",
                            part,
                        )
                    )
                indexes[role.name] = role
            elif key == "encrypted":
                flags["encrypted"] = True
            elif key == "naming":
                naming = value
                if value not in ("snake_case", "camel_case", "camelCase"):
                    problems.append(
                        TagProblem(
                            "warning",
                            "DM105",
                            f"naming:{value} is not a convention DynamORM knows (snake_case, camelCase); "
                            "it is ignored",
                            part,
                        )
                    )
            elif key == "project":
                other.append((key, value))
                problems.append(
                    TagProblem(
                        "warning",
                        "DM103",
                        f"'{part}' is accepted by DynamORM but has no effect: Go models always "
                        "project ALL attributes into every index",
                        part,
                    )
                )
            else:
                other.append((key, value))
                problems.append(
                    TagProblem(
                        "warning",
                        "DM102",
                        f"unknown tag '{part}' is silently ignored by DynamORM",
                        part,
                    )
                )
            continue
        if part in BARE_TOKENS:
            flags[part] = True
        else:
            problems.append(TagProblem("error", "DM101", f"invalid struct tag: unknown tag '{part}'", part))
    return ParsedTag(
        skip=False,
        empty=False,
        pk=flags.get("pk", False),
        sk=flags.get("sk", False),
        version=flags.get("version", False),
        ttl=flags.get("ttl", False),
        created_at=flags.get("created_at", False),
        updated_at=flags.get("updated_at", False),
        set=flags.get("set", False),
        omitempty=flags.get("omitempty", False),
        binary=flags.get("binary", False),
        json=flags.get("json", False),
        encrypted=flags.get("encrypted", False),
        attr=attr,
        naming=naming,
        indexes=tuple(indexes.values()),
        other=tuple(other),
        problems=tuple(problems),
    )


def naming_from_tag(tag: str | None) -> str | None:
    """DynamORM's ``detectNamingConvention`` for one field: snake_case / camelCase / None."""
    if not tag:
        return None
    for part in tag.split(","):
        part = part.strip()
        if part.startswith("naming:"):
            value = part[len("naming:") :]
            if value == "snake_case":
                return "snake_case"
            if value in ("camel_case", "camelCase"):
                return "camelCase"
    return None
