"""`lift dynamorm test` end to end on the embedded server (no Java or Docker needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LIFT = [sys.executable, "-m", "liftcli", "dynamorm"]
SHOW_ENV = ("import json, os; keys = ['DYNAMODB_ENDPOINT', 'AWS_ENDPOINT_URL_DYNAMODB', 'DYNAMODB_LOCAL_ENDPOINT', "
            "'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'INTEGRATION_TEST', 'INVOICES_TABLE']; "
            "print(json.dumps({k: os.environ.get(k) for k in keys}))")


def lift(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIFT, *args], cwd=project, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_env_vars_reach_the_command(local_project: Path) -> None:
    done = lift(local_project, "test", "--backend", "embedded", "--table-prefix", "ci-", "--",
                sys.executable, "-c", SHOW_ENV)
    assert done.returncode == 0, done.stderr
    env = json.loads(done.stdout)
    endpoint = env["DYNAMODB_ENDPOINT"]
    assert endpoint.startswith("http://127.0.0.1:")
    assert env == {
        "DYNAMODB_ENDPOINT": endpoint, "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "DYNAMODB_LOCAL_ENDPOINT": endpoint,
        "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "dummy", "AWS_SECRET_ACCESS_KEY": "dummy",
        "INTEGRATION_TEST": "true", "INVOICES_TABLE": "ci-Invoices",
    }
    assert "embedded" in done.stderr and "2 table(s)" in done.stderr


def test_exit_code_is_propagated(local_project: Path) -> None:
    done = lift(local_project, "test", "--backend", "embedded", "--", sys.executable, "-c", "raise SystemExit(7)")
    assert done.returncode == 7, done.stderr
    assert "command exited 7" in done.stderr


def test_json_summary(local_project: Path) -> None:
    done = lift(local_project, "test", "--backend", "embedded", "--json", "--", "true")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["backend"] == "embedded" and summary["exit_code"] == 0
    assert sorted(t["name"] for t in summary["tables"]) == ["Invoices", "customers"]
    assert set(summary["timings"]) >= {"server", "tables", "seed", "until_command", "command", "total"}


def test_bad_seed_fails_before_anything_runs(local_project: Path) -> None:
    (local_project / "seed.yaml").write_text("Invoice:\n  - {tenantID: t1}\nNope: []\n")
    marker = local_project / "ran"
    done = lift(local_project, "test", "--backend", "embedded", "--seed", "seed.yaml", "--",
                sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert done.returncode == 1
    assert "seed.yaml: Invoice[0]: missing sort key attribute 'invoiceID'" in done.stderr
    assert "seed.yaml: Nope: no model or table of that name" in done.stderr
    assert "Traceback" not in done.stderr
    assert not marker.exists()


def test_seeds_are_written_before_the_command(local_project: Path) -> None:
    (local_project / "seed.json").write_text(json.dumps({
        "Invoice": [{"tenantID": "t1", "invoiceID": "i1", "expires": 1767225600}],
        "customers": [{"id": "c1", "email": "a@example.com"}],
    }))
    count = ("import os, boto3; c = boto3.client('dynamodb', endpoint_url=os.environ['DYNAMODB_ENDPOINT']); "
             "print(c.scan(TableName=os.environ['INVOICES_TABLE'])['Count'], c.scan(TableName='customers')['Count'])")
    done = lift(local_project, "test", "--backend", "embedded", "--seed", "seed.json", "--", sys.executable, "-c", count)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
    assert "2 seed item(s)" in done.stderr


def test_missing_command_is_a_clear_error(local_project: Path) -> None:
    done = lift(local_project, "test", "--backend", "embedded", "--", "no-such-command-xyz")
    assert done.returncode == 1
    assert "command not found: no-such-command-xyz" in done.stderr and "Traceback" not in done.stderr


def test_remote_endpoint_is_refused(local_project: Path) -> None:
    done = lift(local_project, "test", "--endpoint-url", "https://dynamodb.us-east-1.amazonaws.com", "--", "true")
    assert done.returncode == 2
    assert "not a local server" in done.stderr


def test_reuse_keeps_a_warm_server_and_recreates_tables(local_project: Path) -> None:
    try:
        first = lift(local_project, "test", "--backend", "embedded", "--reuse", "--json", "--", "true")
        assert first.returncode == 0, first.stderr
        second = lift(local_project, "test", "--reuse", "--json", "--", "true")
        assert second.returncode == 0, second.stderr
        one, two = json.loads(first.stdout), json.loads(second.stdout)
        assert one["endpoint"] == two["endpoint"] and two["reused"] is True
        status = lift(local_project, "local", "status", "--format", "json")
        assert json.loads(status.stdout)["healthy"] is True
    finally:
        stop = lift(local_project, "local", "stop")
    assert "Stopped the embedded server" in stop.stderr
    assert not (local_project / ".lift/dynamorm/local.json").exists()


def _imported(importtime_stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in importtime_stderr.splitlines()
            if line.startswith("import time:")}


def test_reuse_goes_through_the_daemon_without_importing_boto3(local_project: Path) -> None:
    (local_project / "seed.json").write_text(json.dumps({
        "Invoice": [{"tenantID": "t1", "invoiceID": "i1", "expires": 1767225600}],
        "customers": [{"id": "c1", "email": "a@example.com"}],
    }))
    count = ("import os, boto3; c = boto3.client('dynamodb', endpoint_url=os.environ['DYNAMODB_ENDPOINT']); "
             "t = os.environ['INVOICES_TABLE']; print(c.scan(TableName=t)['Count'], c.scan(TableName='customers')['Count']); "
             "c.put_item(TableName=t, Item={'tenantID': {'S': 'x'}, 'invoiceID': {'S': 'y'}})")
    try:
        first = lift(local_project, "test", "--backend", "embedded", "--reuse", "--seed", "seed.json", "--",
                     sys.executable, "-c", count)
        assert first.returncode == 0, first.stderr
        assert first.stdout.split() == ["1", "1"]
        state = local_project / ".lift/dynamorm/local.json"
        record = json.loads(state.read_text())
        assert record["control"].startswith("http://127.0.0.1:") and len(record["control_key"]) >= 32
        assert state.stat().st_mode & 0o777 == 0o600  # the record holds the channel's key
        # The warm run: the items the last run left (seed + the command's own) are gone, the seeds are back.
        done = subprocess.run([sys.executable, "-X", "importtime", *LIFT[1:], "test", "--reuse", "--json",
                               "--seed", "seed.json", "--", sys.executable, "-c", count],
                              cwd=local_project, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout[done.stdout.index("{"):])
        assert done.stdout.split()[:2] == ["1", "1"]
        assert summary["reused"] is True and sum(summary["seeded"].values()) == 2
        heavy = {m for m in _imported(done.stderr) if m.split(".")[0] in ("boto3", "botocore", "moto", "urllib3")}
        assert not heavy, sorted(heavy)[:10]
    finally:
        lift(local_project, "local", "stop")


def test_reuse_falls_back_when_the_channel_is_missing_or_refuses(local_project: Path) -> None:
    state = local_project / ".lift/dynamorm/local.json"
    try:
        first = lift(local_project, "test", "--backend", "embedded", "--reuse", "--", "true")
        assert first.returncode == 0, first.stderr
        record = json.loads(state.read_text())
        # A daemon from before the channel: its record has no control fields.
        state.write_text(json.dumps({k: v for k, v in record.items() if k not in ("control", "control_key")}))
        old = lift(local_project, "test", "--reuse", "--json", "--", "true")
        assert old.returncode == 0, old.stderr
        assert json.loads(old.stdout)["reused"] is True
        # A key the daemon does not accept: refused, and the run still works in-process.
        state.write_text(json.dumps({**record, "control_key": "not-the-key"}))
        wrong = lift(local_project, "test", "--reuse", "--json", "--", "true")
        assert wrong.returncode == 0, wrong.stderr
        assert json.loads(wrong.stdout)["reused"] is True
        state.write_text(json.dumps(record))
    finally:
        stop = lift(local_project, "local", "stop")
    assert "Stopped the embedded server" in stop.stderr


def test_each_environment_can_have_its_own_seeds(local_project: Path) -> None:
    (local_project / "seeds").mkdir()
    (local_project / "seeds/base.json").write_text(json.dumps({"customers": [{"id": "base", "email": "b@x.io"}]}))
    (local_project / "seeds/ci.json").write_text(json.dumps({"customers": [{"id": "ci1", "email": "c@x.io"},
                                                                           {"id": "ci2", "email": "d@x.io"}]}))
    (local_project / "lift.yaml").write_text(
        "dynamorm:\n"
        "  models: [models]\n"
        "  test:\n    seed: [seeds/base.json]\n"
        "  environments:\n"
        "    local: {}\n"
        "    ci:\n      seed: [seeds/ci.json]\n"
        "    bare:\n      seed: []\n"
    )
    ids = ("import os, boto3; c = boto3.client('dynamodb', endpoint_url=os.environ['DYNAMODB_ENDPOINT']); "
           "print(sorted(i['id']['S'] for i in c.scan(TableName='customers')['Items']))")

    def seeded(*args: str) -> str:
        done = lift(local_project, "test", "--backend", "embedded", *args, "--", sys.executable, "-c", ids)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert seeded("--env", "local") == "['base']"  # no seed of its own: test.seed
    assert seeded("--env", "ci") == "['ci1', 'ci2']"
    assert seeded("--env", "bare") == "[]"  # an empty list means no seeds, not test.seed
    assert seeded("--env", "ci", "--seed", "seeds/base.json") == "['base']"  # the flag wins
