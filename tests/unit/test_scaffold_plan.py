"""The plan/apply engine: actions, path safety, atomic writes with rollback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from liftcli.errors import FileConflictError, UsageError
from liftcli.scaffold import plan as planmod
from liftcli.scaffold.plan import FileOutput, apply, plan


def test_actions_cover_create_identical_conflict_overwrite_skip_merge(tmp_path: Path) -> None:
    (tmp_path / "same.txt").write_text("a\n")
    (tmp_path / "other.txt").write_text("old\n")
    (tmp_path / "merged.yml").write_text("x: 1\n")
    (tmp_path / "kept.txt").write_text("user edit\n")
    outputs = [
        FileOutput("new/file.txt", "n\n"),
        FileOutput("same.txt", "a\n"),
        FileOutput("other.txt", "new\n"),
        FileOutput("merged.yml", "x: 1\ny: 2\n", merge=True),
        FileOutput("kept.txt", "template\n", keep_existing=True),
        FileOutput("skipped.txt", None, skip_reason="not wanted"),
    ]
    p = plan(tmp_path, outputs)
    assert [(f.path, f.action) for f in p.files] == [
        ("new/file.txt", "create"),
        ("same.txt", "identical"),
        ("other.txt", "conflict"),
        ("merged.yml", "merge"),
        ("kept.txt", "skip"),
        ("skipped.txt", "skip"),
    ]
    forced = plan(tmp_path, outputs, force=True)
    assert forced.action_of("other.txt") == "overwrite"
    assert forced.action_of("kept.txt") == "overwrite"


def test_conflicts_stop_everything(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("old\n")
    p = plan(tmp_path, [FileOutput("a.txt", "a"), FileOutput("other.txt", "new")])
    with pytest.raises(FileConflictError, match="other.txt"):
        apply(p)
    assert not (tmp_path / "a.txt").exists()
    assert (tmp_path / "other.txt").read_text() == "old\n"


def test_apply_writes_files_with_modes(tmp_path: Path) -> None:
    written = apply(plan(tmp_path, [FileOutput("d/e/f.go", "package f\n")]))
    assert written == ["d/e/f.go"]
    target = tmp_path / "d/e/f.go"
    assert target.read_text() == "package f\n"
    assert oct(target.stat().st_mode & 0o777) == oct(planmod.FILE_MODE)
    assert not list(tmp_path.rglob("*.lift-tmp"))


@pytest.mark.parametrize("bad", ["../x.go", "/etc/passwd", "a/../../b", "~/x", ""])
def test_paths_outside_the_root_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UsageError):
        plan(tmp_path, [FileOutput(bad, "x")])


def test_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(UsageError, match="outside the project root"):
        plan(root, [FileOutput("link/x.go", "x")])


def test_failed_rename_rolls_everything_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "existing.txt").write_text("before\n")
    p = plan(
        tmp_path,
        [
            FileOutput("existing.txt", "after\n"),
            FileOutput("new/one.txt", "1"),
            FileOutput("new/two.txt", "2"),
        ],
        force=True,
    )
    real_replace = os.replace
    calls = {"n": 0}

    def flaky(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(planmod.os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        apply(p)
    assert (tmp_path / "existing.txt").read_text() == "before\n"
    assert not (tmp_path / "new").exists()
    assert not list(tmp_path.rglob("*.lift-tmp"))


def test_duplicate_output_paths_are_a_bug(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="same path"):
        plan(tmp_path, [FileOutput("a", "1"), FileOutput("./a", "2")])
