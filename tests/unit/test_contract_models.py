"""Cross-check with DynamORM's contract fixtures: the same model in Go and in DMS gives the
same CreateTable request, TTL attribute and attribute set.

tests/fixtures/contract holds our own equivalents of contract-tests/dms/v0.1/models/{user,order}.yml
and of the Go contract driver's structs (pay-theory/dynamorm v1.3.0).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from liftcli.config import Overrides, load_config, resolve_settings
from liftcli.dynamorm.project import load_project
from liftcli.dynamorm.spec import create_table_request, table_spec_from_model
from tests.conftest import FIXTURES

CONTRACT = FIXTURES / "contract"


def load(root: Path, models: tuple[str, ...]):  # type: ignore[no-untyped-def]
    settings = resolve_settings(load_config(cwd=root), Overrides(models=models), {})
    return load_project(settings, cwd=root)


@pytest.fixture
def contract(tmp_path: Path) -> Path:
    root = tmp_path / "contract"
    shutil.copytree(CONTRACT, root)
    return root


@pytest.mark.parametrize("name", ["User", "Order"])
def test_go_and_dms_give_the_same_table(contract: Path, name: str) -> None:
    go = load(contract, ("go",))
    dms = load(contract, ("dms",))
    assert not go.has_errors and not dms.has_errors, (go.diagnostics, dms.diagnostics)
    go_model = next(m for m in go.models if m.name == name)
    dms_model = next(m for m in dms.models if m.name == name)
    assert create_table_request(table_spec_from_model(go_model)) == create_table_request(
        table_spec_from_model(dms_model)
    )
    assert go_model.ttl_attribute == dms_model.ttl_attribute == "ttl"
    assert go_model.version_attribute == dms_model.version_attribute == "version"

    def attrs(model):  # type: ignore[no-untyped-def]
        return {
            a.name: (a.type, a.omitempty, tuple(r for r in a.roles if not r.startswith("index_")))
            for a in model.attributes
        }

    assert attrs(go_model) == attrs(dms_model)


def test_upstream_go_driver_order_drifts_from_order_yml(contract: Path) -> None:
    """DynamORM's own Go driver Order has no sort key on gsi-status; order.yml has one.

    Our comparison makes that visible: the two CreateTable requests differ in exactly that index.
    """
    driver = contract / "driver"
    driver.mkdir()
    shutil.copy(contract / "go" / "go.mod", driver / "go.mod")
    shutil.copy(contract / "go" / "upstream_driver_order.go.txt", driver / "order.go")
    go_order = next(m for m in load(contract, ("driver",)).models if m.name == "Order")
    dms_order = next(m for m in load(contract, ("dms",)).models if m.name == "Order")
    go_req = create_table_request(table_spec_from_model(go_order))
    dms_req = create_table_request(table_spec_from_model(dms_order))
    assert go_req != dms_req
    assert go_req["GlobalSecondaryIndexes"][0]["KeySchema"] == [{"AttributeName": "status", "KeyType": "HASH"}]
    assert dms_req["GlobalSecondaryIndexes"][0]["KeySchema"][1] == {"AttributeName": "createdAt", "KeyType": "RANGE"}
    without_index = {k: v for k, v in go_req.items() if k not in ("GlobalSecondaryIndexes", "AttributeDefinitions")}
    assert without_index == {k: v for k, v in dms_req.items()
                             if k not in ("GlobalSecondaryIndexes", "AttributeDefinitions")}


def test_go_models_survive_a_dms_round_trip(contract: Path) -> None:
    """Go model -> DMS text -> model gives the same table (inspect --format dms is faithful)."""
    from liftcli.dynamorm.dms import dump_dms, parse_dms

    go = load(contract, ("go",))
    again, diags = parse_dms(dump_dms(go.models), "roundtrip.yml")
    assert [d for d in diags if d.severity == "error"] == []
    for original in go.models:
        copy = next(m for m in again if m.name == original.name)
        assert create_table_request(table_spec_from_model(copy)) == create_table_request(
            table_spec_from_model(original)
        )
        assert copy.ttl_attribute == original.ttl_attribute
