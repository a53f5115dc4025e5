"""boto3 DynamoDB clients built from the shared settings, and botocore errors made actionable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from liftcli.errors import AwsError

if TYPE_CHECKING:
    from liftcli.config import Settings


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0")


def is_local_endpoint(endpoint_url: str | None) -> bool:
    """True for an endpoint on this machine (DynamoDB Local, the embedded server)."""
    if not endpoint_url:
        return False
    from urllib.parse import urlparse

    host = (urlparse(endpoint_url).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def aws_session(settings: Settings, *, doing: str = "creating an AWS session") -> Any:
    """The boto3 session for the selected profile and region (default us-east-1).

    Clients for one command should come from one session: it resolves the credentials once
    (an assume-role or SSO profile asks at most once) and every client uses the same ones.
    """
    import boto3
    import botocore.exceptions

    with aws_errors(doing):
        try:
            return boto3.session.Session(
                profile_name=settings.profile, region_name=settings.region or "us-east-1"
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsError(
                str(exc), hint="Check --profile / AWS_PROFILE or the environment's profile in lift.yaml."
            ) from None


def dynamodb_client(settings: Settings, *, max_attempts: int = 5, session: Any = None) -> Any:
    """A DynamoDB client for the selected profile, region (default us-east-1) and endpoint.

    Throttling is retried by botocore's adaptive mode (up to ``max_attempts``). A local
    endpoint without any configured credentials gets dummy ones: DynamoDB Local accepts any.
    ``session`` (from :func:`aws_session`) shares credentials with other clients.
    """
    import botocore.config

    if is_local_endpoint(settings.endpoint_url):
        # A refused connection on this machine will not heal in seconds: fail fast.
        max_attempts = min(max_attempts, 2)
    config = botocore.config.Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts}, connect_timeout=5, read_timeout=30
    )
    if session is None:
        session = aws_session(settings, doing="creating a DynamoDB client")
    with aws_errors("creating a DynamoDB client"):
        kwargs: dict[str, Any] = {"endpoint_url": settings.endpoint_url, "config": config}
        if is_local_endpoint(settings.endpoint_url) and session.get_credentials() is None:
            kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
        return session.client("dynamodb", **kwargs)


def cloudwatch_client(settings: Settings, *, session: Any = None) -> Any:
    """A CloudWatch client with the DynamoDB client's profile, region and credentials.

    For reading the OnlineIndex* metrics of a GSI backfill on AWS (never for a local endpoint:
    ``settings.endpoint_url`` is DynamoDB's, so it is not used). The metrics are an optional
    extra, so the client gives up fast: short timeouts and no retries (a lost sample is
    read again a minute later).
    """
    import botocore.config

    config = botocore.config.Config(
        retries={"mode": "standard", "max_attempts": 1}, connect_timeout=3, read_timeout=5
    )
    if session is None:
        session = aws_session(settings)
    with aws_errors("creating a CloudWatch client"):
        return session.client("cloudwatch", config=config)


def list_tables(client: Any) -> list[str]:
    """Every table name the client's account/endpoint has (all ListTables pages)."""
    names: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = client.list_tables(**kwargs)
        names.extend(page.get("TableNames", []))
        last = page.get("LastEvaluatedTableName")
        if not last:
            return names
        kwargs = {"ExclusiveStartTableName": last}


@contextmanager
def aws_errors(doing: str) -> Iterator[None]:
    """Turn botocore exceptions raised inside the block into AwsError with a fix."""
    import botocore.exceptions

    try:
        yield
    except botocore.exceptions.NoCredentialsError:
        raise AwsError(
            f"{doing}: no AWS credentials found",
            hint="Set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; "
            "DynamoDB Local accepts any values.",
        ) from None
    except botocore.exceptions.EndpointConnectionError as exc:
        raise AwsError(
            f"{doing}: cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}",
            hint="Is DynamoDB Local running (docker compose up -d dynamodb-local)? "
            "Check --endpoint-url and --region.",
        ) from None
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "ClientError")
        message = error.get("Message", str(exc))
        hints = {
            "ResourceNotFoundException": "Check the table name, --region and --endpoint-url.",
            "AccessDeniedException": "The credentials lack permission; dynamodb:DescribeTable, "
            "DescribeTimeToLive, ListTables and Scan are needed.",
            "UnrecognizedClientException": "The credentials are not valid for this endpoint/region.",
            "ExpiredTokenException": "Refresh your credentials (e.g. aws sso login).",
        }
        raise AwsError(f"{doing}: {code}: {message}", hint=hints.get(code)) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsError(f"{doing}: {exc}") from None
