"""Item copy for table replacements: parallel Scan -> BatchWriteItem, checkpointed per segment.

Why a resumed copy neither loses nor duplicates items
------------------------------------------------------
* A parallel scan segment is a fixed slice of the table (DynamoDB assigns items to segments by
  partition-key hash for a given ``TotalSegments``), and ``ExclusiveStartKey`` continues a
  segment exactly after the given key. The checkpoint of a segment is the ``LastEvaluatedKey``
  of the last page **all of whose items were acknowledged** by BatchWriteItem (including every
  retried ``UnprocessedItems``), plus the number of items up to it. It is saved (atomically,
  see state.py) only after the page is fully written.
* Not lost: after a crash, every page after the checkpoint is scanned again, so every item not
  covered by a checkpoint is written again.
* Not duplicated: the only items written twice are those of the page in flight at the crash.
  A write is a ``PutRequest`` of the same item under the same key, which replaces the item
  with an identical copy: puts are idempotent, so the target holds each key exactly once. The
  count advances together with the key in one atomic file write, so it is counted once.
* Resuming with another segment count would change which items a segment holds, so it is
  refused (state.RunState.copy_progress).

Writes made to the source *during* the copy are not carried over (the plan says so): pause
writers or dual-write. ``verify_copy`` compares item counts and an order-independent content
hash of both tables before any cutover or deletion, so such writes are caught.

Memory stays bounded: each segment holds one Scan page (at most 1 MB of items, or
``page_size`` items) at a time, and the hash is a running sum.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from liftcli.errors import AwsError, MigrationError
from liftcli.fsutil import atomic_writer

#: Error codes meaning "slow down": retried with exponential backoff and full jitter.
THROTTLE_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "Throttling"}
)
BATCH_SIZE = 25  # BatchWriteItem takes at most 25 put/delete requests
HASH_MODULUS = 1 << 256


def error_code(exc: BaseException) -> str:
    return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    return str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Message", exc))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": a random delay in [c/2, c], c = base * 2^(n-1)
    capped at ``max_delay`` (AWS Architecture Blog, "Exponential Backoff And Jitter")."""

    max_attempts: int = 10
    base_delay: float = 0.05
    max_delay: float = 20.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)


OnRetry = Callable[[str, int, float], None]


def call_with_retry(
    fn: Callable[..., Any],
    request: Mapping[str, Any],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: OnRetry | None = None,
) -> Any:
    """``fn(**request)``, retrying throttling errors; other errors propagate unchanged.

    Raises:
        AwsError: still throttled after ``policy.max_attempts`` attempts.
    """
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(**request)
        except ClientError as exc:
            code = error_code(exc)
            if code not in THROTTLE_CODES:
                raise
            if attempt >= policy.max_attempts:
                raise AwsError(
                    f"{getattr(fn, '__name__', 'call')}: still throttled ({code}) after {attempt} attempts",
                    hint="Raise the table's capacity or retry later; `lift dynamorm migrate --resume` "
                    "continues where this run stopped.",
                ) from None
            delay = policy.delay(attempt)
            if on_retry is not None:
                on_retry(code, attempt, delay)
            sleep(delay)


@dataclass(frozen=True, slots=True)
class CopyOptions:
    segments: int = 4  # parallel scan segments, one worker thread each
    page_size: int | None = None  # Scan Limit; None = DynamoDB's 1 MB pages
    consistent_read: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.segments <= 1000:
            raise MigrationError(f"copy segments must be 1-1000, not {self.segments}")
        if self.page_size is not None and self.page_size < 1:
            raise MigrationError(f"copy page size must be positive, not {self.page_size}")


class Checkpoints(Protocol):
    """Where a copy keeps its per-segment progress (state.RunState implements it per step)."""

    def load(self, total_segments: int) -> dict[int, dict[str, Any]]: ...

    def save(self, segment: int, last_key: Mapping[str, Any] | None, count: int, done: bool) -> None: ...


class MemoryCheckpoints:
    """Checkpoints kept in memory (tests, benchmarks, one-shot copies)."""

    def __init__(self) -> None:
        self.segments: dict[int, dict[str, Any]] = {}

    def load(self, total_segments: int) -> dict[int, dict[str, Any]]:
        for s in range(total_segments):
            self.segments.setdefault(s, {"last_key": None, "count": 0, "done": False})
        return {k: dict(v) for k, v in self.segments.items()}

    def save(self, segment: int, last_key: Mapping[str, Any] | None, count: int, done: bool) -> None:
        self.segments[segment] = {"last_key": last_key, "count": count, "done": done}


class CopyStopped(Exception):
    """A stop was requested (Ctrl-C); every checkpoint written so far is valid."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    items: int  # items in the source according to the checkpoints (each counted once)
    segments: int


def copy_items(
    client: Any,
    source: str,
    target: str,
    *,
    checkpoints: Checkpoints,
    options: CopyOptions | None = None,
    retry: RetryPolicy | None = None,
    on_page: Callable[[int], None] | None = None,
    on_retry: OnRetry | None = None,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CopyResult:
    """Copy every item of ``source`` into ``target`` (see the module docstring for resume rules).

    Args:
        checkpoints: per-segment progress; segments already ``done`` are skipped.
        on_page: called with the number of items of each fully written page (from worker threads).
        stop: when set, workers stop before their next request and raise CopyStopped.
    """
    options = options or CopyOptions()
    retry = retry or RetryPolicy()
    stop = stop or threading.Event()
    progress = checkpoints.load(options.segments)

    def worker(segment: int) -> int:
        state = progress[segment]
        count = int(state.get("count") or 0)
        if state.get("done"):
            return count
        key = state.get("last_key")
        while True:
            page = _scan_page(client, source, segment, options, key, retry, on_retry, sleep, stop)
            items = page.get("Items") or []
            for start in range(0, len(items), BATCH_SIZE):
                _check_stop(stop)
                write_batch(client, target, items[start : start + BATCH_SIZE], retry, on_retry, sleep)
            count += len(items)
            key = page.get("LastEvaluatedKey")
            checkpoints.save(segment, key, count, key is None)
            if on_page is not None:
                on_page(len(items))
            if key is None:
                return count

    counts = run_segments(worker, options.segments, stop)
    return CopyResult(sum(counts), options.segments)


def _check_stop(stop: threading.Event) -> None:
    if stop.is_set():
        raise CopyStopped()


def _scan_page(
    client: Any,
    table: str,
    segment: int,
    options: CopyOptions,
    start_key: Mapping[str, Any] | None,
    retry: RetryPolicy,
    on_retry: OnRetry | None,
    sleep: Callable[[float], None],
    stop: threading.Event,
) -> dict[str, Any]:
    _check_stop(stop)
    request: dict[str, Any] = {
        "TableName": table,
        "Segment": segment,
        "TotalSegments": options.segments,
        "ConsistentRead": options.consistent_read,
    }
    if start_key:
        request["ExclusiveStartKey"] = start_key
    if options.page_size:
        request["Limit"] = options.page_size
    return call_with_retry(client.scan, request, policy=retry, sleep=sleep, on_retry=on_retry)  # type: ignore[no-any-return]


def write_batch(
    client: Any,
    table: str,
    items: Sequence[Mapping[str, Any]],
    retry: RetryPolicy,
    on_retry: OnRetry | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Put up to 25 typed items; ``UnprocessedItems`` are retried with backoff until none remain."""
    pending: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
    attempt = 0
    while pending:
        response = call_with_retry(
            client.batch_write_item,
            {"RequestItems": {table: pending}},
            policy=retry,
            sleep=sleep,
            on_retry=on_retry,
        )
        pending = list((response.get("UnprocessedItems") or {}).get(table) or ())
        if pending:
            attempt += 1
            if attempt >= retry.max_attempts:
                raise AwsError(
                    f"BatchWriteItem {table}: {len(pending)} items still unprocessed after {attempt} retries",
                    hint="The table is throttled; raise its capacity, then `lift dynamorm migrate --resume`.",
                )
            delay = retry.delay(attempt)
            if on_retry is not None:
                on_retry("UnprocessedItems", attempt, delay)
            sleep(delay)


def run_segments(worker: Callable[[int], Any], segments: int, stop: threading.Event) -> list[Any]:
    """Run ``worker(segment)`` for every segment in threads; the first error stops the others.

    The main thread waits in short slices so Ctrl-C (KeyboardInterrupt, delivered only to the
    main thread) is seen at once; it then sets ``stop`` and waits for the workers to finish
    their current request, so no thread writes after this function returns.
    """
    if segments == 1:
        return [worker(0)]
    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="lift-copy") as pool:
        futures: list[Future[Any]] = [pool.submit(worker, s) for s in range(segments)]
        try:
            while True:
                done, pending = wait(futures, timeout=0.2, return_when=FIRST_EXCEPTION)
                failed = [f for f in done if f.exception() is not None]
                if failed or not pending:
                    break
        except BaseException:
            stop.set()
            wait(futures)
            raise
        if failed:
            stop.set()
            wait(futures)
            errors = [f.exception() for f in futures if f.exception() is not None]
            real = [e for e in errors if not isinstance(e, CopyStopped)]
            raise (real or errors)[0]  # type: ignore[misc]
        return [f.result() for f in futures]


# --------------------------------------------------------------------------------------------
# Verification: counts and an order-independent content hash
# --------------------------------------------------------------------------------------------


def canonical_value(value: Mapping[str, Any]) -> Any:
    """A typed attribute value in a canonical form: sets sorted, numbers normalised, binary base64."""
    ((kind, inner),) = value.items()
    if kind == "N":
        return {"N": _number(inner)}
    if kind == "NS":
        return {"NS": sorted(_number(n) for n in inner)}
    if kind == "SS":
        return {"SS": sorted(inner)}
    if kind == "B":
        return {"B": _b64(inner)}
    if kind == "BS":
        return {"BS": sorted(_b64(b) for b in inner)}
    if kind == "M":
        return {"M": {k: canonical_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [canonical_value(v) for v in inner]}
    return {kind: inner}  # S, BOOL, NULL


def _number(text: str) -> str:
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        return text


def _b64(data: Any) -> str:
    return base64.b64encode(data if isinstance(data, (bytes, bytearray)) else str(data).encode()).decode()


def canonical_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: canonical_value(value) for name, value in item.items()}


def item_digest(item: Mapping[str, Any]) -> int:
    text = json.dumps(canonical_item(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


@dataclass(frozen=True, slots=True)
class TableDigest:
    """Item count and the sum (mod 2^256) of per-item sha256: order-independent, and unlike XOR
    a duplicated item changes it."""

    table: str
    count: int
    digest: int

    @property
    def hex(self) -> str:
        return f"{self.digest:064x}"


def table_digest(
    client: Any,
    table: str,
    *,
    options: CopyOptions | None = None,
    retry: RetryPolicy | None = None,
    on_page: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> TableDigest:
    """Scan ``table`` (parallel segments) and hash every item; memory is one page per segment."""
    options = options or CopyOptions()
    retry = retry or RetryPolicy()
    stop = stop or threading.Event()

    def worker(segment: int) -> tuple[int, int]:
        count, total, key = 0, 0, None
        while True:
            page = _scan_page(client, table, segment, options, key, retry, None, sleep, stop)
            items = page.get("Items") or []
            for item in items:
                total = (total + item_digest(item)) % HASH_MODULUS
            count += len(items)
            if on_page is not None:
                on_page(len(items))
            key = page.get("LastEvaluatedKey")
            if key is None:
                return count, total

    parts = run_segments(worker, options.segments, stop)
    return TableDigest(table, sum(c for c, _ in parts), sum(d for _, d in parts) % HASH_MODULUS)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    source: TableDigest
    target: TableDigest

    @property
    def ok(self) -> bool:
        return self.source.count == self.target.count and self.source.digest == self.target.digest

    def describe(self) -> str:
        s, t = self.source, self.target
        return f"{s.table}: {s.count} items, hash {s.hex[:16]}; {t.table}: {t.count} items, hash {t.hex[:16]}"


def verify_copy(client: Any, source: str, target: str, **kwargs: Any) -> VerifyResult:
    return VerifyResult(table_digest(client, source, **kwargs), table_digest(client, target, **kwargs))


# --------------------------------------------------------------------------------------------
# Backups where CreateBackup does not exist (DynamoDB Local): a JSON-lines export
# --------------------------------------------------------------------------------------------


def export_jsonl(
    client: Any,
    table: str,
    path: Path,
    *,
    retry: RetryPolicy | None = None,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Write every item of ``table`` to ``path``, one typed item (DynamoDB JSON) per line.

    Binary values are base64 text (``{"B": "..."}``, the DynamoDB JSON convention of the AWS
    CLI). The file appears under its name only when complete (temp file + rename). Returns the
    item count. Restore with ``aws dynamodb batch-write-item`` or ``import_jsonl``.
    """
    retry = retry or RetryPolicy()
    stop = stop or threading.Event()
    count = 0
    with atomic_writer(path) as handle:
        for item in scan_items(client, table, retry=retry, stop=stop, sleep=sleep):
            handle.write(json.dumps(canonical_item(item), sort_keys=True, ensure_ascii=False) + "\n")
            count += 1
    return count


def scan_items(
    client: Any,
    table: str,
    *,
    retry: RetryPolicy,
    stop: threading.Event,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    options = CopyOptions(segments=1)
    key = None
    while True:
        page = _scan_page(client, table, 0, options, key, retry, None, sleep, stop)
        yield from page.get("Items") or []
        key = page.get("LastEvaluatedKey")
        if key is None:
            return


def import_jsonl(client: Any, table: str, path: Path, *, retry: RetryPolicy | None = None) -> int:
    """Put every item of a ``export_jsonl`` file into ``table`` (restore). Returns the count."""
    retry = retry or RetryPolicy()
    batch: list[dict[str, Any]] = []
    count = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                batch.append(_decode_item(json.loads(line)))
            if len(batch) == BATCH_SIZE:
                write_batch(client, table, batch, retry)
                count += len(batch)
                batch = []
    if batch:
        write_batch(client, table, batch, retry)
        count += len(batch)
    return count


def _decode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _decode_value(v) for k, v in item.items()}


def _decode_value(value: Mapping[str, Any]) -> Any:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _decode_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_decode_value(v) for v in inner]}
    return {kind: inner}
