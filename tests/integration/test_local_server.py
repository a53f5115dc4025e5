"""The runner against real servers: every test runs on DynamoDB Local (jar) and on the embedded one."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftcli.aws_client import list_tables
from liftcli.errors import LocalServerError
from liftcli.local import create_tables, seed, truncate_tables
from liftcli.local.seed import SeedError
from tests.helpers import go_project

pytestmark = pytest.mark.integration


def _models(local_project: Path) -> list:  # type: ignore[type-arg]
    from tests.conftest import LOCAL_MODELS_GO

    return list(go_project(local_project, LOCAL_MODELS_GO).models)


def test_server_answers_on_loopback(ddb_server, ddb_client) -> None:  # type: ignore[no-untyped-def]
    assert ddb_server.endpoint.startswith("http://127.0.0.1:")
    assert "TableNames" in ddb_client.list_tables()


def test_tables_indexes_and_ttl_match_the_models(ddb_client, ddb_prefix, local_project) -> None:  # type: ignore[no-untyped-def]
    created = create_tables(ddb_client, _models(local_project), table_prefix=ddb_prefix)
    names = {t.name for t in created}
    # Invoice and Payment share INVOICES_TABLE: one table, both models' indexes.
    assert names == {f"{ddb_prefix}Invoices", "customers"}
    invoices = ddb_client.describe_table(TableName=f"{ddb_prefix}Invoices")["Table"]
    assert [k["AttributeName"] for k in invoices["KeySchema"]] == ["tenantID", "invoiceID"]
    gsis = {g["IndexName"]: [k["AttributeName"] for k in g["KeySchema"]] for g in invoices["GlobalSecondaryIndexes"]}
    assert gsis == {"gsi-by-invoice": ["invoiceID"], "gsi-status": ["status", "issuedAt"], "gsi-method": ["method"]}
    lsis = {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in invoices["LocalSecondaryIndexes"]}
    assert lsis == {"lsi-due": ["tenantID", "dueDay"]}
    assert invoices["TableStatus"] == "ACTIVE"
    ttl = ddb_client.describe_time_to_live(TableName=f"{ddb_prefix}Invoices")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires")
    no_ttl = ddb_client.describe_time_to_live(TableName="customers")["TimeToLiveDescription"]
    assert no_ttl["TimeToLiveStatus"] == "DISABLED"
    ddb_client.delete_table(TableName="customers")


def test_existing_table_is_an_error_unless_replaced(ddb_client, ddb_prefix, local_project) -> None:  # type: ignore[no-untyped-def]
    models = [m for m in _models(local_project) if m.name == "Invoice"]
    create_tables(ddb_client, models, table_prefix=ddb_prefix)
    with pytest.raises(LocalServerError, match="ResourceInUseException"):
        create_tables(ddb_client, models, table_prefix=ddb_prefix)
    again = create_tables(ddb_client, models, table_prefix=ddb_prefix, replace_existing=True)
    assert [t.name for t in again] == [f"{ddb_prefix}Invoices"]


def test_seeds_are_validated_then_written(ddb_client, ddb_prefix, local_project) -> None:  # type: ignore[no-untyped-def]
    models = [m for m in _models(local_project) if m.name == "Invoice"]
    [table] = create_tables(ddb_client, models, table_prefix=ddb_prefix)
    good = local_project / "good.yaml"
    good.write_text(
        "Invoice:\n"
        "  - {TenantID: t1, invoiceID: i1, total: 12.5, expires: 1767225600, ver: 1, issuedAt: 2026-01-01}\n"
        "  - {tenantID: t1, invoiceID: i2, tags: [a, b], extra: {nested: true}}\n"
    )
    bad = local_project / "bad.json"
    bad.write_text('{"Invoice": [{"tenantID": "t2", "invoiceID": "x", "expires": 1767225600000}]}')
    with pytest.raises(SeedError, match=r"bad.json: Invoice\[0\]: TTL attribute 'expires'"):
        seed(ddb_client, models, [good, bad], {"Invoice": table.name})
    assert ddb_client.scan(TableName=table.name)["Count"] == 0  # nothing written
    counts = seed(ddb_client, models, [good], {"Invoice": table.name})
    assert counts == {table.name: 2}
    item = ddb_client.get_item(TableName=table.name, Key={"tenantID": {"S": "t1"}, "invoiceID": {"S": "i1"}})["Item"]
    assert item["total"] == {"N": "12.5"} and item["expires"] == {"N": "1767225600"}
    assert item["issuedAt"] == {"S": "2026-01-01"}
    assert truncate_tables(ddb_client, [table.name]) == 2
    assert ddb_client.scan(TableName=table.name)["Count"] == 0


def test_list_tables_pages(ddb_client, ddb_prefix) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(list_tables(ddb_client), list)
