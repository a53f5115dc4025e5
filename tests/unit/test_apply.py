"""The apply engine against botocore Stubber: retries, fatal errors, waits, preflight, gate, cooldowns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from liftcli.dynamorm.apply import (
    ApplyOptions,
    Event,
    Timeouts,
    apply_migration,
    expanded_calls,
    preflight,
)
from liftcli.dynamorm.copy import CopyOptions, RetryPolicy
from liftcli.dynamorm.migration_file import MigrationFile, load_migration, render_migration
from liftcli.dynamorm.model import Index, KeyAttribute
from liftcli.dynamorm.ops import CreateGlobalIndex, DeleteTable, EnableTtl, Op, ReplaceTable
from liftcli.dynamorm.plan import plan
from liftcli.dynamorm.spec import TableSpec
from liftcli.dynamorm.state import StateStore, Target
from liftcli.errors import AwsError, MigrationError

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PK = KeyAttribute("pk", "S")
ORDERS = TableSpec("orders", PK, billing_mode="PAY_PER_REQUEST")
BY_STATUS = Index("byStatus", "GSI", KeyAttribute("status", "S"))
SIMULTANEOUS = (
    "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
)


def migration_for(ops: list[Op], actual: TableSpec | None = ORDERS) -> MigrationFile:
    planned = plan(ops, now=NOW, actual={"orders": actual} if actual else {})
    text = render_migration(planned, migration_id="0001", name="test", created_at=NOW, desired_specs={})
    return load_migration(text)


def table(
    status: str = "ACTIVE", gsis: tuple[tuple[str, str, bool], ...] = (), **extra: Any
) -> dict[str, Any]:
    """A DescribeTable response; gsis are (name, IndexStatus, Backfilling) on attribute ``status``."""
    description: dict[str, Any] = {
        "TableName": "orders",
        "TableStatus": status,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "TableArn": "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
        **extra,
    }
    if gsis:
        description["GlobalSecondaryIndexes"] = [
            {
                "IndexName": name,
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": index_status,
                "Backfilling": backfilling,
            }
            for name, index_status, backfilling in gsis
        ]
    return {"Table": description}


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def client() -> Iterator[Any]:
    yield boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "state", Target("dev", "aws:us-east-1"))


def run(
    migration: MigrationFile, client: Any, store: StateStore, fake: FakeTime | None = None, **options: Any
) -> tuple[Any, list[Event]]:
    fake = fake or FakeTime()
    events: list[Event] = []
    result = apply_migration(
        migration,
        client,
        store,
        endpoint_kind="aws",
        options=ApplyOptions(**options),
        on_event=events.append,
        clock=lambda: NOW,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
    )
    return result, events


def expect_gsi_create_start(stub: Stubber) -> None:
    stub.add_response("describe_table", table(), {"TableName": "orders"})  # preflight
    stub.add_response("describe_table", table(), {"TableName": "orders"})  # already done?
    stub.add_response("describe_table", table(), {"TableName": "orders"})  # table ACTIVE before UpdateTable


def expect_gsi_create_end(stub: Stubber) -> None:
    stub.add_response("describe_table", table(gsis=(("byStatus", "ACTIVE", False),)), {"TableName": "orders"})
    stub.add_response("describe_table", table(gsis=(("byStatus", "ACTIVE", False),)), {"TableName": "orders"})


def update_ok() -> dict[str, Any]:
    return {
        "ResponseMetadata": {
            "RequestId": "req-1",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        }
    }


# --------------------------------------------------------------------------------------------
# retries
# --------------------------------------------------------------------------------------------


def test_throttling_is_retried_with_exponential_backoff(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    for code in ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"):
        stub.add_client_error("update_table", code, "slow down")
    stub.add_response("update_table", update_ok())
    expect_gsi_create_end(stub)
    fake = FakeTime()
    result, events = run(migration, client, store, fake, retry=RetryPolicy(max_attempts=5, base_delay=1.0))
    assert result.status == "done" and result.ran == ("001",)
    # equal jitter: attempt n sleeps between base*2^(n-1)/2 and base*2^(n-1)
    assert len(fake.sleeps) == 3
    for n, delay in enumerate(fake.sleeps, start=1):
        assert 2 ** (n - 1) / 2 <= delay <= 2 ** (n - 1)
    retries = [e.message for e in events if e.kind == "retry"]
    assert [m.split(": ")[1].split(",")[0] for m in retries] == [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    ]
    assert store.load_run("0001").step("001")["request_ids"] == ["req-1"]  # type: ignore[union-attr]
    assert store.applied_ids() == {"0001"}


def test_throttling_that_never_ends_stops_with_a_clear_error(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    for _ in range(3):
        stub.add_client_error("update_table", "ThrottlingException", "slow down")
    with pytest.raises(AwsError, match=r"still throttled \(ThrottlingException\) after 3 attempts"):
        run(migration, client, store, retry=RetryPolicy(max_attempts=3))
    state = store.load_run("0001")
    assert state is not None and state.status == "failed"
    assert store.applied_ids() == set()


@pytest.mark.parametrize(
    ("code", "message"),
    [("LimitExceededException", SIMULTANEOUS), ("ResourceInUseException", "Table is being updated: orders")],
)
def test_one_index_at_a_time_and_in_use_are_waited_out(
    client: Any, stub: Stubber, store: StateStore, code: str, message: str
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    stub.add_client_error("update_table", code, message)
    stub.add_client_error("update_table", code, message)
    stub.add_response("update_table", update_ok())
    expect_gsi_create_end(stub)
    fake = FakeTime()
    result, events = run(migration, client, store, fake)
    assert result.status == "done"
    assert fake.sleeps == [0.2, 0.4]  # the poll interval doubles while waiting
    assert sum(code in e.message for e in events if e.kind == "retry") == 2


def test_waiting_out_in_use_errors_is_bounded(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    for _ in range(3):  # t=0, 0.5, 1.0: the third failure is past the 1 s window
        stub.add_client_error("update_table", "LimitExceededException", SIMULTANEOUS)
    timeouts = Timeouts(in_use=1.0, poll_min=0.5, poll_max=0.5)
    with pytest.raises(MigrationError, match="kept failing with LimitExceededException"):
        run(migration, client, store, timeouts=timeouts)


def test_other_limit_exceeded_is_a_fatal_plan_error(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    stub.add_client_error(
        "update_table", "LimitExceededException", "Subscriber limit exceeded: too many GSIs"
    )
    with pytest.raises(MigrationError, match="001 .*UpdateTable failed: LimitExceededException") as caught:
        run(migration, client, store)
    assert "quota" in str(caught.value.hint)
    assert store.load_run("0001").status == "failed"  # type: ignore[union-attr]


def test_validation_error_stops_with_the_step_and_a_resume_hint(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    stub.add_client_error("update_table", "ValidationException", "One or more parameter values were invalid")
    with pytest.raises(AwsError, match="step 001 \\(create GSI byStatus on orders\\)") as caught:
        run(migration, client, store)
    assert "--resume" in str(caught.value.hint)


# --------------------------------------------------------------------------------------------
# waits
# --------------------------------------------------------------------------------------------


def test_index_wait_times_out_cleanly_and_resume_keeps_waiting(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_gsi_create_start(stub)
    stub.add_response("update_table", update_ok())
    creating = table(gsis=(("byStatus", "CREATING", False),))
    for _ in range(4):  # t=0, 1, 2, 3 (poll interval 1 s, timeout 3 s)
        stub.add_response("describe_table", creating, {"TableName": "orders"})
    timeouts = Timeouts(index_active=3.0, poll_min=1.0, poll_max=1.0)
    with pytest.raises(
        MigrationError, match=r"timed out after 3s waiting for GSI byStatus on orders"
    ) as caught:
        run(migration, client, store, timeouts=timeouts)
    assert "--resume" in str(caught.value.hint)
    state = store.load_run("0001")
    assert state is not None and state.status == "failed" and state.step_status("001") == "sent"
    stub.assert_no_pending_responses()

    # --resume: the index exists now, so UpdateTable is not sent again; only the wait runs.
    backfilling = table(gsis=(("byStatus", "CREATING", True),))
    stub.add_response("describe_table", backfilling, {"TableName": "orders"})  # preflight: done
    stub.add_response("describe_table", backfilling, {"TableName": "orders"})  # already done -> skip call
    stub.add_response("describe_table", backfilling, {"TableName": "orders"})  # usable: backfilling
    stub.add_response("describe_table", table(gsis=(("byStatus", "ACTIVE", False),)), {"TableName": "orders"})
    result, _ = run(migration, client, store, resume=True, timeouts=timeouts)
    assert result.status == "done" and result.ran == ("001",)


def test_table_wait_before_update_waits_for_active(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    stub.add_response("describe_table", table("UPDATING"), {"TableName": "orders"})
    stub.add_response("describe_table", table("UPDATING"), {"TableName": "orders"})
    stub.add_response("describe_table", table("UPDATING"), {"TableName": "orders"})
    stub.add_response("describe_table", table(), {"TableName": "orders"})
    stub.add_response("update_table", update_ok())
    expect_gsi_create_end(stub)
    fake = FakeTime()
    result, events = run(migration, client, store, fake)
    assert result.status == "done"
    assert any(e.kind == "wait" and "to be ACTIVE (status: UPDATING" in e.message for e in events)


# --------------------------------------------------------------------------------------------
# GSI backfill progress (CloudWatch, AWS only)
# --------------------------------------------------------------------------------------------

BACKFILLING = table(gsis=(("byStatus", "CREATING", True),))
ACTIVE_GSI = table(gsis=(("byStatus", "ACTIVE", False),))


class CloudWatch:
    """A real CloudWatch client under Stubber; records the fake time of each request."""

    def __init__(self, fake: FakeTime) -> None:
        self.client = boto3.client("cloudwatch", region_name="us-east-1")
        self.stub = Stubber(self.client)
        self.calls: list[tuple[float, str]] = []
        self.built = 0
        self.client.meta.events.register(
            "before-parameter-build.cloudwatch.GetMetricStatistics",
            lambda params, **_: self.calls.append((fake.now, params["MetricName"])),
        )

    def factory(self) -> Any:
        self.built += 1
        return self.client

    def respond(self, statistic: str, *values: tuple[int, float]) -> None:
        """One GetMetricStatistics answer: (minutes before NOW, value) per datapoint."""
        datapoints = [{"Timestamp": NOW - timedelta(minutes=m), statistic: v} for m, v in values]
        metric = "OnlineIndexPercentageProgress" if statistic == "Maximum" else "OnlineIndexThrottleEvents"
        dimensions = [
            {"Name": "TableName", "Value": "orders"},
            {"Name": "GlobalSecondaryIndexName", "Value": "byStatus"},
        ]
        expected = {
            "Namespace": "AWS/DynamoDB",
            "MetricName": metric,
            "Dimensions": dimensions,
            "StartTime": NOW - timedelta(minutes=10),
            "EndTime": NOW,
            "Period": 60,
            "Statistics": [statistic],
        }
        self.stub.add_response("get_metric_statistics", {"Datapoints": datapoints}, expected)


def run_backfill(
    migration: MigrationFile, client: Any, store: StateStore, fake: FakeTime, cloudwatch: Any, kind: str
) -> tuple[Any, list[tuple[float, Event]]]:
    """apply_migration with a CloudWatch factory; each event with the fake time it came at."""
    events: list[tuple[float, Event]] = []
    result = apply_migration(
        migration,
        client,
        store,
        endpoint_kind=kind,
        options=ApplyOptions(timeouts=Timeouts(poll_min=20.0, poll_max=20.0)),
        on_event=lambda e: events.append((fake.now, e)),
        clock=lambda: NOW,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
        cloudwatch=cloudwatch,
    )
    return result, events


def expect_backfill(stub: Stubber, polls: int) -> None:
    """UpdateTable, then the index backfills for ``polls`` DescribeTable polls, then ACTIVE."""
    expect_gsi_create_start(stub)
    stub.add_response("update_table", update_ok())
    stub.add_response("describe_table", BACKFILLING, {"TableName": "orders"})  # the step's wait: usable
    for _ in range(polls):  # the final wait for ACTIVE: t = 0, 20, 40, ...
        stub.add_response("describe_table", BACKFILLING, {"TableName": "orders"})
    stub.add_response("describe_table", ACTIVE_GSI, {"TableName": "orders"})


def test_backfill_progress_is_read_from_cloudwatch_at_most_once_a_minute(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_backfill(stub, polls=10)  # backfilling at t = 0..180 (every 20 s), ACTIVE at t = 200
    fake = FakeTime()
    cw = CloudWatch(fake)
    cw.respond("Maximum")  # t=0: the backfill just started, no datapoint yet
    cw.respond("Maximum", (3, 4.0), (1, 12.0), (2, 9.0))  # t=60: the newest datapoint counts
    cw.respond("Sum")
    cw.respond("Maximum", (1, 47.0), (2, 30.0))  # t=120
    cw.respond("Sum", (1, 3.0), (2, 8.0))
    cw.respond("Maximum", (1, 85.5))  # t=180
    cw.respond("Sum", (1, 0.0))
    with cw.stub:
        result, events = run_backfill(migration, client, store, fake, cw.factory, "aws")
        cw.stub.assert_no_pending_responses()
    assert result.status == "done" and result.ran == ("001",)
    # CloudWatch is asked once a minute of fake time, not at every DescribeTable poll (every 20 s)
    assert [t for t, metric in cw.calls if metric == "OnlineIndexPercentageProgress"] == [0, 60, 120, 180]
    assert [t for t, metric in cw.calls if metric == "OnlineIndexThrottleEvents"] == [60, 120, 180]
    assert cw.built == 1
    progress = [(t, e.percent, e.throttle_events) for t, e in events if e.kind == "index-progress"]
    # ... and the index going ACTIVE completes the bar
    assert progress == [(60, 12.0, None), (120, 47.0, 3), (180, 85.5, 0), (200, 100.0, None)]
    assert all(
        e.step_id == "001" and e.message == "001 backfilling GSI byStatus on orders"
        for _, e in events
        if e.kind == "index-progress"
    )
    assert not [e for _, e in events if e.kind == "notice"]


def test_backfill_progress_is_never_asked_of_a_local_endpoint(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_backfill(stub, polls=10)  # even if a local server reported a backfill
    fake = FakeTime()
    cw = CloudWatch(fake)
    with cw.stub:
        result, events = run_backfill(migration, client, store, fake, cw.factory, "dynamodb-local")
    assert result.status == "done"
    assert cw.built == 0 and cw.calls == []
    assert not [e for _, e in events if e.kind in ("index-progress", "notice")]


def test_no_cloudwatch_permission_is_one_notice_and_the_run_goes_on(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_backfill(stub, polls=10)
    fake = FakeTime()
    cw = CloudWatch(fake)
    cw.stub.add_client_error(
        "get_metric_statistics",
        "AccessDenied",
        "not authorized to perform: cloudwatch:GetMetricStatistics",
        http_status_code=403,
    )
    with cw.stub:
        result, events = run_backfill(migration, client, store, fake, cw.factory, "aws")
        cw.stub.assert_no_pending_responses()
    assert result.status == "done"
    assert len(cw.calls) == 1  # asked once (t=0), never again over the next 200 s of polls
    notices = [e.message for _, e in events if e.kind == "notice"]
    assert notices == ["backfill progress needs cloudwatch:GetMetricStatistics; showing status only"]
    assert not [e for _, e in events if e.kind == "index-progress"]
    # the wait itself is unchanged: DescribeTable every 20 s until ACTIVE
    assert fake.sleeps == [20.0] * 10


def test_a_throttled_cloudwatch_sample_is_skipped(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    expect_backfill(stub, polls=4)  # t = 0, 20, 40, 60; ACTIVE at t = 80
    fake = FakeTime()
    cw = CloudWatch(fake)
    cw.stub.add_client_error("get_metric_statistics", "Throttling", "Rate exceeded", http_status_code=400)
    cw.respond("Maximum", (1, 64.0))  # t=60
    cw.respond("Sum", (1, 2.0))
    with cw.stub:
        result, events = run_backfill(migration, client, store, fake, cw.factory, "aws")
        cw.stub.assert_no_pending_responses()
    assert result.status == "done"
    progress = [(t, e.percent, e.throttle_events) for t, e in events if e.kind == "index-progress"]
    assert progress == [(60, 64.0, 2), (80, 100.0, None)]
    assert not [e for _, e in events if e.kind == "notice"]


# --------------------------------------------------------------------------------------------
# preflight
# --------------------------------------------------------------------------------------------


def test_step_already_done_is_skipped(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    active = table(gsis=(("byStatus", "ACTIVE", False),))
    for _ in range(4):  # preflight, already-done check, wait, final ACTIVE check (no UpdateTable)
        stub.add_response("describe_table", active, {"TableName": "orders"})
    result, events = run(migration, client, store)
    assert result.status == "done" and result.skipped == ("001",) and result.ran == ()
    assert any(e.kind == "preflight" and e.message.startswith("done: ") for e in events)


def test_live_table_contradicting_the_plan_refuses_before_any_change(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    other = table(gsis=(("byStatus", "ACTIVE", False),))
    other["Table"]["GlobalSecondaryIndexes"][0]["KeySchema"] = [{"AttributeName": "other", "KeyType": "HASH"}]
    stub.add_response("describe_table", other, {"TableName": "orders"})
    with pytest.raises(
        MigrationError, match="GSI byStatus on orders exists with other keys.*Nothing was changed"
    ):
        run(migration, client, store)
    assert store.load_run("0001") is None  # refused before a state file existed


def test_missing_table_is_a_conflict(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    stub.add_client_error("describe_table", "ResourceNotFoundException", "not found")
    with pytest.raises(MigrationError, match="table orders does not exist"):
        run(migration, client, store)


def test_deletion_protection_without_an_unprotect_step_is_a_conflict(
    client: Any, stub: Stubber, store: StateStore
) -> None:
    migration = migration_for([DeleteTable(ORDERS)], actual=ORDERS)
    protected = table(DeletionProtectionEnabled=True)
    stub.add_response("describe_table", protected, {"TableName": "orders"})  # cached for both steps
    with pytest.raises(MigrationError, match="deletion protection on and no step turns it off"):
        run(migration, client, store, allow_destructive=True)


def test_gsi_quota_is_checked_against_live_state(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    full = table(gsis=tuple((f"g{i:02d}", "ACTIVE", False) for i in range(20)))
    stub.add_response("describe_table", full, {"TableName": "orders"})
    with pytest.raises(MigrationError, match="would have 21 GSIs, the quota is 20"):
        run(migration, client, store)


def test_ttl_cooldown_pauses_with_the_earliest_time(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([EnableTtl("orders", "expires")])
    store.record_ttl_change("orders", NOW - timedelta(minutes=10))  # our own change, 10 min ago
    stub.add_response("describe_table", table(), {"TableName": "orders"})
    stub.add_response(
        "describe_time_to_live",
        {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}},
        {"TableName": "orders"},
    )
    checks = preflight(migration, client, store, endpoint_kind="aws", clock=lambda: NOW)
    assert [(c.status, c.not_before) for c in checks.checks] == [("blocked", NOW + timedelta(minutes=50))]
    stub.add_response("describe_table", table(), {"TableName": "orders"})
    stub.add_response(
        "describe_time_to_live",
        {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}},
        {"TableName": "orders"},
    )
    result, _ = run(migration, client, store)
    assert result.status == "paused" and result.resume_at == NOW + timedelta(minutes=50)
    assert "cannot run before 2025-06-01 12:50Z" in result.message
    assert store.load_run("0001").status == "paused"  # type: ignore[union-attr]


def test_ttl_change_is_recorded_for_the_cooldown(client: Any, stub: Stubber, store: StateStore) -> None:
    migration = migration_for([EnableTtl("orders", "expires")])
    disabled = {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    stub.add_response("describe_table", table(), {"TableName": "orders"})
    stub.add_response("describe_time_to_live", disabled, {"TableName": "orders"})
    stub.add_response("describe_table", table(), {"TableName": "orders"})  # already done?
    stub.add_response("describe_time_to_live", disabled, {"TableName": "orders"})
    stub.add_response("describe_table", table(), {"TableName": "orders"})  # ACTIVE before the call
    stub.add_response(
        "update_time_to_live", {"TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"}}
    )
    result, _ = run(migration, client, store)
    assert result.status == "done"
    assert store.ttl_changes() == {"orders": NOW}


# --------------------------------------------------------------------------------------------
# gate
# --------------------------------------------------------------------------------------------


def replace_migration() -> MigrationFile:
    new = TableSpec("orders-v2", PK, KeyAttribute("sk", "S"), billing_mode="PAY_PER_REQUEST")
    return migration_for([ReplaceTable(ORDERS, new, ("DM-K002",))])


def test_replace_needs_allow_destructive(store: StateStore) -> None:
    with pytest.raises(
        MigrationError, match="need --allow-destructive: .*002 \\[replace\\] create replacement"
    ):
        run(replace_migration(), None, store)
    assert store.load_run("0001") is None


def test_protected_environment_refuses_even_with_allow_destructive(store: StateStore) -> None:
    with pytest.raises(MigrationError, match="environment prod is protected"):
        run(replace_migration(), None, store, allow_destructive=True, protected=True, environment="prod")


def test_started_run_needs_resume_and_resume_needs_a_run(store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    with pytest.raises(MigrationError, match="nothing to resume"):
        run(migration, None, store, resume=True)
    store.new_run("0001", "test", migration.checksum, NOW)
    with pytest.raises(MigrationError, match="was started on this target") as caught:
        run(migration, None, store)
    assert "--resume" in str(caught.value.hint)


def test_resume_refuses_a_changed_migration(store: StateStore) -> None:
    migration = migration_for([CreateGlobalIndex("orders", BY_STATUS)])
    store.new_run("0001", "test", "sha256:other", NOW)
    with pytest.raises(MigrationError, match="changed since the interrupted run started"):
        run(migration, None, store, resume=True)


def test_dry_run_expands_lift_operations(tmp_path: Path) -> None:
    steps = replace_migration().plan.steps
    copy = [s for s in steps if s.calls and s.calls[0].operation == "lift:CopyItems"][0]
    calls = expanded_calls(copy, endpoint_kind="aws", copy=CopyOptions(segments=3), backups=tmp_path)
    assert [c.operation for c in calls] == ["Scan", "BatchWriteItem"]
    assert calls[0].request["TotalSegments"] == 3 and calls[0].request["TableName"] == "orders"
    backup = steps[0]
    local = expanded_calls(backup, endpoint_kind="dynamodb-local", copy=CopyOptions(), backups=tmp_path)
    assert local[0].operation == "lift:ExportItems"
    assert (
        expanded_calls(backup, endpoint_kind="aws", copy=CopyOptions(), backups=tmp_path)[0].operation
        == "CreateBackup"
    )


KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("want", "have", "status"),
    [
        ({"Enabled": False}, None, "done"),  # no SSEDescription: the AWS owned key
        ({"Enabled": False}, {"Status": "DISABLED"}, "done"),
        ({"Enabled": False}, {"Status": "DISABLING"}, "done"),
        ({"Enabled": False}, {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN}, "run"),
        ({"Enabled": True, "SSEType": "KMS"}, None, "run"),
        ({"Enabled": True, "SSEType": "KMS"}, {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN},
         "done"),
        ({"Enabled": True, "SSEType": "KMS"}, {"Status": "UPDATING", "SSEType": "KMS"}, "done"),
        ({"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_ARN},
         {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN}, "done"),
        ({"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
         {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN}, "done"),
        ({"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "other-key-id"},
         {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN}, "run"),
        ({"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/orders"},  # needs KMS to resolve
         {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN}, "run"),
    ],
)
def test_sse_steps_already_done_are_recognised(want: dict[str, Any], have: dict[str, Any] | None,
                                               status: str) -> None:
    from liftcli.dynamorm.apply import sse_check

    assert sse_check(want, have)[0] == status


def test_sse_step_done_on_the_live_table_is_skipped(client: Any, stub: Stubber, store: StateStore) -> None:
    from liftcli.dynamorm.ops import UpdateSse

    migration = migration_for([UpdateSse("orders", "DEFAULT", "KMS")])
    encrypted = table(SSEDescription={"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN})
    for _ in range(3):  # preflight, already-done check, final ACTIVE check (no UpdateTable)
        stub.add_response("describe_table", encrypted, {"TableName": "orders"})
    result, events = run(migration, client, store)
    assert result.status == "done" and result.ran == () and len(result.skipped) == 1
    assert any("encryption already uses a KMS key" in e.message for e in events)
