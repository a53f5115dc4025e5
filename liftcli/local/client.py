"""boto3 clients for a local server: dummy letter-only credentials, bounded retries and timeouts."""

from __future__ import annotations

import functools
from typing import Any

from liftcli.local.spec import DEFAULT_REGION, DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY


def client_for(endpoint: str, region: str = DEFAULT_REGION, *, probe: bool = False) -> Any:
    """A DynamoDB client for ``endpoint`` that never reads the user's AWS credentials.

    ``probe`` makes a client for health checks: one attempt, short timeouts.
    """
    from botocore.config import Config

    if probe:
        config = Config(retries={"total_max_attempts": 1}, connect_timeout=0.5, read_timeout=5)
    else:
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=30)
    return _session(region).client("dynamodb", endpoint_url=endpoint, config=config)


@functools.lru_cache(maxsize=8)
def _session(region: str) -> Any:
    # One session per region: its loader caches the service model, so a second client (probe,
    # then the real one) costs milliseconds instead of ~0.1 s. Clients are thread-safe; building
    # them from one session is serialised by botocore's own lock.
    import boto3
    import botocore.session

    # A local server needs no profile: ignore AWS_PROFILE, which would raise ProfileNotFound
    # when it names a profile this machine does not have.
    unprofiled = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    return boto3.session.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY_ID,
        aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
        region_name=region,
        botocore_session=unprofiled,
    )


def is_healthy(endpoint: str, region: str = DEFAULT_REGION, client: Any = None) -> bool:
    """True when ``endpoint`` answers a real DynamoDB call (ListTables, Limit 1)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        (client or client_for(endpoint, region, probe=True)).list_tables(Limit=1)
    except (BotoCoreError, ClientError, OSError):
        return False
    return True


def answers_list_tables(endpoint: str, region: str = DEFAULT_REGION, *, timeout: float = 5.0) -> bool:
    """True when ``endpoint`` answers a ListTables call, sent without boto3 (local servers do not
    check signatures, only the credential scope, which names the region)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "X-Amz-Date": "20240101T000000Z",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={DUMMY_ACCESS_KEY_ID}/20240101/{region}/dynamodb/aws4_request, "
                         "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64,
    }
    try:
        conn.request("POST", "/", body=b'{"Limit": 1}', headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status == 200 and "TableNames" in json.loads(body or b"{}")
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        conn.close()
