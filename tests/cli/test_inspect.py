"""`lift dynamorm inspect` on a real Lift-style project, pinned by golden files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from tests.conftest import FIXTURES

FORMATS = {"text": "txt", "json": "json", "dms": "yaml", "create-table": "json"}


@pytest.fixture
def lift_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "lift-app"
    shutil.copytree(FIXTURES / "projects" / "lift-app", root)
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("env", ["dev", "live"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_inspect_golden(lift_app: Path, golden, fmt: str, env: str) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(lift_group, ["dynamorm", "inspect", "--format", fmt, "--env", env], prog_name="lift")
    assert result.exit_code == 0, result.output
    golden(f"inspect/lift-app-{env}.{fmt}.{FORMATS[fmt]}", result.stdout)


def test_inspect_json_contract(lift_app: Path) -> None:
    result = CliRunner().invoke(lift_group, ["dynamorm", "inspect", "--format", "json", "--env", "live"])
    doc = json.loads(result.stdout)
    invoice = next(m for m in doc["models"] if m["name"] == "Invoice")
    assert invoice["source"] == {"path": "internal/models/invoice.go", "line": 9}
    assert invoice["table"]["TableName"] == "billing-invoices-live"
    assert invoice["ttl_attribute"] == "purgeAt"
    assert {"field": "TenantID", "name": "tenantID", "type": "S", "roles": ["index_pk:gsi-tenant"],
            "omitempty": False, "set": False, "encrypted": False} in invoice["attributes"]
    rate = next(m for m in doc["models"] if m["name"] == "RateLimit")
    assert rate["table"]["KeySchema"] == [{"AttributeName": "identifier", "KeyType": "HASH"},
                                          {"AttributeName": "window_time", "KeyType": "RANGE"}]
    # live has no template value for RATE_LIMIT_TABLE_NAME: the template applies
    assert rate["table"]["TableName"] == "billing-rate-limit-live"
    webhook = next(m for m in doc["models"] if m["name"] == "Webhook")
    assert webhook["table"]["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_select_models_by_name(lift_app: Path) -> None:
    result = CliRunner().invoke(lift_group, ["dynamorm", "inspect", "RateLimit", "--format", "create-table"])
    assert result.exit_code == 0
    assert [t["TableName"] for t in json.loads(result.stdout)] == ["billing-rate-limit-dev"]
    missing = CliRunner().invoke(lift_group, ["dynamorm", "inspect", "Nope"])
    assert missing.exit_code == 1
    assert "no model named 'Nope'; models found: Invoice, RateLimit, Webhook" in missing.stderr


def test_env_var_overrides_table_template(lift_app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICES_TABLE", "mine")
    result = CliRunner().invoke(lift_group, ["dynamorm", "inspect", "Invoice", "--format", "create-table"])
    assert json.loads(result.stdout)[0]["TableName"] == "mine"


def test_models_flag_overrides_config(lift_app: Path) -> None:
    result = CliRunner().invoke(
        lift_group, ["dynamorm", "inspect", "--models", "dms/webhook.yml", "--format", "create-table"]
    )
    assert result.exit_code == 0, result.output
    assert [t["TableName"] for t in json.loads(result.stdout)] == ["billing-webhooks"]
    missing = CliRunner().invoke(lift_group, ["dynamorm", "inspect", "--models", "nowhere"])
    assert missing.exit_code == 1 and "models path not found: nowhere" in missing.stderr


def test_no_models_found_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(lift_group, ["dynamorm", "inspect"])
    assert result.exit_code == 0
    assert "No models found." in result.stderr
