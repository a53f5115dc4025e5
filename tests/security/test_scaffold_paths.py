"""Generated files never land outside the project, whatever the paths say.

tests/cli/test_scaffold.py covers `--model ../x` and `--models-dir ../outside` through the CLI, and
tests/unit/test_scaffold_plan.py the planner's path checks (absolute, `~`, `a/../../b`, a
symlinked folder). This adds the end-to-end cases they do not: absolute and home-relative
--models-dir, folders and files (existing or dangling) that are symlinks leading out, also with
--force, the same paths coming from lift.yaml, `init --models-dir`, and `import --models-dir`.
Each is refused with a message naming the path, and nothing is written outside the project (nor,
since the plan is all-or-nothing, inside it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group

GO_MOD = "module example.com/shop\n\ngo 1.22\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n"


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under root: file bytes, or the symlink target."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel] = "dir"
    return out


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(project, outside): a Go project and a sibling folder with a file in it."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "go.mod").write_text(GO_MOD)
    (outside / "victim.go").write_text("package victim\n")
    monkeypatch.chdir(project)
    monkeypatch.setenv("HOME", str(outside))  # `~` would point at the outside folder
    return project, outside


def run(*args: str) -> Any:
    return CliRunner().invoke(lift_group, ["dynamorm", *args])


def assert_refused(result: Any, message: str) -> None:
    assert result.exit_code in (1, 2), result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output and "Internal error" not in result.output


SETUPS = {
    "absolute models dir": (lambda p, o: ["--models-dir", str(o)], "inside the project root"),
    "home models dir": (lambda p, o: ["--models-dir", "~/models"], "inside the project root"),
    "dot-dot inside a path": (
        lambda p, o: ["--models-dir", "models/../../outside"],
        "inside the project root",
    ),
    "symlinked models dir (absolute link)": (
        lambda p, o: (p / "models").symlink_to(o) or ["--models-dir", "models"],
        "outside the project root",
    ),
    "symlinked models dir (relative link)": (
        lambda p, o: (p / "models").symlink_to(Path("..") / "outside") or [],
        "outside the project root",
    ),
    "symlinked parent of the models dir": (
        lambda p, o: (p / "internal").symlink_to(o) or ["--models-dir", "internal/models"],
        "outside the project root",
    ),
    "symlinked IaC dir": (
        lambda p, o: (p / "cloudformation").symlink_to(o) or ["--iac", "cloudformation"],
        "outside the project root",
    ),
    "model file is a symlink out (--force)": (
        lambda p, o: (
            (p / "models").mkdir() or (p / "models" / "order.go").symlink_to(o / "victim.go") or ["--force"]
        ),
        "outside the project root",
    ),
    "dangling symlink out (--force)": (
        lambda p, o: (
            (p / "models").mkdir() or (p / "models" / "order.go").symlink_to(o / "new.go") or ["--force"]
        ),
        "outside the project root",
    ),
}


@pytest.mark.parametrize("case", sorted(SETUPS))
def test_scaffold_refuses_paths_leading_out(case: str, layout: tuple[Path, Path]) -> None:
    project, outside = layout
    setup, message = SETUPS[case]
    extra = setup(project, outside)
    before_inside, before_outside = snapshot(project), snapshot(outside)
    result = run("scaffold", "--model", "Order", "--iac", "none", *extra, "--yes")
    assert_refused(result, message)
    assert snapshot(outside) == before_outside, "something was written outside the project"
    assert snapshot(project) == before_inside, "a refused plan must write nothing at all"


@pytest.mark.parametrize(
    ("key", "value"), [("models_dir", "../outside"), ("models_dir", "/tmp"), ("cdk_dir", "../outside")]
)
def test_paths_from_lift_yaml_are_checked_too(key: str, value: str, layout: tuple[Path, Path]) -> None:
    project, outside = layout
    (project / "lift.yaml").write_text(f"dynamorm:\n  scaffold:\n    {key}: {value}\n")
    before = snapshot(outside)
    result = run("scaffold", "--model", "Order", "--iac", "cdk-go" if key == "cdk_dir" else "none", "--yes")
    assert_refused(result, "project root")
    assert snapshot(outside) == before
    assert sorted(p.name for p in project.iterdir()) == ["go.mod", "lift.yaml"]


@pytest.mark.parametrize("models_dir", ["../outside", "/tmp/elsewhere", "linked"])
def test_init_refuses_models_dir_outside(models_dir: str, layout: tuple[Path, Path]) -> None:
    project, outside = layout
    (project / "linked").symlink_to(outside)
    before = snapshot(outside)
    result = run("init", "--models-dir", models_dir, "--yes")
    assert_refused(result, "project root")
    assert snapshot(outside) == before
    assert sorted(p.name for p in project.iterdir()) == ["go.mod", "linked"]


@pytest.mark.integration
@pytest.mark.parametrize("models_dir", ["../outside", "linked"])
def test_import_refuses_models_dir_outside(
    models_dir: str, layout: tuple[Path, Path], ddb_server: Any, ddb_client: Any, ddb_prefix: str
) -> None:
    project, outside = layout
    (project / "linked").symlink_to(outside)
    table = f"{ddb_prefix}Orders"
    ddb_client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    before = snapshot(outside)
    result = run(
        "import", table, "--models-dir", models_dir, "--output", "both", "--endpoint-url", ddb_server.endpoint
    )
    assert_refused(result, "project root")
    assert snapshot(outside) == before
    assert sorted(p.name for p in project.iterdir()) == ["go.mod", "linked"]
