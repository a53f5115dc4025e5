"""The pytest plugin in a fresh pytest process: fixtures work, and runs without them stay lean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

USES_FIXTURES = '''
import os

def test_tables_and_env(dynamodb_clean):
    client = dynamodb_clean.client()
    table = dynamodb_clean.table_name("Invoice")
    assert table == os.environ["INVOICES_TABLE"] == "Invoices"
    assert os.environ["DYNAMODB_ENDPOINT"] == dynamodb_clean.endpoint
    client.put_item(TableName=table, Item={"tenantID": {"S": "t"}, "invoiceID": {"S": "1"}})
    assert client.scan(TableName=table)["Count"] == 1

def test_reset_between_tests(dynamodb_clean):
    assert dynamodb_clean.client().scan(TableName=dynamodb_clean.table_name("Invoice"))["Count"] == 0

def test_expire_ttl_jumps_ahead(dynamodb_clean):
    client, table = dynamodb_clean.client(), dynamodb_clean.table_name("Invoice")
    for invoice, expires in (("soon", "2000000000"), ("later", "2000000600")):
        client.put_item(TableName=table, Item={"tenantID": {"S": "t"}, "invoiceID": {"S": invoice},
                                               "expires": {"N": expires}})
    assert dynamodb_clean.expire_ttl() == 0  # nothing has expired yet
    assert dynamodb_clean.expire_ttl(now=2000000001) == 1
    assert [i["invoiceID"]["S"] for i in client.scan(TableName=table)["Items"]] == ["later"]
'''

NO_FIXTURES = '''
import sys

def test_nothing_heavy_imported():
    assert not [m for m in ("boto3", "moto", "liftcli.local") if m in sys.modules]
'''


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=project,
                          capture_output=True, text=True, timeout=180, env={**os.environ, "PYTHONPATH": ""})


def test_fixtures_create_tables_and_reset(local_project: Path) -> None:
    (local_project / "test_it.py").write_text(USES_FIXTURES)
    done = _pytest(local_project, "--dynamodb-backend", "embedded", "test_it.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_runs_without_the_fixture_import_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(NO_FIXTURES)
    done = _pytest(tmp_path, "test_plain.py")
    assert done.returncode == 0, done.stdout + done.stderr
