"""DynamORM versions and which rules apply to each (from pay-theory/dynamorm's history)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.\-]+))?(?:\+[0-9A-Za-z.\-]+)?$")


@dataclass(frozen=True, slots=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # Pre-releases sort before the release: (0, "rc.2") < (1, "").
    pre: tuple[int, str] = (1, "")

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise ValueError(f"not a semantic version: {text!r}")
        major, minor, patch, pre = match.groups()
        # Go pseudo-versions (v1.0.40-0.20260101-abcdef) are pre-releases of the next patch;
        # treating them as "before vX.Y.Z" is what Go's module ordering does.
        return cls(int(major), int(minor), int(patch), (0, pre) if pre else (1, ""))

    def __str__(self) -> str:
        text = f"v{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{self.pre[1]}" if self.pre[0] == 0 else text


#: The newest DynamORM release these rules were checked against.
NEWEST_KNOWN = Version.parse("v1.3.0")

# Feature introductions (tag of the first release that has the behaviour).
IMPLICIT_TIMESTAMPS_SINCE = Version.parse("v1.0.37")
#: token-level splitTags (index clauses keep only pk/sk/sparse); before: character-level
TOKEN_SPLIT_SINCE = Version.parse("v1.0.37")
ENCRYPTED_KEY_CHECK_SINCE = Version.parse("v1.1.0")
