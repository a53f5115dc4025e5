"""Pure parts of the runner: backend choice, spec from config, table plans, seed validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftcli.config import Overrides, load_config, resolve_settings
from liftcli.local import server as server_mod
from liftcli.local.runner import command_environment
from liftcli.local.seed import SeedError, load_seeds
from liftcli.local.spec import ServerSpec, spec_from_settings
from liftcli.local.tables import plan_tables
from tests.conftest import LOCAL_MODELS_GO
from tests.helpers import go_project, write_tree


def test_auto_prefers_docker_then_jar_then_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "_docker_unavailable", lambda env: None)
    assert server_mod.choose_backend(ServerSpec()).backend == "docker"
    monkeypatch.setattr(server_mod, "_docker_unavailable", lambda env: "no engine")
    monkeypatch.setattr(server_mod, "_jar_unavailable", lambda spec, env: None)
    choice = server_mod.choose_backend(ServerSpec())
    assert choice.backend == "jar" and "docker: no engine" in choice.reason
    monkeypatch.setattr(server_mod, "_jar_unavailable", lambda spec, env: "no Java")
    choice = server_mod.choose_backend(ServerSpec())
    assert (choice.backend, choice.reason) == ("embedded", "docker: no engine; jar: no Java")
    assert server_mod.choose_backend(ServerSpec(backend="jar")).reason == "requested"


def test_spec_from_config_env_and_flags(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lift.yaml": "dynamorm:\n  local:\n    backend: jar\n    port: 8001\n    persist: .ddb\n"
                                       "    region: eu-west-1\n"})
    settings = resolve_settings(load_config(cwd=tmp_path), Overrides(), {"DYNAMODB_LOCAL_JAR": "/opt/ddb/x.jar"})
    spec = spec_from_settings(settings)
    assert (spec.backend, spec.port, spec.region) == ("jar", 8001, "eu-west-1")
    assert spec.persist == tmp_path / ".ddb" and spec.jar == Path("/opt/ddb/x.jar")
    assert spec_from_settings(settings, backend="embedded", port=9000).backend == "embedded"
    assert ServerSpec.from_json(spec.to_json()) == spec


def test_tables_plan_prefix_sharing_and_overrides(tmp_path: Path) -> None:
    models = go_project(tmp_path, LOCAL_MODELS_GO).models
    plan = [t for _, t in plan_tables(models, table_prefix="run1-")]
    assert [(t.name, t.models, t.env_vars) for t in plan] == [
        ("run1-Invoices", ("Invoice", "Payment"), ("INVOICES_TABLE",)),
        ("customers", ("Customer",), ()),  # a literal name is never prefixed
    ]
    assert plan[0].gsis == ("gsi-by-invoice", "gsi-method", "gsi-status") and plan[0].ttl_attribute == "expires"
    named = [t for _, t in plan_tables(models, env_overrides={"INVOICES_TABLE": "mine"})]
    assert named[0].name == "mine"
    env = command_environment("http://127.0.0.1:1", "us-east-1", named, base={"SKIP_INTEGRATION": "true"})
    assert env["INVOICES_TABLE"] == "mine" and "SKIP_INTEGRATION" not in env and env["INTEGRATION_TEST"] == "true"


def _seed(tmp_path: Path, text: str, name: str = "s.yaml"):  # type: ignore[no-untyped-def]
    models = go_project(tmp_path, LOCAL_MODELS_GO).models
    path = tmp_path / name
    path.write_text(text)
    return load_seeds([path], models, {"Invoice": "Invoices", "Payment": "Invoices", "Customer": "customers"})


def test_seed_conversion_uses_model_types(tmp_path: Path) -> None:
    plan = _seed(tmp_path, "Invoice:\n  - {tenantID: t, invoiceID: i, total: 3, ver: 2, status: open, x: [1, {a: null}]}\n")
    item = plan.items[0].item
    assert item["total"] == {"N": "3"} and item["ver"] == {"N": "2"} and item["status"] == {"S": "open"}
    assert item["x"] == {"L": [{"N": "1"}, {"M": {"a": {"NULL": True}}}]}
    assert plan.counts() == {"Invoices": 1}


@pytest.mark.parametrize(("item", "message"), [
    ("{invoiceID: i}", "missing partition key attribute 'tenantID' (S)"),
    ("{tenantID: 5, invoiceID: i}", "tenantID: expected a string, got a number 5"),
    ("{tenantID: t, invoiceID: i, expires: '2026-01-01'}", "expires: expected a number"),
    ("{tenantID: t, invoiceID: i, expires: 1767225600000}", "is not epoch seconds (milliseconds?)"),
    ("{tenantID: t, invoiceID: i, ver: 1.5}", "version attribute 'ver' must be a whole number"),
    ("{tenantID: t, invoiceID: i, status: 7}", "status: expected a string"),
    ("[1, 2]", "expected a mapping of attribute names to values"),
])
def test_seed_validation_names_file_and_item(tmp_path: Path, item: str, message: str) -> None:
    with pytest.raises(SeedError) as info:
        _seed(tmp_path, f"Invoice:\n  - {{tenantID: ok, invoiceID: ok}}\n  - {item}\n")
    assert "s.yaml: Invoice[1]: " in info.value.message and message in info.value.message


def test_seed_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="not valid JSON"):
        _seed(tmp_path, "{nope", name="s.json")
    with pytest.raises(SeedError, match="expected a list of items"):
        _seed(tmp_path, "Invoice: {tenantID: t}\n")
