"""Plan-then-apply file writing shared by ``init``, ``scaffold`` and ``import``.

A generator returns ``FileOutput`` values (path relative to the project root + content). ``plan``
compares them with the disk and gives every file one action:

* ``create``     the file does not exist;
* ``identical``  the file exists with exactly this content (nothing to do);
* ``merge``      an existing YAML file gets missing keys added, the user's keys and comments kept;
* ``conflict``   the file exists with other content and ``force`` is off (never written);
* ``overwrite``  the file exists with other content and ``force`` is on;
* ``skip``       the generator chose not to write it (the reason says why).

``apply`` writes every create/merge/overwrite file atomically: all contents go to temporary
files beside their targets first, then each is renamed into place; if anything fails, created
files are removed and overwritten files restored, so a failed run leaves the tree as it was.
Nothing outside the project root is ever written (``..``, absolute paths and symlinks that lead
out are refused).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from liftcli.errors import FileConflictError, UsageError

Action = Literal["create", "identical", "merge", "conflict", "overwrite", "skip"]
WRITES: frozenset[str] = frozenset({"create", "merge", "overwrite"})

FILE_MODE = 0o600  # as Lift's Go CLI writes generated files (lift-conventions.md)
DIR_MODE = 0o750


@dataclass(frozen=True, slots=True)
class FileOutput:
    """One file a generator wants. ``merge`` marks content computed by merging into the
    existing file (written without ``--force`` because nothing of the user's is lost)."""

    path: str
    content: str | None
    merge: bool = False
    skip_reason: str | None = None
    keep_existing: bool = False  # an existing file is the user's now: skip it unless --force


@dataclass(frozen=True, slots=True)
class PlannedFile:
    path: str
    action: Action
    content: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    root: Path
    files: tuple[PlannedFile, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def conflicts(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in self.files if f.action == "conflict")

    @property
    def writes(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in self.files if f.action in WRITES)

    def action_of(self, path: str) -> Action | None:
        for f in self.files:
            if f.path == path:
                return f.action
        return None


def check_relative_path(rel: str) -> str:
    """Normalise a generator path (POSIX, relative, no ``..``) or raise UsageError."""
    if not rel or "\x00" in rel:
        raise UsageError(f"invalid output path {rel!r}")
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or any(part == ".." for part in pure.parts) or rel.startswith("~"):
        raise UsageError(
            f"refusing to write {rel!r}: generated files must stay inside the project root",
            hint="Use a relative folder without '..' (for example models or internal/models).",
        )
    return pure.as_posix()


def resolve_inside(root: Path, rel: str) -> Path:
    """``root/rel``, refusing anything (including through symlinks) that lands outside root."""
    rel = check_relative_path(rel)
    root_resolved = root.resolve()
    target = (root_resolved / rel).resolve()
    if target != root_resolved and root_resolved not in target.parents:
        raise UsageError(
            f"refusing to write {rel!r}: it resolves to {target}, outside the project root {root_resolved}",
            hint="A symlink in the path leads out of the project; write somewhere else.",
        )
    return target


def plan(
    root: Path, outputs: Iterable[FileOutput], *, force: bool = False, notes: Iterable[str] = ()
) -> Plan:
    """Compare ``outputs`` with the files under ``root`` (see module docstring)."""
    planned: list[PlannedFile] = []
    seen: set[str] = set()
    for out in outputs:
        rel = check_relative_path(out.path)
        if rel in seen:
            raise UsageError(f"two generated files have the same path {rel!r}")
        seen.add(rel)
        target = resolve_inside(root, rel)
        if out.skip_reason is not None or out.content is None:
            planned.append(PlannedFile(rel, "skip", None, out.skip_reason or ""))
            continue
        if target.is_dir():
            planned.append(PlannedFile(rel, "conflict", out.content, "a directory is in the way"))
            continue
        if not target.exists():
            planned.append(PlannedFile(rel, "create", out.content))
            continue
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current == out.content:
            planned.append(PlannedFile(rel, "identical", out.content))
        elif out.merge:
            planned.append(PlannedFile(rel, "merge", out.content, "missing keys added"))
        elif out.keep_existing and not force:
            planned.append(PlannedFile(rel, "skip", None, "exists; kept as it is (--force replaces it)"))
        elif force:
            planned.append(PlannedFile(rel, "overwrite", out.content))
        else:
            planned.append(PlannedFile(rel, "conflict", out.content, "exists with other content"))
    return Plan(root=root, files=tuple(planned), notes=tuple(notes))


def apply(plan_: Plan) -> list[str]:
    """Write the plan's create/merge/overwrite files; returns their paths.

    Raises:
        FileConflictError: the plan has conflicts (nothing is written).
        OSError: writing failed; everything written so far has been rolled back.
    """
    if plan_.conflicts:
        names = ", ".join(f.path for f in plan_.conflicts)
        raise FileConflictError(
            f"not writing anything: {len(plan_.conflicts)} file(s) exist with other content: {names}",
            hint="Re-run with --force to overwrite them, or --dry-run to see the plan.",
        )
    writes = plan_.writes
    root = plan_.root
    temps: list[tuple[Path, Path]] = []
    created_dirs: list[Path] = []
    try:
        for item in writes:
            target = resolve_inside(root, item.path)
            created_dirs.extend(_make_parents(target.parent, root.resolve()))
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".lift-tmp", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(item.content or "")
            os.chmod(tmp, FILE_MODE)
            temps.append((Path(tmp), target))
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        _remove_dirs(created_dirs)
        raise
    backups: list[tuple[Path, bytes | None]] = []
    try:
        for tmp, target in temps:
            backups.append((target, target.read_bytes() if target.exists() else None))
            os.replace(tmp, target)
    except BaseException:
        for target, previous in reversed(backups):
            if previous is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(previous)
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        _remove_dirs(created_dirs)
        raise
    return [item.path for item in writes]


def _make_parents(directory: Path, root: Path) -> list[Path]:
    missing: list[Path] = []
    node = directory
    while not node.exists() and node != root and root in node.parents:
        missing.append(node)
        node = node.parent
    for path in reversed(missing):
        path.mkdir(mode=DIR_MODE)
    return missing


def _remove_dirs(created: list[Path]) -> None:
    # Deepest first; only directories this run created, and only if still empty.
    for path in sorted(set(created), key=lambda p: len(p.parts), reverse=True):
        try:
            path.rmdir()
        except OSError:
            pass
