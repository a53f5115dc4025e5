"""The daemon's control channel without a DynamoDB server: auth, routing, wire format, and the
table-definition comparison that decides between emptying and recreating a table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from liftcli.errors import LocalServerError
from liftcli.local import control
from liftcli.local.tables import same_definition


class FakeClient:
    """Records calls; ListTables answers, everything else is not expected here."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def list_tables(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("ListTables")
        return {"TableNames": []}


@pytest.fixture
def channel() -> Iterator[tuple[control.ControlServer, FakeClient]]:
    client = FakeClient()
    server = control.ControlServer(client).start()
    try:
        yield server, client
    finally:
        server.close()


def test_wrong_or_missing_key_is_refused(channel: tuple[control.ControlServer, FakeClient]) -> None:
    server, client = channel
    assert server.url.startswith("http://127.0.0.1:")
    for key in ("wrong", "", server.key[:-1]):
        assert control.call(server.url, key, "GET", "/health", timeout=5)[0] == 401
        status, body = control.call(server.url, key, "POST", "/prepare", {"tables": []}, timeout=5)
        assert status == 401 and body == {"error": "unauthorized"}
        with pytest.raises(control.ControlUnavailable):
            control.health(server.url, key)
        with pytest.raises(control.ControlUnavailable):
            control.prepare(server.url, key, [])
    assert client.calls == []  # nothing reached the server's client


def test_right_key_health_and_prepare(channel: tuple[control.ControlServer, FakeClient]) -> None:
    server, client = channel
    assert control.health(server.url, server.key) is True
    assert client.calls == ["ListTables"]
    assert control.prepare(server.url, server.key, [], reset=True)["tables"] == {}
    assert control.call(server.url, server.key, "GET", "/nope", timeout=5)[0] == 404
    status, body = control.call(server.url, server.key, "POST", "/prepare", {"no": "tables"}, timeout=5)
    assert status == 400 and "bad request" in body["error"]


def test_work_failures_come_back_as_errors(channel: tuple[control.ControlServer, FakeClient],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    server, _ = channel

    def fail(body: Any) -> Any:
        raise LocalServerError("t1: ValidationException: nope", hint="fix it")

    monkeypatch.setattr(server, "prepare", fail)
    with pytest.raises(LocalServerError, match="t1: ValidationException: nope") as info:
        control.prepare(server.url, server.key, [])
    assert info.value.hint == "fix it"


def test_nothing_listening_means_unavailable() -> None:
    server = control.ControlServer(FakeClient())
    url = server.url
    server.close()  # the port is free again: connection refused
    with pytest.raises(control.ControlUnavailable):
        control.health(url, server.key)


def test_items_travel_with_binary_values() -> None:
    item = {"pk": {"S": "a"}, "blob": {"B": b"\x00\xff"}, "set": {"BS": [b"x", b"y"]},
            "nested": {"M": {"l": {"L": [{"B": b"z"}, {"N": "1"}, {"NULL": True}]}}}}
    wire = control.encode_item(item)
    assert wire["blob"] == {"B": "AP8="}
    import json

    assert control.decode_item(json.loads(json.dumps(wire))) == item


KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
REQUEST = {
    "TableName": "t", "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"},
                             {"AttributeName": "st", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "g", "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}}],
}


def _described(**changes: Any) -> dict[str, Any]:
    table = {"TableName": "t", "TableStatus": "ACTIVE", "KeySchema": KEYS, "ItemCount": 0,
             "AttributeDefinitions": list(reversed(REQUEST["AttributeDefinitions"])),  # order is irrelevant
             "GlobalSecondaryIndexes": [{"IndexName": "g", "IndexStatus": "ACTIVE",
                                         "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["b", "a"]}}],
             "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}}
    table.update(changes)
    return table


def test_same_definition() -> None:
    assert same_definition(_described(), None, REQUEST, None)
    assert same_definition(_described(BillingModeSummary=None), None, REQUEST, None)  # not reported: not compared
    assert not same_definition(_described(), "expires", REQUEST, None)  # TTL on, not asked for
    assert not same_definition(_described(), None, REQUEST, "expires")  # TTL asked for, off
    assert not same_definition(_described(), "other", REQUEST, "expires")
    assert not same_definition(_described(KeySchema=list(reversed(KEYS))), None, REQUEST, None)
    assert not same_definition(_described(GlobalSecondaryIndexes=[]), None, REQUEST, None)
    assert not same_definition(_described(LocalSecondaryIndexes=[
        {"IndexName": "l", "KeySchema": KEYS, "Projection": {"ProjectionType": "ALL"}}]), None, REQUEST, None)
    assert not same_definition(_described(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}),
                               None, REQUEST, None)
    assert not same_definition(_described(BillingModeSummary={"BillingMode": "PROVISIONED"}), None, REQUEST, None)
    changed_type = [{"AttributeName": "pk", "AttributeType": "N"}, *REQUEST["AttributeDefinitions"][1:]]
    assert not same_definition(_described(AttributeDefinitions=changed_type), None, REQUEST, None)
