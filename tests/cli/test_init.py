"""`lift dynamorm init`: detection, merges that keep user content, idempotence."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from liftcli.cli import lift_group

GO_MOD = "module example.com/shop\n\ngo 1.22\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n"
LIFT_YAML = """\
# Lift project file (comment kept)
version: 1
app:
  name: shop   # inline comment kept
stages:
  dev:
    root_domain: dev.example.com
"""


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(lift_group, ["dynamorm", *args])


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_writes_and_merges_then_is_idempotent(project: Path) -> None:
    (project / "go.mod").write_text(GO_MOD)
    (project / "lift.yaml").write_text(LIFT_YAML)
    first = run("init", "--yes")
    assert first.exit_code == 0, first.output
    assert "merge     lift.yaml" in first.stderr
    assert "Next steps:" in first.stderr
    text = (project / "lift.yaml").read_text()
    assert text.startswith(LIFT_YAML.rstrip("\n")), "user keys, order and comments are kept"
    block = yaml.safe_load(text)["dynamorm"]
    assert block == {
        "models": ["models"],
        "scaffold": {"models_dir": "models", "iac": "cdk-go", "cdk_dir": "cdk"},
    }
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]["dynamodb-local"]
    assert compose["image"] == "amazon/dynamodb-local:3.1.0"
    assert compose["command"] == "-jar DynamoDBLocal.jar -sharedDb -inMemory"
    assert compose["ports"] == ["127.0.0.1:8000:8000"]
    workflow = (project / ".github/workflows/dynamorm.yml").read_text()
    assert "lift dynamorm validate --format github" in workflow
    assert (project / "models/note.go").is_file() and (project / "models/note_repository_test.go").is_file()
    inspect = run("inspect", "--format", "create-table")
    assert inspect.exit_code == 0, inspect.output
    assert '"TableName": "Notes"' in inspect.stdout

    # user edits survive a second run, which changes nothing
    (project / "models/note.go").write_text((project / "models/note.go").read_text() + "// edited\n")
    (project / ".github/workflows/dynamorm.yml").write_text(workflow + "# my step\n")
    before = snapshot(project)
    second = run("init", "--yes")
    assert second.exit_code == 0, second.output
    assert snapshot(project) == before
    assert "identical lift.yaml" in second.stderr
    assert "skip      .github/workflows/dynamorm.yml" in second.stderr


def test_init_adds_dynamodb_local_to_an_existing_compose_file(project: Path) -> None:
    (project / "docker-compose.yml").write_text("# mine\nservices:\n  api:\n    image: my/api:1  # keep\n")
    result = run("init", "--yes", "--no-ci", "--no-sample")
    assert result.exit_code == 0, result.output
    text = (project / "docker-compose.yml").read_text()
    assert text.startswith("# mine\nservices:\n  api:\n    image: my/api:1  # keep\n")
    assert set(yaml.safe_load(text)["services"]) == {"api", "dynamodb-local"}
    assert not (project / ".github").exists()
    again = run("init", "--yes", "--no-ci", "--no-sample")
    assert "identical docker-compose.yml" in again.stderr


def test_project_without_go_mod_gets_a_model_only_and_no_cdk(project: Path) -> None:
    result = run("init", "--yes", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "create    lift.yaml" in result.stderr and "create    models/note.go" in result.stderr
    assert "note_repository" not in result.stderr
    assert not any(project.iterdir())
    run("init", "--yes")
    assert yaml.safe_load((project / "lift.yaml").read_text())["dynamorm"]["scaffold"]["iac"] == "none"
