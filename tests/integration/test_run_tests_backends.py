"""`lift dynamorm test` on each backend: the command sees the tables, indexes and TTL the models imply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _DDB_CACHE, DDB_SETUP_SCRIPT, _ddb_unavailable, skip_or_fail

pytestmark = pytest.mark.integration

DESCRIBE = '''
import json, os, boto3
c = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"], region_name=os.environ["AWS_REGION"])
name = os.environ["INVOICES_TABLE"]
t = c.describe_table(TableName=name)["Table"]
print(json.dumps({
    "tables": sorted(c.list_tables()["TableNames"]),
    "gsis": sorted(g["IndexName"] for g in t["GlobalSecondaryIndexes"]),
    "lsis": sorted(i["IndexName"] for i in t["LocalSecondaryIndexes"]),
    "ttl": c.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get("AttributeName"),
    "seeded": c.scan(TableName="customers")["Count"],
}))
'''


@pytest.mark.parametrize("backend", ["jar", "embedded"])
def test_command_sees_the_models_tables(backend: str, local_project: Path) -> None:
    reason = _ddb_unavailable(backend)
    if reason:
        skip_or_fail(f"{reason} ({DDB_SETUP_SCRIPT})")
    (local_project / "seed.yaml").write_text("customers:\n  - {id: c1}\n  - {ID: c2, Email: b@example.com}\n")
    env = {**os.environ, **({"LIFT_DYNAMORM_CACHE": _DDB_CACHE} if _DDB_CACHE else {})}
    done = subprocess.run([sys.executable, "-m", "liftcli", "dynamorm", "test", "--backend", backend,
                           "--table-prefix", "it-", "--seed", "seed.yaml", "--", sys.executable, "-c", DESCRIBE],
                          cwd=local_project, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"tables": ["customers", "it-Invoices"], "gsis": ["gsi-by-invoice", "gsi-method", "gsi-status"],
                    "lsis": ["lsi-due"], "ttl": "expires", "seeded": 2}
    assert f"{backend} at http://127.0.0.1:" in done.stderr
