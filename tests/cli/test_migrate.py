"""`lift dynamorm migrate`: file selection, confirmation, checksum, dry run, flags (in-process moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.dynamorm.migration_file import render_migration
from liftcli.dynamorm.model import Index, KeyAttribute
from liftcli.dynamorm.ops import CreateGlobalIndex, Op, ReplaceTable
from liftcli.dynamorm.plan import plan
from liftcli.dynamorm.spec import TableSpec
from liftcli.dynamorm.state import StateStore, Target

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PK = KeyAttribute("pk", "S")
ORDERS = TableSpec("orders", PK, billing_mode="PAY_PER_REQUEST")
GSI = Index("byStatus", "GSI", KeyAttribute("status", "S"))


@pytest.fixture
def aws(project: Path) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def write(project: Path, migration_id: str, ops: list[Op], environment: str | None = None) -> Path:
    text = render_migration(
        plan(ops, now=NOW, actual={"orders": ORDERS}),
        migration_id=migration_id,
        name="change",
        created_at=NOW,
        desired_specs={},
        environment=environment,
    )
    path = project / "migrations" / "dynamorm" / f"{migration_id}_change.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def migrate(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(lift_group, ["dynamorm", "migrate", *args], input=stdin)


def gsis(client: Any) -> list[str]:
    return [
        g["IndexName"]
        for g in client.describe_table(TableName="orders")["Table"].get("GlobalSecondaryIndexes", [])
    ]


def test_without_yes_and_without_a_terminal_it_refuses_naming_yes(aws: Any, project: Path) -> None:
    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    result = migrate()
    assert result.exit_code == 1
    assert "stdin is not a terminal" in result.stderr and "--yes" in result.stderr
    assert gsis(aws) == []


def test_applies_the_oldest_pending_migration_then_the_next(aws: Any, project: Path) -> None:
    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    write(project, "0002", [CreateGlobalIndex("orders", Index("byDay", "GSI", KeyAttribute("day", "S")))])
    first = migrate("--yes")
    assert first.exit_code == 0, first.output
    assert "Migration 0001 applied" in first.stderr
    assert gsis(aws) == ["byStatus"]
    second = migrate("--yes", "--format", "json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["migration"] == "0002"
    assert sorted(gsis(aws)) == ["byDay", "byStatus"]
    assert "Nothing to apply" in migrate("--yes").stderr
    store = StateStore(project / ".lift" / "dynamorm", Target(None, "aws:us-east-1"))
    assert [e["id"] for e in store.applied()] == ["0001", "0002"]


def test_edited_migration_file_is_refused(aws: Any, project: Path) -> None:
    path = write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    path.write_text(path.read_text(encoding="utf-8").replace("byStatus", "byState"), encoding="utf-8")
    result = migrate("--yes", str(path))
    assert result.exit_code == 1
    assert "checksum mismatch" in result.stderr
    assert gsis(aws) == []


def test_dry_run_prints_every_request_and_changes_nothing(aws: Any, project: Path) -> None:
    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    result = migrate("--dry-run")
    assert result.exit_code == 0, result.output
    assert "001 [in-place] create GSI byStatus on orders" in result.stdout
    assert "preflight: run" in result.stdout
    assert 'UpdateTable {"AttributeDefinitions": ' in result.stdout
    assert "then wait: index-active orders/byStatus" in result.stdout
    assert gsis(aws) == []


def test_dry_run_of_a_replace_says_it_would_be_refused(aws: Any, project: Path) -> None:
    new = TableSpec("orders-v2", PK, KeyAttribute("sk", "S"), billing_mode="PAY_PER_REQUEST")
    write(project, "0001", [ReplaceTable(ORDERS, new, ("DM-K002",))])
    result = migrate("--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert "--allow-destructive" in document["refused"]
    operations = [r["operation"] for s in document["steps"] for r in s["requests"]]
    assert operations == [
        "CreateBackup",
        "CreateTable",
        "Scan",
        "BatchWriteItem",
        "Scan",
        "Scan",
        "lift:CompareDigests",
        "DeleteTable",
    ]


def test_resume_without_an_unfinished_run_is_an_error(aws: Any, project: Path) -> None:
    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    result = migrate("--resume", "--yes")
    assert result.exit_code == 1
    assert "nothing to resume" in result.stderr


def test_migration_for_another_environment_is_refused(aws: Any, project: Path) -> None:
    (project / "lift.yaml").write_text(
        "dynamorm:\n  environments:\n    dev: {}\n    prod: {}\n", encoding="utf-8"
    )
    write(project, "0001", [CreateGlobalIndex("orders", GSI)], environment="dev")
    result = migrate("--env", "prod", "--yes")
    assert result.exit_code == 1
    assert "generated for environment dev, not prod" in result.stderr


def test_paused_replace_continues_with_resume_and_manual_done(aws: Any, project: Path) -> None:
    aws.put_item(TableName="orders", Item={"pk": {"S": "a"}, "sk": {"S": "1"}})
    new = TableSpec("orders-v2", PK, KeyAttribute("sk", "S"), billing_mode="PAY_PER_REQUEST")
    write(project, "0001", [ReplaceTable(ORDERS, new, ("DM-K002",))])
    paused = migrate("--yes", "--allow-destructive")
    assert paused.exit_code == 0, paused.output
    assert "--resume --manual-done" in paused.stderr
    again = migrate("--yes", "--allow-destructive")
    assert again.exit_code == 1 and "--resume" in again.stderr
    done = migrate("--yes", "--allow-destructive", "--resume", "--manual-done")
    assert done.exit_code == 0, done.output
    assert aws.list_tables()["TableNames"] == ["orders-v2"]


@pytest.mark.parametrize(("answer", "code", "created"), [("y\n", 0, ["byStatus"]), ("n\n", 1, [])])
def test_on_a_terminal_it_asks(
    aws: Any, project: Path, monkeypatch: pytest.MonkeyPatch, answer: str, code: int, created: list[str]
) -> None:
    import liftcli.cli.dynamorm.migrate as command

    monkeypatch.setattr(command, "_interactive", lambda: True)
    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    result = migrate(stdin=answer)
    assert result.exit_code == code, result.output
    assert "Apply migration 0001 to environment default at aws:us-east-1?" in result.stderr
    assert gsis(aws) == created


def test_a_second_run_is_refused_while_the_target_lock_is_held(project: Path) -> None:
    """A real `lift dynamorm migrate` process while this test holds the target's flock: exit 1
    naming the holder and what to do, no traceback, and no request sent (the endpoint is a port
    nothing answers on, so any request would fail differently)."""
    import os
    import socket
    import subprocess
    import sys

    from liftcli.dynamorm.lock import LocalLock, Owner, local_lock_path

    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    url = "http://127.0.0.1:9"
    held = LocalLock(local_lock_path(StateStore(project / ".lift" / "dynamorm", Target(None, url))))
    held.acquire(Owner.current("0001"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "liftcli", "dynamorm", "migrate", "--yes", "--endpoint-url", url],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        held.release()
    assert done.returncode == 1, done.stderr
    refusal = f"Error: another `lift dynamorm migrate` is applying to environment default at {url}"
    assert refusal in done.stderr
    assert f"pid {os.getpid()} on {socket.gethostname()}" in done.stderr and "migration 0001" in done.stderr
    assert "Hint: Wait for it to finish" in done.stderr
    assert "Traceback" not in done.stderr and "Internal error" not in done.stderr


def test_force_unlock_takes_no_file_dry_run_or_resume(project: Path) -> None:
    for extra in (["--dry-run"], ["--resume"], ["migrations/dynamorm/0001_change.yaml"]):
        result = migrate("--force-unlock", *extra)
        assert result.exit_code == 2, result.output
        assert "--force-unlock only removes the lease" in result.stderr


# --------------------------------------------------------------------------------------------
# GSI backfill progress (CloudWatch)
# --------------------------------------------------------------------------------------------


def index_event(percent: float, throttles: int | None = None) -> Any:
    from liftcli.dynamorm.apply import Event

    return Event(
        "index-progress",
        "001 backfilling GSI byStatus on orders",
        "001",
        percent=percent,
        throttle_events=throttles,
    )


def test_backfill_progress_is_a_percentage_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from liftcli.cli.dynamorm.migrate import _Renderer
    from liftcli.dynamorm.apply import Event

    monkeypatch.setenv("TERM", "xterm-256color")  # rich draws no live display on a dumb terminal
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=110, no_color=True)
    with _Renderer(console) as renderer:
        renderer(Event("copy-progress", "002 copying orders -> orders-v2", "002", done=40, total=40))
        renderer(index_event(12.0))
        renderer(index_event(47.0, throttles=3))
        renderer.progress.refresh()
        during = out.getvalue()
        renderer(index_event(100.0))
    final = out.getvalue()[len(during) :]
    assert "━" in during  # rich's bar
    assert "001 backfilling GSI byStatus on orders (3 throttled write(s) in the latest minute)" in during
    assert " 47% " in during and "47/100" not in during  # a percentage, not M/N
    assert "40/40" in during  # copies keep their M/N column
    backfill = [line for line in final.splitlines() if "backfilling GSI byStatus" in line]
    assert backfill and "100%" in backfill[-1] and "throttled" not in backfill[-1]


def test_backfill_progress_without_a_terminal_is_a_line_every_10_percent_or_5_minutes() -> None:
    import io

    from rich.console import Console

    from liftcli.cli.dynamorm.migrate import _Renderer

    out = io.StringIO()
    now = [0.0]
    renderer = _Renderer(Console(file=out, width=120), monotonic=lambda: now[0])
    with renderer:
        for t, percent, throttles in [
            (0, 2.0, None),  # first: shown
            (60, 7.5, 0),
            (120, 11.0, 4),  # crossed 10 %
            (180, 19.0, None),
            (240, 20.0, None),  # crossed 20 %
            (300, 24.0, None),
            (560, 25.0, None),  # 5 minutes after the last line
            (620, 26.0, None),
            (680, 100.0, None),  # ACTIVE
        ]:
            now[0] = t
            renderer(index_event(percent, throttles))
    assert out.getvalue().splitlines() == [
        "001 backfilling GSI byStatus on orders: 2%",
        "001 backfilling GSI byStatus on orders: 11%, 4 throttled write(s) in the latest minute",
        "001 backfilling GSI byStatus on orders: 20%",
        "001 backfilling GSI byStatus on orders: 25%",
        "001 backfilling GSI byStatus on orders: 100%",
    ]


def test_notice_is_printed_once_as_a_note() -> None:
    import io

    from rich.console import Console

    from liftcli.cli.dynamorm.migrate import _Renderer
    from liftcli.dynamorm.apply import Event

    out = io.StringIO()
    notice = "backfill progress needs cloudwatch:GetMetricStatistics; showing status only"
    with _Renderer(Console(file=out, width=120)) as renderer:
        renderer(Event("notice", notice))
    assert out.getvalue() == (
        "Note: backfill progress needs cloudwatch:GetMetricStatistics; showing status only\n"
    )


def test_migrate_shows_backfill_progress_from_cloudwatch_and_json_stays_valid(
    aws: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole command on moto's DynamoDB and CloudWatch (the target is AWS: no endpoint URL).

    moto builds a GSI at once; a botocore hook on the command's own DynamoDB client makes the
    first DescribeTable answers after UpdateTable say CREATING + Backfilling, as AWS does."""
    import liftcli.aws_client as aws_client
    import liftcli.dynamorm.apply as apply_module

    monkeypatch.setattr(apply_module, "SAMPLE_INTERVAL", 0.0)  # sample at every poll (real time here)
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    cloudwatch.put_metric_data(
        Namespace="AWS/DynamoDB",
        MetricData=[
            {
                "MetricName": "OnlineIndexPercentageProgress",
                "Dimensions": [
                    {"Name": "TableName", "Value": "orders"},
                    {"Name": "GlobalSecondaryIndexName", "Value": "byStatus"},
                ],
                "Value": 40.0,
                "Timestamp": datetime.now(UTC) - timedelta(seconds=30),  # metrics come a bit late
            }
        ],
    )
    backfilling = {"left": 0}
    real_client = aws_client.dynamodb_client

    def client_with_a_slow_backfill(*args: Any, **kwargs: Any) -> Any:
        client = real_client(*args, **kwargs)

        def updated(**_: Any) -> None:
            backfilling["left"] = 3

        def described(parsed: dict[str, Any], **_: Any) -> None:
            if backfilling["left"] > 0:
                backfilling["left"] -= 1
                for gsi in parsed["Table"].get("GlobalSecondaryIndexes", []):
                    gsi.update(IndexStatus="CREATING", Backfilling=True)

        client.meta.events.register("after-call.dynamodb.UpdateTable", updated)
        client.meta.events.register("after-call.dynamodb.DescribeTable", described)
        return client

    monkeypatch.setattr(aws_client, "dynamodb_client", client_with_a_slow_backfill)
    write(project, "0001", [CreateGlobalIndex("orders", GSI)])
    result = migrate("--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "done"  # stdout is only the JSON document
    lines = [line for line in result.stderr.splitlines() if "backfilling GSI" in line]
    assert lines == [
        "001 backfilling GSI byStatus on orders: 40%",
        "001 backfilling GSI byStatus on orders: 100%",
    ]
    assert backfilling["left"] == 0
    assert gsis(aws) == ["byStatus"]
