"""A scripted terminal session (pexpect) drives the scaffold wizard once, end to end."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect  # a test extra: missing, this file fails to import instead of being skipped
import pytest

ENTER = "\r"


@pytest.mark.slow
def test_scaffold_wizard_in_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(
        "module example.com/shop\n\ngo 1.22\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFT_", "AWS_"))}
    env.update({"TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "120", "LINES": "40"})
    child = pexpect.spawn(
        sys.executable,
        ["-m", "liftcli", "dynamorm", "scaffold"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    try:
        child.expect("Preset")
        child.send(ENTER)  # crud (default)
        child.expect("Model name")
        child.send("Ticket" + ENTER)
        child.expect("Partition key")
        child.send(ENTER)  # ID:string
        child.expect("Sort key")
        child.send(ENTER)
        child.expect("Other fields")
        child.send("Priority:int64" + ENTER)
        child.expect("GSIs")
        child.send("gsi-priority:Priority" + ENTER)
        child.expect("TTL field")
        child.send("y")
        child.expect("Version field")
        child.send("n")
        child.expect("timestamps")
        child.send(ENTER)
        child.expect("Multi-tenant")
        child.send(ENTER)
        child.expect("Table definition")
        child.send(ENTER)  # cdk-go
        child.expect("Write")
        child.send(ENTER)  # all parts
        child.expect("Equivalent command:")
        child.expect(pexpect.EOF)
    finally:
        output = child.before or ""
        child.close()
    assert child.exitstatus == 0, output
    assert (
        "lift dynamorm scaffold --model Ticket --field Priority:int64 --gsi gsi-priority:Priority --ttl "
        "--iac cdk-go --with model,dms,iac,repository,handler,test"
    ) in output.replace("\r\n", " ").replace("\n", " ")
    model = (tmp_path / "models/ticket.go").read_text()
    assert 'dynamorm:"index:gsi-priority,pk,omitempty"' in model and 'dynamorm:"ttl,omitempty"' in model
    assert (tmp_path / "cdk/tables/ticket_table.go").is_file()
