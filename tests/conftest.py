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
