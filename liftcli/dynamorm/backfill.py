"""GSI backfill progress from CloudWatch, for `lift dynamorm migrate` on AWS.

DescribeTable only says that a new GSI is ``CREATING`` and ``Backfilling``. While DynamoDB
builds an index online it publishes, per minute, in namespace ``AWS/DynamoDB`` with the
dimensions ``TableName`` and ``GlobalSecondaryIndexName`` (rules "Backfill observability"):

- ``OnlineIndexPercentageProgress``: how far the backfill is (0-100);
- ``OnlineIndexThrottleEvents``: write throttle events of the backfill;
- ``OnlineIndexConsumedWriteCapacity`` (not read here).

:class:`BackfillMetrics` reads the latest values with GetMetricStatistics. It is an optional
extra: it **never raises**. Without the ``cloudwatch:GetMetricStatistics`` permission it says
so once (:meth:`BackfillMetrics.take_notice`) and stops asking; a throttled or failed request
(or a slow network) only loses that sample. Only AWS publishes these metrics: the engine never
builds a reader for DynamoDB Local or moto, where an index is ACTIVE at once anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

NAMESPACE = "AWS/DynamoDB"
PROGRESS_METRIC = "OnlineIndexPercentageProgress"
THROTTLE_METRIC = "OnlineIndexThrottleEvents"
#: CloudWatch's resolution for these metrics: asking more often returns the same datapoint.
PERIOD_SECONDS = 60
#: How far back a datapoint still counts as "the latest".
WINDOW = timedelta(minutes=10)
#: The engine samples one index at most this often (seconds of its monotonic clock).
SAMPLE_INTERVAL = 60.0

DENIED_NOTICE = "backfill progress needs cloudwatch:GetMetricStatistics; showing status only"
#: Error codes that mean "not allowed": asking again will not help.
_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
)


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """The latest CloudWatch sample of one index's backfill.

    ``throttle_events`` is the Sum of OnlineIndexThrottleEvents in the latest minute that has a
    datapoint (None: no datapoint in the window).
    """

    percent: float
    throttle_events: int | None
    timestamp: datetime


class BackfillMetrics:
    """Reads OnlineIndex* metrics of GSIs being built; see the module docstring.

    Args:
        cloudwatch: builds the CloudWatch client (same credentials and region as the DynamoDB
            client); called on the first read only, so runs without a backfill never build one.
        clock: the current time (UTC), for the query window.
    """

    def __init__(
        self,
        cloudwatch: Callable[[], Any],
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._factory = cloudwatch
        self._client: Any = None
        self.clock = clock or (lambda: datetime.now(UTC))
        self.disabled = False
        self._notice: str | None = None

    def take_notice(self) -> str | None:
        """The one message to show when progress became unavailable for good, once."""
        notice, self._notice = self._notice, None
        return notice

    def read(self, table: str, index: str) -> IndexProgress | None:
        """The latest progress of ``index`` on ``table``; None without a datapoint (yet) or on error."""
        if self.disabled:
            return None
        client = self._cloudwatch()
        if client is None:
            return None
        dimensions = [
            {"Name": "TableName", "Value": table},
            {"Name": "GlobalSecondaryIndexName", "Value": index},
        ]
        progress = self._latest(client, PROGRESS_METRIC, "Maximum", dimensions)
        if progress is None:
            return None
        timestamp, percent = progress
        throttles = self._latest(client, THROTTLE_METRIC, "Sum", dimensions)
        return IndexProgress(
            percent=max(0.0, min(100.0, percent)),
            throttle_events=None if throttles is None else int(throttles[1]),
            timestamp=timestamp,
        )

    # ------------------------------------------------------------------------------------

    def _cloudwatch(self) -> Any:
        if self._client is None:
            try:
                self._client = self._factory()
            except Exception as exc:  # noqa: BLE001 - an optional extra must never stop the run
                self._give_up(
                    f"backfill progress unavailable (no CloudWatch client: {exc}); showing status only"
                )
        return self._client

    def _give_up(self, notice: str) -> None:
        self.disabled = True
        self._notice = notice

    def _latest(
        self, client: Any, metric: str, statistic: str, dimensions: Sequence[Mapping[str, str]]
    ) -> tuple[datetime, float] | None:
        from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
            BotoCoreError,
            ClientError,
        )

        end = self.clock()
        try:
            response = client.get_metric_statistics(
                Namespace=NAMESPACE,
                MetricName=metric,
                Dimensions=list(dimensions),
                StartTime=end - WINDOW,
                EndTime=end,
                Period=PERIOD_SECONDS,
                Statistics=[statistic],
            )
        except ClientError as exc:
            code = str((exc.response.get("Error") or {}).get("Code") or "")
            if code in _DENIED_CODES:
                self._give_up(DENIED_NOTICE)
            return None  # throttled or any other answer: skip this sample
        except BotoCoreError:
            return None  # network, timeout: skip this sample
        return latest_datapoint(response.get("Datapoints") or (), statistic)


def latest_datapoint(
    datapoints: Sequence[Mapping[str, Any]], statistic: str
) -> tuple[datetime, float] | None:
    """(timestamp, value) of the newest datapoint that has ``statistic``; CloudWatch returns
    datapoints in no particular order."""
    best: tuple[datetime, float] | None = None
    for point in datapoints:
        timestamp, value = point.get("Timestamp"), point.get(statistic)
        if not isinstance(timestamp, datetime) or value is None:
            continue
        if best is None or timestamp > best[0]:
            best = (timestamp, float(value))
    return best
