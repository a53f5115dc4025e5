"""Install-time preparation of fast starts: the loopback launcher and an AppCDS archive.

The archive is recorded by one training run (``-XX:ArchiveClassesAtExit``, JDK 13+) that
starts DynamoDB Local exactly as later runs will (same class path: HotSpot checks it), drives
the calls ``test`` makes (CreateTable with indexes, TTL, writes, queries) so their classes are
loaded, then stops it with SIGTERM, at which point HotSpot writes the archive.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from liftcli.errors import LocalServerError
from liftcli.local import launcher
from liftcli.local.launcher import JarLayout
from liftcli.local.spec import ServerSpec

MIN_JAVA = 17


def prepare_fast_start(directory: Path, java: str | None, say: Callable[[str], None]) -> tuple[dict[str, Any], list[str]]:
    """Build what it can; returns (the manifest's ``fast_start`` entry, notes on what was skipped)."""
    notes: list[str] = []
    exe = launcher.find_java(java)
    if not exe:
        return {}, ["Java not found: the jar backend needs Java 17+; fast start not prepared"]
    major, version = launcher.java_version(exe)
    if major < MIN_JAVA:
        return {}, [f"Java {version} is too old: DynamoDB Local 3.x needs Java {MIN_JAVA}+"]
    entry: dict[str, Any] = {"format": launcher.FAST_START_FORMAT, "java": exe, "java_version": version}
    launcher_jar = launcher.compile_launcher(directory)
    if launcher_jar is None:
        notes.append("javac not found: DynamoDB Local will listen on all interfaces, not only 127.0.0.1")
    else:
        entry["launcher"] = launcher_jar.name
    entry["cds_jar"] = launcher.make_cds_jar(directory).name
    layout = JarLayout(directory, launcher_jar, directory / launcher.CDS_JAR, None)
    say("recording the class-data-sharing archive (one training run)")
    try:
        archive = train_archive(layout, exe)
    except LocalServerError as exc:
        notes.append(f"no class-data-sharing archive ({exc.message}); starts will be slower")
    else:
        entry["cds_archive"] = archive.name
    return entry, notes


def train_archive(layout: JarLayout, java: str, timeout: float = 120) -> Path:
    from liftcli.local import backends, procs
    from liftcli.local.client import client_for
    from liftcli.local.server import LocalServer, _wait_healthy

    archive = layout.directory / launcher.CDS_ARCHIVE
    tmp = archive.with_suffix(".jsa.tmp")
    tmp.unlink(missing_ok=True)
    flags = (f"-XX:ArchiveClassesAtExit={tmp}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
    spec = replace(ServerSpec(backend="jar"), start_timeout=timeout)
    handle = backends.start_jar(spec, layout, java, say=lambda _m: None, extra_jvm=flags, use_cds=False)
    server = LocalServer(handle, "jar", "training", spec.region)
    try:
        handle.wait_listening(timeout)
        server.endpoint = handle.endpoint
        _wait_healthy(server, timeout)
        _workload(client_for(server.endpoint, server.region))
    finally:
        tail = handle.log_tail()
        # SIGTERM -> JVM shutdown -> the archive is written; allow time for the dump.
        procs.terminate(handle.proc, timeout=timeout)
        with contextlib.suppress(OSError):
            handle.log.unlink()
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise LocalServerError("the JVM wrote no archive", hint=tail[-500:])
    tmp.replace(archive)
    return archive


def _workload(c: Any) -> None:
    """The calls `lift dynamorm test` and typical tests make, so their classes get archived."""
    s = {"AttributeType": "S"}
    c.create_table(
        TableName="lift_training", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, **s} for n in ("pk", "sk", "g", "l")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                  {"AttributeName": "l", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    c.describe_table(TableName="lift_training")
    c.update_time_to_live(TableName="lift_training",
                          TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    c.describe_time_to_live(TableName="lift_training")
    items = [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"S": f"{i:03d}"}, "g": {"S": "g"},
                                      "n": {"N": str(i)}}}} for i in range(10)]
    c.batch_write_item(RequestItems={"lift_training": items})
    c.put_item(TableName="lift_training", Item={"pk": {"S": "q"}, "sk": {"S": "1"}, "l": {"S": "x"}},
               ConditionExpression="attribute_not_exists(pk)")
    c.get_item(TableName="lift_training", Key={"pk": {"S": "p"}, "sk": {"S": "001"}})
    c.query(TableName="lift_training", KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}})
    c.query(TableName="lift_training", IndexName="gsi", KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g"}})
    c.update_item(TableName="lift_training", Key={"pk": {"S": "p"}, "sk": {"S": "001"}},
                  UpdateExpression="SET n = n + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    c.scan(TableName="lift_training")
    c.delete_item(TableName="lift_training", Key={"pk": {"S": "q"}, "sk": {"S": "1"}})
    c.delete_table(TableName="lift_training")
    c.list_tables()
