"""DynamORM attribute naming, version by version (pkg/naming/naming.go).

* before v1.0.31: the attribute name is the Go field name verbatim (``legacy``);
* v1.0.31 and later: camelCase (``default_attr_name``) with ``PK``/``SK`` kept as they are;
* v1.0.34 and later: ``naming:snake_case`` per model (``to_snake_case``). The snake_case
  algorithm changed in v1.1.0; both versions are here because they differ when an acronym
  touches a digit (``ID1``: ``i_d1`` before v1.1.0, ``id1`` from v1.1.0).
"""

from __future__ import annotations

import re
from functools import lru_cache

from liftcli.dynamorm.versions import Version

CAMEL_RE = re.compile(r"^[a-z][A-Za-z0-9]*$")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

CAMEL_CASE_SINCE = Version.parse("v1.0.31")
SNAKE_CASE_SINCE = Version.parse("v1.0.34")
NEW_SNAKE_ALGORITHM_SINCE = Version.parse("v1.1.0")


def _is_upper(ch: str) -> bool:
    # Go's unicode.IsUpper: an upper-case letter (title-case letters are not upper).
    return ch.isupper() and ch != ch.lower()


def _is_lower(ch: str) -> bool:
    return ch.islower() and ch != ch.upper()


def _lower(text: str) -> str:
    """Go's per-rune unicode.ToLower (Python's str.lower turns 'İ' into two characters)."""
    if text.isascii():
        return text.lower()  # the same answer for ASCII, without a Python loop per character
    return "".join(ch.lower()[0] if ch.lower() else ch for ch in text)


def default_attr_name(name: str) -> str:
    """camelCase as DynamORM's ``DefaultAttrName`` (v1.0.31+; unchanged since)."""
    if name == "":
        return ""
    if name in ("PK", "SK"):
        return name
    runes = list(name)
    if len(runes) == 1:
        return _lower(name)
    boundary = 1
    while boundary < len(runes):
        if not _is_upper(runes[boundary]):
            break
        if boundary + 1 < len(runes) and not _is_upper(runes[boundary + 1]):
            break
        boundary += 1
    return _lower("".join(runes[:boundary])) + "".join(runes[boundary:])


def to_snake_case(name: str) -> str:
    """snake_case as DynamORM v1.1.0+ ``ToSnakeCase``."""
    if name == "":
        return ""
    runes = list(name)
    if len(runes) == 1:
        return _lower(name)
    out: list[str] = []
    for i, ch in enumerate(runes):
        if _is_upper(ch) and i > 0:
            prev = runes[i - 1]
            next_is_lower = i + 1 < len(runes) and _is_lower(runes[i + 1])
            if not prev.isdigit() and (_is_lower(prev) or (_is_upper(prev) and next_is_lower)):
                out.append("_")
        out.append(_lower(ch))
    return "".join(out)


def to_snake_case_v1_0(name: str) -> str:
    """snake_case as DynamORM v1.0.34 - v1.0.40 ``ToSnakeCase`` (a word/acronym accumulator)."""
    if name == "":
        return ""
    runes = list(name)
    if len(runes) == 1:
        return _lower(name)
    result: list[str] = []
    word: list[str] = []
    i = 0
    while i < len(runes):
        ch = runes[i]
        if _is_upper(ch):
            is_acronym = i + 1 < len(runes) and _is_upper(runes[i + 1])
            previous_was_digit = i > 0 and runes[i - 1].isdigit()
            if word:
                if result and not previous_was_digit:
                    result.append("_")
                result.extend(word)
                word = []
            if is_acronym:
                acronym = [ch]
                j = i + 1
                while j < len(runes) and _is_upper(runes[j]):
                    if j + 1 < len(runes) and not _is_upper(runes[j + 1]):
                        break
                    acronym.append(runes[j])
                    j += 1
                if result:
                    result.append("_")
                result.extend(_lower(r) for r in acronym)
                i = j - 1
            else:
                word = [_lower(ch)]
        else:
            word.append(ch)
        i += 1
    if word:
        if result and not result[-1].isdigit():
            result.append("_")
        result.extend(word)
    return "".join(result)


@lru_cache(maxsize=8192)
def convert(name: str, convention: str, version: Version | None = None) -> str:
    """The default attribute name of Go field ``name`` under ``convention``.

    ``convention`` is ``legacy``, ``camelCase`` or ``snake_case``; ``version`` picks the
    snake_case algorithm (None: the newest). Cached: field names such as ``PK`` or ``CreatedAt``
    repeat across the models of a project.
    """
    if convention == "legacy":
        return name
    if convention == "snake_case":
        if version is not None and version < NEW_SNAKE_ALGORITHM_SINCE:
            return to_snake_case_v1_0(name)
        return to_snake_case(name)
    return default_attr_name(name)


def validate_attr_name(name: str, convention: str) -> str | None:
    """DynamORM's ``ValidateAttrName``: None when valid, else the exact error text."""
    if convention == "legacy":
        return None  # no validation before v1.0.31
    if name == "":
        return "attribute name cannot be empty"
    if convention == "snake_case":
        if not SNAKE_RE.match(name):
            return f'attribute name must be snake_case (got "{name}")'
        return None
    if name in ("PK", "SK"):
        return None
    if not CAMEL_RE.match(name):
        return f'attribute name must be camelCase (got "{name}")'
    return None


def suggest_valid_name(name: str, convention: str) -> str:
    """A name close to ``name`` that passes ``validate_attr_name`` (for hints)."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    parts = [p for p in parts if p]
    if not parts:
        return "value"
    if convention == "snake_case":
        joined = "_".join(to_snake_case(p) for p in parts)
        joined = re.sub(r"_+", "_", joined).strip("_")
        if not joined or not joined[0].isalpha():
            joined = "a_" + joined
        return joined
    first = parts[0]
    if first in ("PK", "SK") and len(parts) == 1:
        return first
    camel = default_attr_name(first) if not first.isupper() else first.lower()
    camel += "".join(p[:1].upper() + p[1:] for p in parts[1:])
    if not camel[0].isalpha():
        camel = "a" + camel
    return camel[0].lower() + camel[1:]


def plural_table_name(type_name: str) -> str:
    """DynamORM's naive plural (``getTableName``; unchanged v1.0.0 - v1.3.0)."""
    if type_name.endswith("s"):
        return type_name + "es"
    if type_name.endswith("y"):
        return type_name[:-1] + "ies"
    return type_name + "s"
