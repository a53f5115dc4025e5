"""Item copy of a table replace on DynamoDB Local: throughput and peak memory.

1. Throughput: the copy step (``lift:CopyItems``) of a real replace migration run by the apply
   engine (checkpoints fsync'ed to the state file after every page), against a plain
   hand-written boto3 loop (``Table.scan`` pages + ``batch_writer``) over the same source table
   in the same run. Target: at least 0.9x the baseline's items/s.
2. Memory: peak RSS (ru_maxrss) of a child process that copies N items with copy.copy_items
   and state-file checkpoints, for two table sizes. Target: under 200 MB regardless of size.

Needs DynamoDBLocal.jar (lift dynamorm local install, or LIFT_DDB_JAR=path).

Run: python benchmarks/bench_copy.py [--items 20000] [--memory-items 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _common import Result, report, save  # noqa: E402

JAR_PLACES = [Path.home() / ".cache/lift-dynamorm/dynamodb-local", Path("/tmp/ddblocal-research/pkg")]


def find_jar() -> Path:
    if os.environ.get("LIFT_DDB_JAR"):
        return Path(os.environ["LIFT_DDB_JAR"])
    for root in JAR_PLACES:
        for jar in sorted(root.glob("**/DynamoDBLocal.jar")) if root.is_dir() else []:
            if "stale" not in jar.parts:
                return jar
    raise SystemExit("DynamoDBLocal.jar not found: run `lift dynamorm local install` or set LIFT_DDB_JAR")


def client(url: str) -> Any:
    import boto3

    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def start_server(jar: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            "java",
            "-Xmx2g",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-sharedDb",
            "-port",
            str(port),
            "-disableTelemetry",
        ],
        cwd=jar.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            client(url).list_tables()
            return proc, url
        except Exception:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)


def create(c: Any, name: str) -> None:
    c.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def seed(url: str, name: str, items: int) -> None:
    """About 250-byte items, written with 8 threads."""
    from liftcli.dynamorm.copy import RetryPolicy, write_batch

    c = client(url)
    create(c, name)

    def chunk(start: int) -> None:
        batch = [
            {
                "pk": {"S": f"tenant#{i % 1000}"},
                "sk": {"S": f"order#{i:09d}"},
                "status": {"S": "OPEN"},
                "total": {"N": str(i * 3)},
                "tags": {"SS": ["a", f"t{i % 13}"]},
                "note": {"S": "x" * 120},
                "created": {"N": str(1_700_000_000 + i)},
            }
            for i in range(start, min(start + 25, items))
        ]
        write_batch(c, name, batch, RetryPolicy())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(chunk, range(0, items, 25)))


def baseline_copy(url: str, source: str, target: str) -> float:
    """The loop a developer would write by hand: resource scan pages + batch_writer."""
    import boto3

    resource = boto3.resource(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    create(resource.meta.client, target)
    src, dst = resource.Table(source), resource.Table(target)
    start = time.perf_counter()
    kwargs: dict[str, Any] = {}
    with dst.batch_writer() as writer:
        while True:
            page = src.scan(**kwargs)
            for item in page["Items"]:
                writer.put_item(Item=item)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return time.perf_counter() - start


def lift_replace_copy(url: str, source: str, new_name: str, segments: int, workdir: Path) -> float:
    """Run a real replace migration (ops -> plan -> apply engine); time its lift:CopyItems step."""
    from liftcli.dynamorm.apply import ApplyOptions, apply_migration
    from liftcli.dynamorm.copy import CopyOptions
    from liftcli.dynamorm.introspect import fetch_table_spec
    from liftcli.dynamorm.migration_file import load_migration, render_migration
    from liftcli.dynamorm.model import Index, KeyAttribute
    from liftcli.dynamorm.ops import ReplaceTable
    from liftcli.dynamorm.plan import PlanOptions, plan
    from liftcli.dynamorm.spec import TableSpec
    from liftcli.dynamorm.state import StateStore, Target

    c = client(url)
    old = fetch_table_spec(c, source, "dynamodb-local")
    assert old is not None
    new = TableSpec(
        new_name,
        old.partition,
        old.sort,
        billing_mode="PAY_PER_REQUEST",
        lsis=(Index("byCreated", "LSI", old.partition, KeyAttribute("created", "N")),),
    )
    now = datetime.now(UTC)
    planned = plan(
        [ReplaceTable(old, new, ("DM-L001",))],
        now=now,
        actual={source: old},
        options=PlanOptions(backup_before_delete=False),
    )
    # Keep create + copy only: the benchmark measures the copy, not the verify or the delete.
    steps = tuple(
        s for s in planned.steps if s.calls and s.calls[0].operation in ("CreateTable", "lift:CopyItems")
    )
    planned = type(planned)(planned.ops, steps, planned.issues)
    migration = load_migration(
        render_migration(planned, migration_id=new_name, name="bench", created_at=now, desired_specs={})
    )
    times: dict[str, float] = {}

    def on_event(event: Any) -> None:
        if event.step_id == "002" and event.kind in ("step-start", "step-done"):
            times[event.kind] = time.perf_counter()

    store = StateStore(workdir / "state", Target(None, url))
    apply_migration(
        migration,
        c,
        store,
        endpoint_kind="dynamodb-local",
        on_event=on_event,
        options=ApplyOptions(allow_destructive=True, copy=CopyOptions(segments=segments)),
    )
    return times["step-done"] - times["step-start"]


def count(url: str, table: str) -> int:
    from liftcli.dynamorm.copy import table_digest

    return table_digest(client(url), table).count


# --------------------------------------------------------------------------------------------
# memory: a child process copies and reports its own peak RSS
# --------------------------------------------------------------------------------------------


def child_copy(url: str, source: str, target: str, segments: int, workdir: str) -> None:
    import resource

    from liftcli.dynamorm.copy import CopyOptions, copy_items
    from liftcli.dynamorm.state import StateStore, Target

    c = client(url)
    create(c, target)
    store = StateStore(Path(workdir), Target(None, url))
    run = store.new_run(target, "bench", "sha256:bench", datetime.now(UTC))

    class Checkpoints:
        def load(self, total: int) -> Any:
            return run.copy_progress("copy", total)

        def save(self, segment: int, last_key: Any, n: int, done: bool) -> None:
            run.checkpoint("copy", segment, last_key, n, done)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = copy_items(c, source, target, checkpoints=Checkpoints(), options=CopyOptions(segments=segments))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"items": result.items, "seconds": seconds, "rss_before_mb": before, "peak_rss_mb": peak})
    )


def measure_memory(url: str, source: str, target: str, segments: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run(
            [sys.executable, __file__, "--child-copy", url, source, target, str(segments), work],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--memory-items", type=int, default=100_000)
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child-copy", nargs=5, metavar=("URL", "SRC", "DST", "SEGMENTS", "DIR"))
    args = parser.parse_args()
    if args.child_copy:
        url, src, dst, segments, work = args.child_copy
        child_copy(url, src, dst, int(segments), work)
        return

    jar = find_jar()
    proc, url = start_server(jar)
    results: list[Result] = []
    try:
        seed(url, "src", args.items)
        lift_times, base_times = [], []
        with tempfile.TemporaryDirectory() as work:
            for n in range(args.repeat):  # alternate, so drift in the server affects both equally
                base_times.append(baseline_copy(url, "src", f"base-{n}"))
                lift_times.append(
                    lift_replace_copy(url, "src", f"lift-{n}", args.segments, Path(work) / str(n))
                )
                assert count(url, f"lift-{n}") == args.items == count(url, f"base-{n}")
                client(url).delete_table(TableName=f"base-{n}")
                client(url).delete_table(TableName=f"lift-{n}")
        lift_rate = args.items / statistics.median(lift_times)
        base_rate = args.items / statistics.median(base_times)
        results.append(
            Result(
                f"copy {args.items} items (replace step, {args.segments} segments)",
                "items/s",
                lift_rate,
                "boto3 scan + batch_writer",
                base_rate,
                ">= 0.9x baseline",
                lift_rate >= 0.9 * base_rate,
                {"lift_seconds": lift_times, "baseline_seconds": base_times},
            )
        )

        memory: dict[int, dict[str, Any]] = {}
        small = max(args.memory_items // 5, 1)
        seed(url, "mem-src", args.memory_items)
        memory[args.memory_items] = measure_memory(url, "mem-src", "mem-dst", args.segments)
        client(url).delete_table(TableName="mem-dst")
        seed(url, "mem-small", small)
        memory[small] = measure_memory(url, "mem-small", "mem-small-dst", args.segments)
        big, little = memory[args.memory_items], memory[small]
        results.append(
            Result(
                f"peak RSS copying {args.memory_items} items",
                "MB",
                big["peak_rss_mb"],
                f"peak RSS copying {small} items",
                little["peak_rss_mb"],
                "< 200 MB, flat in table size",
                big["peak_rss_mb"] < 200 and big["items"] == args.memory_items,
                {"runs": memory},
            )
        )
    finally:
        proc.kill()
        proc.wait()
    report(results)
    print(f"saved {save(results, 'copy')}")


if __name__ == "__main__":
    main()
