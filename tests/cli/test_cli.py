"""The command-line contract: entry points, help, exit codes, error boundary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from liftcli import __version__
from liftcli.cli import DYNAMORM_COMMANDS, dynamorm_group, lift_group
from tests.helpers import write_tree

MODEL = '''
package models

import "time"

type Invoice struct {
    TenantID  string    `dynamorm:"pk"`
    InvoiceID string    `dynamorm:"sk"`
    Expires   int64     `dynamorm:"ttl"`
    CreatedAt time.Time
}

func (Invoice) TableName() string { return "invoices" }
'''

BROKEN = '''
package models

type Token struct {
    ID   string `dynamorm:"pk"`
    Full string `dynamorm:"required"`
}
'''


def run(args: list[str], **kwargs: object) -> click.testing.Result:
    return CliRunner().invoke(lift_group, args, prog_name="lift", **kwargs)  # type: ignore[arg-type]


def available_commands() -> list[str]:
    ctx = click.Context(dynamorm_group)
    return dynamorm_group.list_commands(ctx)


def test_every_listed_command_has_help() -> None:
    names = available_commands()
    assert "inspect" in names
    for name in names:
        result = run(["dynamorm", name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage: lift dynamorm " + name in result.stdout
        command = dynamorm_group.get_command(click.Context(dynamorm_group), name)
        assert command is not None and command.help, f"{name} has no help text"
        assert DYNAMORM_COMMANDS[name][2]  # short help in the lazy table


def test_version_and_help_on_every_group() -> None:
    for args in (["--version"], ["dynamorm", "--version"]):
        result = run(args)
        assert result.exit_code == 0 and __version__ in result.stdout
    for args in (["--help"], ["dynamorm", "--help"], ["-h"]):
        result = run(args)
        assert result.exit_code == 0 and "Usage:" in result.stdout


def test_usage_error_is_exit_2(project: Path) -> None:
    result = run(["dynamorm", "inspect", "--format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
    assert run(["dynamorm", "no-such-command"]).exit_code == 2


def test_user_error_is_exit_1_with_message_and_no_traceback(project: Path) -> None:
    write_tree(project, {"lift.yaml": "dynamorm:\n  modles: [x]\n"})
    result = run(["dynamorm", "inspect"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: lift.yaml:2: dynamorm.modles: unknown key 'modles' (did you mean 'models'?)")
    assert "Hint: Known keys here:" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_model_is_exit_1_and_valid_models_still_listed(project: Path) -> None:
    write_tree(project, {"models/invoice.go": MODEL, "models/token.go": BROKEN})
    result = run(["dynamorm", "inspect", "--format", "json"])
    assert result.exit_code == 1
    import json

    doc = json.loads(result.stdout)
    assert [m["name"] for m in doc["models"]] == ["Invoice"]
    assert [(d["code"], d["model"], d["field"], d["line"]) for d in doc["diagnostics"]] == [
        ("DM101", "Token", "Full", 5)
    ]
    assert "Error: models have errors (1 error)" in result.stderr


def test_internal_error_is_exit_70_without_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import liftcli.dynamorm.project as project_module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(project_module, "load_project", boom)
    result = run(["dynamorm", "inspect"])
    assert result.exit_code == 70
    assert "Internal error: RuntimeError: kaboom" in result.stderr
    assert "This is a bug in lift dynamorm" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run(["--debug", "dynamorm", "inspect"])
    assert debug.exit_code == 70 and "Traceback" in debug.stderr


def test_interrupt_is_exit_130(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import liftcli.dynamorm.project as project_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(project_module, "load_project", interrupted)
    result = run(["dynamorm", "inspect"])
    assert result.exit_code == 130 and "Interrupted." in result.stderr


def test_lift_dynamorm_entry_point_is_the_same_group(project: Path) -> None:
    write_tree(project, {"models/invoice.go": MODEL})
    result = CliRunner().invoke(dynamorm_group, ["inspect", "--format", "create-table"], prog_name="lift-dynamorm")
    assert result.exit_code == 0, result.output
    assert '"TableName": "invoices"' in result.stdout


@pytest.mark.parametrize(
    "argv",
    [[sys.executable, "-m", "liftcli", "dynamorm", "inspect", "--format", "json"],
     [str(Path(sys.executable).with_name("lift-dynamorm")), "inspect", "--format", "json"],
     [str(Path(sys.executable).with_name("lift")), "dynamorm", "inspect", "--format", "json"]],
    ids=["python-m", "lift-dynamorm", "lift"],
)
def test_entry_points_in_a_subprocess(project: Path, argv: list[str]) -> None:
    if not Path(argv[0]).exists():
        pytest.fail(f"console script {argv[0]} is not installed; run `pip install -e .`")
    write_tree(project, {"models/invoice.go": MODEL})
    done = subprocess.run(argv, capture_output=True, text=True, cwd=project, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"name": "Invoice"' in done.stdout


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from liftcli.cli import lift_group\n"
        "try:\n"
        "    lift_group(['dynamorm', '--help'], prog_name='lift')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('boto3', 'botocore', 'docker', 'moto', 'tree_sitter', 'jinja2', 'rich', 'questionary')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("HEAVY="), done.stdout
