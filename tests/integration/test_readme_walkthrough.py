"""The README's walkthrough, executed line by line, so it can never rot.

Each `$ ` line of the block between the walkthrough markers runs in one bash session inside a
temporary directory; a trailing `# exit N` comment is the exit code the line must have (else 0).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def _split_comment(text: str) -> tuple[str, str]:
    """A comment is two or more spaces then "#"; "# exit N" in it is the expected exit code."""
    match = re.search(r"\s{2,}#(.*)$", text)
    return (text[: match.start()], match.group(1)) if match else (text, "")


def walkthrough_lines() -> list[tuple[str, int]]:
    text = README.read_text()
    block = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    lines = []
    for line in block.splitlines():
        if not line.startswith("$ "):
            continue
        command, comment = _split_comment(line[2:])
        match = re.search(r"exit (\d+)\b", comment)
        lines.append((command.rstrip(), int(match.group(1)) if match else 0))
    return lines


def test_walkthrough_is_in_the_readme() -> None:
    lines = walkthrough_lines()
    assert len(lines) >= 10
    assert any(c.startswith("lift dynamorm migrate") for c, _ in lines)
    assert [e for c, e in lines if c == "lift dynamorm validate"] == [3, 0, 0]


def test_walkthrough_runs(tmp_path: Path) -> None:
    if shutil.which("go") is None:
        skip_or_fail("go is not installed (scripts/setup/codegen-tools.sh)")
    bindir = Path(sys.executable).parent
    script = ["set -u", 'trap "lift dynamorm local stop >/dev/null 2>&1 || true" EXIT']
    for number, (command, expected) in enumerate(walkthrough_lines(), start=1):
        script.append(f"echo '>>> [{number}] {command.replace(chr(39), '')}' >&2")
        script.append(command)
        script.append(f'rc=$?; if [ "$rc" != "{expected}" ]; then echo "line {number} exited $rc, expected '
                      f'{expected}: {command.replace(chr(34), chr(39))}" >&2; exit 99; fi')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LIFT_", "DYNAMODB_"))}
    env.update({
        "PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "GOCACHE": str(tmp_path / "gocache"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    })
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    shop = tmp_path / "shop"
    migrations = sorted(p.name for p in (shop / "migrations" / "dynamorm").iterdir())
    assert migrations == ["0001_create-tables.yaml", "0002_add-customer-index.yaml"]
    assert "tests see Orders at http://127.0.0.1:" in done.stdout
    assert "::error file=models/order.go" in done.stdout and "gsi-customer" in done.stdout
    assert not (shop / ".lift" / "dynamorm" / "local.json").exists()  # the server was stopped


def test_readme_main_job_command(tmp_path: Path) -> None:
    """The README's first set-up command, minus the install (the test run has it installed)."""
    text = README.read_text()
    line = next(row for row in text.splitlines() if row.startswith("python3 -m venv .venv && .venv/bin/pip install . &&"))
    job = line.split("&& cd examples/billing && ", 1)[1]
    bindir = Path(sys.executable).parent
    job = job.replace("../../.venv/bin/", f"{bindir}/")
    example = tmp_path / "billing"
    shutil.copytree(README.parent / "examples" / "billing", example)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LIFT_", "DYNAMODB_"))}
    done = subprocess.run(["bash", "-c", job], cwd=example, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Invoices: keys tenantID (HASH), invoiceID (RANGE); GSIs gsi-status; LSIs lsi-due-day; TTL purgeAt" \
        in done.stdout
    assert "billing-customers: keys tenant_id (HASH), email_hash (RANGE); GSIs gsi-plan" in done.stdout
