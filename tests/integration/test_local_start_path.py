"""What a server start does and does not do (the fast-start work of issue 3, kept honest).

* The jar start confirms the server with a plain HTTP ListTables: boto3 is not imported unless
  the caller asks for a warm client (``warm_client=True``, as `test`, `local start` and the
  pytest plugin do, overlapping the import with the JVM's start).
* DynamoDB Local runs with log4j-api's SimpleLogger (FAST_JVM_FLAGS) and still answers and
  logs its start-up banner.
* The embedded server is the lean DynamoDB-only app with the installed moto, not the fallback
  to moto's full server, and the garbage collector paused during its start is on again with
  nothing left frozen.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import _DDB_CACHE, require_backend

pytestmark = pytest.mark.integration

PROBE = textwrap.dedent('''
    import json, sys
    from liftcli.local import ServerSpec, start_server
    warm = sys.argv[1] == "warm"
    with start_server(ServerSpec(backend="jar", start_timeout=60), warm_client=warm) as server:
        from liftcli.local.client import answers_list_tables
        print(json.dumps({"boto3": "boto3" in sys.modules, "answers": answers_list_tables(server.endpoint),
                          "log": server.log_tail()}))
''')


def _probe(mode: str) -> dict[str, object]:
    env = dict(os.environ)
    if _DDB_CACHE:
        env["LIFT_DYNAMORM_CACHE"] = _DDB_CACHE
    done = subprocess.run([sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_jar_start_needs_no_boto3_unless_a_warm_client_is_asked_for() -> None:
    require_backend("jar")
    cold = _probe("cold")
    assert cold["answers"] is True and cold["boto3"] is False
    # SimpleLogger in place of log4j-core: DynamoDB Local still prints its configuration banner.
    assert "Initializing DynamoDB Local" in str(cold["log"])
    warm = _probe("warm")
    assert warm["answers"] is True and warm["boto3"] is True


def test_embedded_start_uses_the_lean_app_and_restores_the_collector() -> None:
    require_backend("embedded")
    from liftcli.local import ServerSpec, start_server
    from liftcli.local.client import answers_list_tables

    events: list[str] = []
    assert gc.isenabled()
    with start_server(ServerSpec(backend="embedded"), on_event=events.append) as server:
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0  # moved to the oldest generation, not frozen for good
        assert server.in_process, f"fell back to moto's full server: {events}"
        assert not any("full server" in e for e in events)
        assert answers_list_tables(server.endpoint)
        client = server.client()
        client.create_table(TableName="lean-app", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        try:
            assert "lean-app" in client.list_tables()["TableNames"]
        finally:  # moto's state is per process: leave nothing for the other embedded tests
            client.delete_table(TableName="lean-app")
