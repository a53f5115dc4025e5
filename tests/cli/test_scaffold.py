"""`lift dynamorm scaffold` end to end through the click app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group

GO_MOD = "module example.com/shop\n\ngo 1.22\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(lift_group, ["dynamorm", *args])


@pytest.fixture
def shop(project: Path) -> Path:
    (project / "go.mod").write_text(GO_MOD)
    return project


def test_dry_run_prints_the_plan_and_writes_nothing(shop: Path) -> None:
    result = run("scaffold", "--model", "Order", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "create    models/order.go" in result.stderr
    assert "Dry run: nothing written." in result.stderr
    assert sorted(p.name for p in shop.iterdir()) == ["go.mod"]


def test_scaffold_then_inspect_gives_the_requested_table(shop: Path) -> None:
    result = run(
        "scaffold",
        "--model",
        "Order",
        "--pk",
        "ID",
        "--sk",
        "Day:string",
        "--gsi",
        "gsi-status:Status:CreatedAt",
        "--lsi",
        "lsi-total:Total",
        "--field",
        "Total:int64",
        "--ttl",
        "--version",
        "--iac",
        "cloudformation",
    )
    assert result.exit_code == 0, result.output
    assert "Checked Order: no problems." in result.stderr
    inspect = run("inspect", "Order", "--format", "json", "--models", "models")
    assert inspect.exit_code == 0, inspect.output
    doc = json.loads(inspect.stdout)["models"][0]
    table = doc["table"]
    assert table["KeySchema"] == [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "day", "KeyType": "RANGE"},
    ]
    assert [g["IndexName"] for g in table["GlobalSecondaryIndexes"]] == ["gsi-status"]
    assert table["GlobalSecondaryIndexes"][0]["KeySchema"][1] == {
        "AttributeName": "createdAt",
        "KeyType": "RANGE",
    }
    assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == ["lsi-total"]
    assert {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}["total"] == "N"
    assert doc["ttl_attribute"] == "ttl"
    assert doc["table_name"]["env_var"] == "ORDER_TABLE_NAME"
    assert (shop / "cloudformation/order-table.yaml").is_file()
    assert (shop / "handlers/order.go").read_text().count('"example.com/shop/models"') == 1


def test_existing_files_need_force(shop: Path) -> None:
    assert run("scaffold", "--model", "Order", "--with", "model").exit_code == 0
    model = shop / "models/order.go"
    model.write_text(model.read_text() + "// my edit\n")
    again = run("scaffold", "--model", "Order", "--with", "model,dms", "--ttl")
    assert again.exit_code == 1
    assert "conflict  models/order.go" in again.stderr
    assert "--force" in again.stderr
    assert model.read_text().endswith("// my edit\n")
    assert not (shop / "dms").exists(), "a failed run writes nothing"
    forced = run("scaffold", "--model", "Order", "--with", "model,dms", "--ttl", "--force")
    assert forced.exit_code == 0, forced.output
    assert "overwrite models/order.go" in forced.stderr
    assert "ttl" in model.read_text()


def test_same_scaffold_twice_is_identical(shop: Path) -> None:
    assert run("scaffold", "--model", "Order").exit_code == 0
    again = run("scaffold", "--model", "Order")
    assert again.exit_code == 0
    assert "Nothing to write" in again.stderr
    assert "create" not in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "../x"], "invalid model name '../x'"),
        (["--model", "Foo Bar"], "invalid model name 'Foo Bar'"),
        (["--model", "X", "--models-dir", "../outside"], "inside the project root"),
        (["--model", "X", "--gsi", "lsi-a:Status"], "local secondary index"),
        (["--model", "X", "--with", "handler"], "need the model"),
    ],
)
def test_bad_input_is_a_usage_error(shop: Path, args: list[str], message: str) -> None:
    result = run("scaffold", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert sorted(p.name for p in shop.iterdir()) == ["go.mod"]


def test_without_a_terminal_a_missing_model_names_the_flag(shop: Path) -> None:
    result = run("scaffold")
    assert result.exit_code == 2
    assert "--model" in result.stderr


def test_handler_is_skipped_without_go_mod(project: Path) -> None:
    result = run("scaffold", "--model", "Order", "--iac", "none")
    assert result.exit_code == 0, result.output
    assert "skip      handlers/order.go" in result.stderr
    assert not (project / "handlers").exists()


def test_config_defaults_are_used(shop: Path) -> None:
    (shop / "lift.yaml").write_text(
        "dynamorm:\n  naming: snake_case\n  scaffold:\n    models_dir: internal/models\n    iac: cdk-ts\n"
        "    cdk_dir: infra\n    table_env: TABLE_NAME\n"
    )
    result = run("scaffold", "--model", "UserProfile", "--pk", "UserID")
    assert result.exit_code == 0, result.output
    model = (shop / "internal/models/user_profile.go").read_text()
    assert 'dynamorm:"naming:snake_case"' in model and 'json:"user_id"' in model
    assert 'os.Getenv("TABLE_NAME")' in model
    assert (shop / "infra/lib/user-profile-table.ts").is_file()


def test_wizard_asks_and_prints_the_equivalent_command(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liftcli.cli import prompts

    scripted = prompts.ScriptedPrompter(
        {
            "--model": "Invoice",
            "--pk": "InvoiceID:string",
            "--field": "Total:float64",
            "--gsi": "gsi-total:Total",
            "--ttl": True,
            "--iac": "cloudformation",
            "--with": ["model", "iac"],
        }
    )
    monkeypatch.setattr(prompts, "make_prompter", lambda yes: scripted)
    result = run("scaffold")
    assert result.exit_code == 0, result.output
    assert scripted.asked[:3] == ["--preset", "--model", "--pk"]
    assert result.stdout.strip() == (
        "lift dynamorm scaffold --model Invoice --pk InvoiceID:string "
        "--field Total:float64 --gsi gsi-total:Total --ttl --iac cloudformation "
        "--with model,iac"
    )
    assert (shop / "models/invoice.go").is_file() and (shop / "cloudformation/invoice-table.yaml").is_file()
