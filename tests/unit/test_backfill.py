"""GSI backfill progress from CloudWatch (backfill.py): moto's CloudWatch and botocore Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.stub import Stubber

from liftcli.dynamorm.backfill import (
    DENIED_NOTICE,
    BackfillMetrics,
    IndexProgress,
    latest_datapoint,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DIMENSIONS = [
    {"Name": "TableName", "Value": "orders"},
    {"Name": "GlobalSecondaryIndexName", "Value": "byStatus"},
]


def expected(metric: str, statistic: str, now: datetime = NOW) -> dict[str, Any]:
    return {
        "Namespace": "AWS/DynamoDB",
        "MetricName": metric,
        "Dimensions": DIMENSIONS,
        "StartTime": now - timedelta(minutes=10),
        "EndTime": now,
        "Period": 60,
        "Statistics": [statistic],
    }


def points(statistic: str, *values: tuple[int, float]) -> dict[str, Any]:
    """A GetMetricStatistics response: (minutes before NOW, value) per datapoint, in that order."""
    return {
        "Label": "x",
        "Datapoints": [
            {"Timestamp": NOW - timedelta(minutes=ago), statistic: value, "Unit": "Count"}
            for ago, value in values
        ],
    }


class Counted:
    """A real CloudWatch client whose GetMetricStatistics calls are counted (a botocore hook)."""

    def __init__(self) -> None:
        self.client = boto3.client("cloudwatch", region_name="us-east-1")
        self.calls: list[str] = []
        self.client.meta.events.register(
            "before-parameter-build.cloudwatch.GetMetricStatistics",
            lambda params, **_: self.calls.append(params["MetricName"]),
        )


@pytest.fixture
def counted() -> Iterator[tuple[Counted, Stubber]]:
    cw = Counted()
    with Stubber(cw.client) as stub:
        yield cw, stub
        stub.assert_no_pending_responses()


def reader(client: Any, now: datetime = NOW) -> BackfillMetrics:
    return BackfillMetrics(lambda: client, clock=lambda: now)


# --------------------------------------------------------------------------------------------
# reading datapoints
# --------------------------------------------------------------------------------------------


def test_percentage_is_the_maximum_of_the_latest_minute_from_moto_cloudwatch() -> None:
    from moto import mock_aws

    now = datetime.now(UTC).replace(microsecond=0)
    with mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")

        def put(metric: str, seconds_ago: int, value: float) -> None:
            cw.put_metric_data(
                Namespace="AWS/DynamoDB",
                MetricData=[
                    {
                        "MetricName": metric,
                        "Dimensions": DIMENSIONS,
                        "Value": value,
                        "Timestamp": now - timedelta(seconds=seconds_ago),
                    }
                ],
            )

        put("OnlineIndexPercentageProgress", 250, 20.0)
        put("OnlineIndexPercentageProgress", 130, 41.0)
        put("OnlineIndexPercentageProgress", 40, 55.5)  # the latest minute holds 55.5 and 58.0: Maximum
        put("OnlineIndexPercentageProgress", 20, 58.0)
        put("OnlineIndexThrottleEvents", 250, 9.0)  # an older minute: not counted
        put("OnlineIndexThrottleEvents", 35, 2.0)
        put("OnlineIndexThrottleEvents", 15, 3.0)
        # another index on the same table is not mixed in
        cw.put_metric_data(
            Namespace="AWS/DynamoDB",
            MetricData=[
                {
                    "MetricName": "OnlineIndexPercentageProgress",
                    "Dimensions": [DIMENSIONS[0], {"Name": "GlobalSecondaryIndexName", "Value": "byDay"}],
                    "Value": 99.0,
                    "Timestamp": now - timedelta(seconds=10),
                }
            ],
        )
        progress = BackfillMetrics(
            lambda: boto3.client("cloudwatch", region_name="us-east-1"), clock=lambda: now
        ).read("orders", "byStatus")
    assert progress is not None
    assert progress.percent == 58.0
    assert progress.throttle_events == 5  # Sum of the latest minute with a datapoint
    assert now - timedelta(minutes=2) < progress.timestamp < now  # the bucket of the latest minute


def test_latest_datapoint_by_timestamp_whatever_the_order(counted: tuple[Counted, Stubber]) -> None:
    cw, stub = counted
    # CloudWatch returns datapoints in no particular order; the newest one counts.
    stub.add_response(
        "get_metric_statistics",
        points("Maximum", (3, 30.0), (1, 62.5), (2, 48.0)),
        expected("OnlineIndexPercentageProgress", "Maximum"),
    )
    stub.add_response(
        "get_metric_statistics",
        points("Sum", (1, 0.0), (4, 17.0)),
        expected("OnlineIndexThrottleEvents", "Sum"),
    )
    progress = reader(cw.client).read("orders", "byStatus")
    assert progress == IndexProgress(62.5, 0, NOW - timedelta(minutes=1))


def test_no_datapoint_yet_is_none_and_throttles_are_not_asked(counted: tuple[Counted, Stubber]) -> None:
    cw, stub = counted
    stub.add_response("get_metric_statistics", {"Label": "x", "Datapoints": []})
    metrics = reader(cw.client)
    assert metrics.read("orders", "byStatus") is None
    assert cw.calls == ["OnlineIndexPercentageProgress"]
    assert metrics.take_notice() is None and not metrics.disabled


def test_no_throttle_datapoint_leaves_throttles_unknown(counted: tuple[Counted, Stubber]) -> None:
    cw, stub = counted
    stub.add_response("get_metric_statistics", points("Maximum", (1, 12.0)))
    stub.add_response("get_metric_statistics", {"Label": "x", "Datapoints": []})
    progress = reader(cw.client).read("orders", "byStatus")
    assert progress is not None and progress.percent == 12.0 and progress.throttle_events is None


@pytest.mark.parametrize(
    "datapoints, want",
    [
        ([], None),
        ([{"Timestamp": NOW, "Sum": 3.0}], None),  # not the statistic asked for
        ([{"Timestamp": NOW, "Maximum": 101.0}], (NOW, 101.0)),
        (
            [{"Timestamp": NOW - timedelta(minutes=1), "Maximum": 5.0}, {"Timestamp": NOW, "Maximum": 4.0}],
            (NOW, 4.0),
        ),
    ],
)
def test_latest_datapoint(datapoints: list[dict[str, Any]], want: tuple[datetime, float] | None) -> None:
    assert latest_datapoint(datapoints, "Maximum") == want


def test_percentages_are_clamped_to_0_100(counted: tuple[Counted, Stubber]) -> None:
    cw, stub = counted
    stub.add_response("get_metric_statistics", points("Maximum", (1, 100.4)))
    stub.add_response("get_metric_statistics", points("Sum", (1, 0.0)))
    progress = reader(cw.client).read("orders", "byStatus")
    assert progress is not None and progress.percent == 100.0


# --------------------------------------------------------------------------------------------
# failures never raise
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException"])
def test_access_denied_says_so_once_and_stops_asking(counted: tuple[Counted, Stubber], code: str) -> None:
    cw, stub = counted
    stub.add_client_error(
        "get_metric_statistics",
        code,
        "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: "
        "cloudwatch:GetMetricStatistics",
        http_status_code=403,
    )
    metrics = reader(cw.client)
    assert metrics.read("orders", "byStatus") is None
    assert metrics.disabled
    assert metrics.take_notice() == DENIED_NOTICE
    assert metrics.take_notice() is None  # once
    for _ in range(5):
        assert metrics.read("orders", "byStatus") is None
    assert cw.calls == ["OnlineIndexPercentageProgress"]  # no request after the refusal
    assert metrics.take_notice() is None


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "RequestLimitExceeded"])
def test_throttling_skips_that_sample_only(counted: tuple[Counted, Stubber], code: str) -> None:
    cw, stub = counted
    stub.add_client_error("get_metric_statistics", code, "Rate exceeded", http_status_code=400)
    stub.add_response("get_metric_statistics", points("Maximum", (1, 33.0)))
    stub.add_response("get_metric_statistics", points("Sum", (1, 4.0)))
    metrics = reader(cw.client)
    assert metrics.read("orders", "byStatus") is None
    assert not metrics.disabled and metrics.take_notice() is None
    progress = metrics.read("orders", "byStatus")  # the next sample works again
    assert progress is not None and (progress.percent, progress.throttle_events) == (33.0, 4)


def test_a_failed_throttle_request_keeps_the_percentage(counted: tuple[Counted, Stubber]) -> None:
    cw, stub = counted
    stub.add_response("get_metric_statistics", points("Maximum", (1, 70.0)))
    stub.add_client_error("get_metric_statistics", "Throttling", "Rate exceeded", http_status_code=400)
    progress = reader(cw.client).read("orders", "byStatus")
    assert progress is not None and progress.percent == 70.0 and progress.throttle_events is None


def test_an_unreachable_cloudwatch_skips_the_sample() -> None:
    # a real client on a port nothing listens on: botocore raises EndpointConnectionError
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2)
    client = boto3.client(
        "cloudwatch", region_name="us-east-1", endpoint_url="http://127.0.0.1:9", config=config
    )
    metrics = reader(client)
    assert metrics.read("orders", "byStatus") is None
    assert not metrics.disabled and metrics.take_notice() is None


def test_a_client_that_cannot_be_built_is_one_notice() -> None:
    built: list[int] = []

    def factory() -> Any:
        built.append(1)
        raise RuntimeError("no region")

    metrics = BackfillMetrics(factory, clock=lambda: NOW)
    assert metrics.read("orders", "byStatus") is None
    assert metrics.read("orders", "byStatus") is None
    notice = metrics.take_notice()
    assert notice is not None and "no region" in notice and notice.endswith("showing status only")
    assert built == [1]


def test_the_client_is_built_on_first_read_only() -> None:
    built: list[int] = []
    BackfillMetrics(lambda: built.append(1), clock=lambda: NOW)
    assert built == []
