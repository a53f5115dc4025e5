"""copy.py: batched writes with UnprocessedItems retries, checkpoints, digests, JSON-lines export."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from liftcli.dynamorm.copy import (
    CopyOptions,
    CopyStopped,
    MemoryCheckpoints,
    RetryPolicy,
    call_with_retry,
    canonical_item,
    copy_items,
    export_jsonl,
    import_jsonl,
    item_digest,
    run_segments,
    table_digest,
    write_batch,
)
from liftcli.errors import AwsError


def items(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"pk": {"S": f"k{i}"}, "n": {"N": str(i)}} for i in range(start, start + n)]


def put(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": i}} for i in batch]


@pytest.fixture
def client() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def test_unprocessed_items_are_retried_with_backoff(client: Any) -> None:
    batch = items(25)
    sleeps: list[float] = []
    with Stubber(client) as stub:
        stub.add_response(
            "batch_write_item",
            {"UnprocessedItems": {"t2": put(batch[20:])}},
            {"RequestItems": {"t2": put(batch)}},
        )
        stub.add_response(
            "batch_write_item",
            {"UnprocessedItems": {"t2": put(batch[23:])}},
            {"RequestItems": {"t2": put(batch[20:])}},
        )
        stub.add_response("batch_write_item", {}, {"RequestItems": {"t2": put(batch[23:])}})
        write_batch(client, "t2", batch, RetryPolicy(base_delay=1.0), sleep=sleeps.append)
        stub.assert_no_pending_responses()
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0


def test_unprocessed_items_forever_is_an_error(client: Any) -> None:
    batch = items(2)
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_response("batch_write_item", {"UnprocessedItems": {"t2": put(batch)}})
        with pytest.raises(AwsError, match="2 items still unprocessed after 3 retries"):
            write_batch(client, "t2", batch, RetryPolicy(max_attempts=3), sleep=lambda s: None)


def test_throttled_scan_is_retried(client: Any) -> None:
    sleeps: list[float] = []
    retries: list[tuple[str, int]] = []
    with Stubber(client) as stub:
        stub.add_client_error("scan", "ProvisionedThroughputExceededException", "slow down")
        stub.add_client_error("scan", "ThrottlingException", "slow down")
        stub.add_response("scan", {"Items": items(3)})
        stub.add_response("batch_write_item", {}, {"RequestItems": {"t2": put(items(3))}})
        checkpoints = MemoryCheckpoints()
        result = copy_items(
            client,
            "t1",
            "t2",
            checkpoints=checkpoints,
            options=CopyOptions(segments=1),
            on_retry=lambda code, n, d: retries.append((code, n)),
            sleep=sleeps.append,
        )
        stub.assert_no_pending_responses()
    assert result.items == 3
    assert retries == [("ProvisionedThroughputExceededException", 1), ("ThrottlingException", 2)]
    assert checkpoints.segments[0] == {"last_key": None, "count": 3, "done": True}


def test_non_throttling_errors_are_not_retried(client: Any) -> None:
    from botocore.exceptions import ClientError

    with Stubber(client) as stub:
        stub.add_client_error("scan", "ValidationException", "bad")
        with pytest.raises(ClientError):
            call_with_retry(client.scan, {"TableName": "t1"}, policy=RetryPolicy(), sleep=lambda s: None)


def test_copy_checkpoints_after_each_written_page_and_resumes_from_it(client: Any) -> None:
    checkpoints = MemoryCheckpoints()
    key1 = {"pk": {"S": "k2"}}
    with Stubber(client) as stub:
        stub.add_response(
            "scan",
            {"Items": items(3), "LastEvaluatedKey": key1},
            {"TableName": "t1", "Segment": 0, "TotalSegments": 1, "ConsistentRead": True, "Limit": 3},
        )
        stub.add_response("batch_write_item", {}, {"RequestItems": {"t2": put(items(3))}})
        stub.add_client_error("scan", "InternalServerError", "boom")  # the crash, after page 1 is safe
        with pytest.raises(Exception, match="boom"):
            copy_items(
                client, "t1", "t2", checkpoints=checkpoints, options=CopyOptions(segments=1, page_size=3)
            )
        assert checkpoints.segments[0] == {"last_key": key1, "count": 3, "done": False}
        # Resume: the scan continues after the checkpointed key; nothing before it is read again.
        stub.add_response(
            "scan",
            {"Items": items(2, 3)},
            {
                "TableName": "t1",
                "Segment": 0,
                "TotalSegments": 1,
                "ConsistentRead": True,
                "Limit": 3,
                "ExclusiveStartKey": key1,
            },
        )
        stub.add_response("batch_write_item", {}, {"RequestItems": {"t2": put(items(2, 3))}})
        result = copy_items(
            client, "t1", "t2", checkpoints=checkpoints, options=CopyOptions(segments=1, page_size=3)
        )
        stub.assert_no_pending_responses()
    assert result.items == 5
    assert checkpoints.segments[0] == {"last_key": None, "count": 5, "done": True}


def test_a_page_is_checkpointed_only_when_all_its_batches_are_written(client: Any) -> None:
    checkpoints = MemoryCheckpoints()
    page = items(30)  # two batches: 25 + 5
    with Stubber(client) as stub:
        stub.add_response("scan", {"Items": page, "LastEvaluatedKey": {"pk": {"S": "k29"}}})
        stub.add_response("batch_write_item", {}, {"RequestItems": {"t2": put(page[:25])}})
        stub.add_client_error("batch_write_item", "InternalServerError", "lost")
        with pytest.raises(Exception, match="lost"):
            copy_items(client, "t1", "t2", checkpoints=checkpoints, options=CopyOptions(segments=1))
    # The first 25 items are in the target, but the page is not checkpointed: a resume rewrites
    # them with identical puts (idempotent) instead of skipping the 5 that were never written.
    assert checkpoints.segments[0] == {"last_key": None, "count": 0, "done": False}


def test_done_segments_are_skipped(client: Any) -> None:
    checkpoints = MemoryCheckpoints()
    checkpoints.segments = {
        0: {"last_key": None, "count": 7, "done": True},
        1: {"last_key": None, "count": 0, "done": False},
    }
    with Stubber(client) as stub:
        stub.add_response(
            "scan",
            {"Items": items(2)},
            {"TableName": "t1", "Segment": 1, "TotalSegments": 2, "ConsistentRead": True},
        )
        stub.add_response("batch_write_item", {}, {"RequestItems": {"t2": ANY}})
        result = copy_items(client, "t1", "t2", checkpoints=checkpoints, options=CopyOptions(segments=2))
    assert result.items == 9


def test_run_segments_stops_the_others_on_the_first_error() -> None:
    stop = threading.Event()
    finished: list[int] = []

    def worker(segment: int) -> int:
        if segment == 0:
            raise ValueError("segment 0 failed")
        while not stop.is_set():
            stop.wait(0.01)
        finished.append(segment)
        raise CopyStopped()

    with pytest.raises(ValueError, match="segment 0 failed"):
        run_segments(worker, 3, stop)
    assert sorted(finished) == [1, 2]


# --------------------------------------------------------------------------------------------
# digests
# --------------------------------------------------------------------------------------------


def test_digest_is_canonical_for_sets_numbers_and_binary() -> None:
    a = {
        "pk": {"S": "x"},
        "s": {"SS": ["b", "a"]},
        "n": {"N": "1.50"},
        "b": {"B": b"\x00\x01"},
        "m": {"M": {"l": {"L": [{"NS": ["2", "10"]}, {"BOOL": True}, {"NULL": True}]}}},
    }
    b = {
        "m": {"M": {"l": {"L": [{"NS": ["10", "2.0"]}, {"BOOL": True}, {"NULL": True}]}}},
        "b": {"B": b"\x00\x01"},
        "n": {"N": "1.5"},
        "s": {"SS": ["a", "b"]},
        "pk": {"S": "x"},
    }
    assert item_digest(a) == item_digest(b)
    assert canonical_item(a)["b"] == {"B": "AAE="}
    assert item_digest(a) != item_digest({**a, "n": {"N": "1.51"}})
    # a list is ordered, unlike a set
    assert item_digest({"l": {"L": [{"S": "a"}, {"S": "b"}]}}) != item_digest(
        {"l": {"L": [{"S": "b"}, {"S": "a"}]}}
    )


def test_table_digest_is_order_independent_and_sees_duplicates(client: Any) -> None:
    def digest(pages: list[list[dict[str, Any]]]) -> Any:
        with Stubber(client) as stub:
            for n, page in enumerate(pages):
                last = {"LastEvaluatedKey": {"pk": {"S": str(n)}}} if n < len(pages) - 1 else {}
                stub.add_response("scan", {"Items": page, **last})
            return table_digest(client, "t", options=CopyOptions(segments=1))

    forward = digest([items(3), items(2, 3)])
    backward = digest([list(reversed(items(2, 3))), list(reversed(items(3)))])
    assert (forward.count, forward.digest) == (backward.count, backward.digest) == (5, forward.digest)
    # a duplicated item plus a missing one keeps the count but not the sum (XOR would cancel pairs)
    duplicated = digest([items(3), [items(1, 3)[0], items(1, 3)[0]]])
    assert duplicated.count == 5 and duplicated.digest != forward.digest


def test_export_and_import_round_trip(tmp_path: Path) -> None:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for name in ("src", "dst"):
            client.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        for i in range(60):
            client.put_item(
                TableName="src",
                Item={"pk": {"S": f"k{i}"}, "b": {"B": bytes([i])}, "s": {"NS": ["1", str(i + 2)]}},
            )
        path = tmp_path / "backups" / "src.jsonl"
        assert export_jsonl(client, "src", path) == 60
        assert len(path.read_text(encoding="utf-8").splitlines()) == 60
        assert not list(path.parent.glob(".*.tmp"))
        assert import_jsonl(client, "dst", path) == 60
        assert table_digest(client, "dst").digest == table_digest(client, "src").digest
