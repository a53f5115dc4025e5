"""The issue's promise, end to end: `lift dynamorm test -- go test ./...` runs a project's Go
tests against a local server where every model's table exists as the models say.

The Go test uses only the standard library (net/http + the DynamoDB JSON API): the Go module
proxy is out of reach here, and local servers accept any request signature.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _DDB_CACHE, DDB_SETUP_SCRIPT, FIXTURES, _ddb_unavailable, skip_or_fail
from tests.helpers import write_tree

pytestmark = pytest.mark.integration

MODEL = '''
package models

import (
	"os"
	"time"
)

type Invoice struct {
	TenantID  string    `dynamorm:"pk"`
	InvoiceID string    `dynamorm:"sk"`
	Status    string    `dynamorm:"index:gsi-status,pk"`
	Customer  string    `dynamorm:"index:gsi-customer,pk"`
	DueDay    string    `dynamorm:"lsi:lsi-due"`
	PurgeAt   int64     `dynamorm:"ttl,omitempty"`
	CreatedAt time.Time
}

func (Invoice) TableName() string { return os.Getenv("INVOICES_TABLE") }
'''


@pytest.fixture
def go_project(tmp_path: Path) -> Path:
    if shutil.which("go") is None:
        skip_or_fail("go is not installed (scripts/setup/codegen-tools.sh)")
    root = tmp_path / "billing"
    write_tree(root, {
        # No require of DynamORM: nothing may be downloaded here; lift.yaml pins the rules instead.
        "go.mod": "module example.com/billing\n\ngo 1.19\n",
        "lift.yaml": "dynamorm:\n  models: [models]\n  dynamorm_version: v1.3.0\n",
        "models/invoice.go": MODEL,
    })
    (root / "tablecheck").mkdir()
    shutil.copy(FIXTURES / "go-tablecheck" / "tables_test.go.txt", root / "tablecheck" / "tables_test.go")
    (root / "tablecheck" / "doc.go").write_text("package tablecheck\n")
    return root


def run_go_tests(root: Path, backend: str, want_gsis: str, want_ttl: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WANT_GSIS": want_gsis,
        "WANT_TTL": want_ttl,
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "GOCACHE": str(root.parent / "gocache"),
        **({"LIFT_DYNAMORM_CACHE": _DDB_CACHE} if _DDB_CACHE else {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "liftcli", "dynamorm", "test", "--backend", backend, "--table-prefix", "ci-",
         "--", "go", "test", "-count=1", "./..."],
        cwd=root, capture_output=True, text=True, timeout=300, env=env,
    )


@pytest.mark.parametrize("backend", ["jar", "embedded"])
def test_go_tests_see_the_tables(backend: str, go_project: Path) -> None:
    reason = _ddb_unavailable(backend)
    if reason:
        skip_or_fail(f"{reason} ({DDB_SETUP_SCRIPT})")
    done = run_go_tests(go_project, backend, '["gsi-customer","gsi-status"]', "purgeAt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok  \texample.com/billing/tablecheck" in done.stdout
    # A Go test that fails makes `lift dynamorm test` fail with its exit code.
    failing = run_go_tests(go_project, backend, '["gsi-status"]', "purgeAt")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "GSIs of ci-Invoices" in failing.stdout
