"""Reset semantics of a reused server, through the daemon's control channel, on DynamoDB Local
(jar) and the embedded server: identical tables are kept and emptied, changed ones recreated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from liftcli.local import control
from liftcli.local.tables import prepare_tables

pytestmark = pytest.mark.integration


def _request(name: str, *, gsi: str = "gsi-status", projection: str = "ALL") -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"},
                                 {"AttributeName": "status", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [{"IndexName": gsi, "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": projection}}],
    }


@pytest.fixture
def channel(ddb_server: Any) -> Iterator[control.ControlServer]:
    # What the daemon does: the channel acts through the server's own client.
    server = control.ControlServer(ddb_server.client()).start()
    try:
        yield server
    finally:
        server.close()


def _put(client: Any, table: str, n: int) -> None:
    for i in range(n):
        client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": f"{i:04d}"}, "status": {"S": "new"}})


def test_reset_keeps_identical_tables_but_empties_them(channel: control.ControlServer, ddb_client: Any,
                                                       ddb_prefix: str) -> None:
    kept, ttl = f"{ddb_prefix}kept", f"{ddb_prefix}ttl"
    tables = [{"request": _request(kept), "ttl": None}, {"request": _request(ttl), "ttl": "expires"}]
    first = control.prepare(channel.url, channel.key, tables, reset=True)
    assert first["tables"] == {kept: "created", ttl: "created"}
    created = {t: ddb_client.describe_table(TableName=t)["Table"]["CreationDateTime"] for t in (kept, ttl)}
    _put(ddb_client, kept, 60)  # more than one BatchWriteItem of deletes
    _put(ddb_client, ttl, 3)

    again = control.prepare(channel.url, channel.key, tables, reset=True)
    assert again["tables"] == {kept: "emptied", ttl: "emptied"}
    for name in (kept, ttl):
        table = ddb_client.describe_table(TableName=name)["Table"]
        assert table["CreationDateTime"] == created[name]  # the same table, not a new one
        assert ddb_client.scan(TableName=name)["Count"] == 0
        assert ddb_client.query(TableName=name, IndexName="gsi-status", KeyConditionExpression="#s = :v",
                                ExpressionAttributeNames={"#s": "status"},
                                ExpressionAttributeValues={":v": {"S": "new"}})["Count"] == 0
    description = ddb_client.describe_time_to_live(TableName=ttl)["TimeToLiveDescription"]
    assert (description["TimeToLiveStatus"], description["AttributeName"]) == ("ENABLED", "expires")
    for name in (kept, ttl):
        ddb_client.delete_table(TableName=name)


def test_changed_definitions_are_recreated(channel: control.ControlServer, ddb_client: Any, ddb_prefix: str) -> None:
    gsi, proj, ttl, new = (f"{ddb_prefix}{n}" for n in ("gsi", "proj", "ttl", "new"))
    control.prepare(channel.url, channel.key, [{"request": _request(n), "ttl": None} for n in (gsi, proj, ttl)])
    for name in (gsi, proj, ttl):
        _put(ddb_client, name, 2)
    changed = [{"request": _request(gsi, gsi="gsi-other"), "ttl": None},
               {"request": _request(proj, projection="KEYS_ONLY"), "ttl": None},
               {"request": _request(ttl), "ttl": "expires"},
               {"request": _request(new), "ttl": None}]
    done = control.prepare(channel.url, channel.key, changed, reset=True)
    assert done["tables"] == {gsi: "recreated", proj: "recreated", ttl: "recreated", new: "created"}
    described = ddb_client.describe_table(TableName=gsi)["Table"]
    assert [g["IndexName"] for g in described["GlobalSecondaryIndexes"]] == ["gsi-other"]
    described = ddb_client.describe_table(TableName=proj)["Table"]
    assert described["GlobalSecondaryIndexes"][0]["Projection"]["ProjectionType"] == "KEYS_ONLY"
    assert ddb_client.describe_time_to_live(TableName=ttl)["TimeToLiveDescription"]["AttributeName"] == "expires"
    for name in (gsi, proj, ttl):
        assert ddb_client.scan(TableName=name)["Count"] == 0
    for name in (gsi, proj, ttl, new):
        ddb_client.delete_table(TableName=name)


def test_seeds_are_written_by_the_daemon(channel: control.ControlServer, ddb_client: Any, ddb_prefix: str) -> None:
    name = f"{ddb_prefix}seeded"
    items = [{"pk": {"S": "p"}, "sk": {"S": str(i)}, "blob": {"B": bytes([i, 255])}} for i in range(30)]
    done = control.prepare(channel.url, channel.key, [{"request": _request(name), "ttl": None}],
                           seeds={name: items})
    assert done["seeded"] == {name: 30}
    got = ddb_client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"S": "7"}})["Item"]
    assert got["blob"] == {"B": bytes([7, 255])}
    ddb_client.delete_table(TableName=name)


def test_without_reset_an_existing_table_is_an_error(channel: control.ControlServer, ddb_client: Any,
                                                     ddb_prefix: str) -> None:
    from liftcli.errors import LocalServerError

    name = f"{ddb_prefix}dup"
    control.prepare(channel.url, channel.key, [{"request": _request(name), "ttl": None}], reset=False)
    with pytest.raises(LocalServerError, match="ResourceInUseException"):
        control.prepare(channel.url, channel.key, [{"request": _request(name), "ttl": None}], reset=False)
    ddb_client.delete_table(TableName=name)


def test_item_count_is_exact_on_local_servers(ddb_client: Any, ddb_prefix: str) -> None:
    """prepare_tables skips the scan of a table that reports ItemCount 0: that relies on local
    servers keeping the count exact after every kind of write."""
    name = f"{ddb_prefix}count"
    prepare_tables(ddb_client, [{"request": _request(name), "ttl": None}])

    def count() -> int:
        return int(ddb_client.describe_table(TableName=name)["Table"]["ItemCount"])

    assert count() == 0
    _put(ddb_client, name, 1)
    assert count() == 1
    ddb_client.batch_write_item(RequestItems={name: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": str(i)}}}} for i in range(3)]})
    assert count() == 4
    ddb_client.update_item(TableName=name, Key={"pk": {"S": "u"}, "sk": {"S": "1"}},
                           UpdateExpression="SET #s = :v", ExpressionAttributeNames={"#s": "status"},
                           ExpressionAttributeValues={":v": {"S": "x"}})
    ddb_client.transact_write_items(TransactItems=[{"Put": {"TableName": name,
                                                            "Item": {"pk": {"S": "t"}, "sk": {"S": "1"}}}}])
    ddb_client.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'q', 'sk': '1'}}")
    assert count() == 7
    assert prepare_tables(ddb_client, [{"request": _request(name), "ttl": None}], reset=True) == {name: "emptied"}
    assert count() == 0 and ddb_client.scan(TableName=name)["Count"] == 0
    ddb_client.delete_table(TableName=name)
