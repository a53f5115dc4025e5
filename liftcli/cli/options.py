"""Shared options: every command that reads models or talks to DynamoDB takes the same ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def project_options(f: F) -> F:
    """--config, --env, --models (repeatable)."""
    f = click.option(
        "--models",
        "models",
        multiple=True,
        metavar="PATH",
        help="Model file, directory or glob (repeatable); overrides dynamorm.models in lift.yaml.",
    )(f)
    f = click.option(
        "--env",
        "env_name",
        metavar="NAME",
        help="Environment from dynamorm.environments (env: LIFT_ENV).",
    )(f)
    f = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=str),
        envvar="LIFT_CONFIG",
        metavar="PATH",
        help="Path to lift.yaml (default: nearest lift.yaml upward; env: LIFT_CONFIG).",
    )(f)
    return f


def aws_options(f: F) -> F:
    """--region, --profile, --endpoint-url."""
    f = click.option(
        "--endpoint-url",
        metavar="URL",
        help="DynamoDB endpoint, e.g. http://127.0.0.1:8000 (env: AWS_ENDPOINT_URL_DYNAMODB).",
    )(f)
    f = click.option("--profile", metavar="NAME", help="AWS profile (env: AWS_PROFILE).")(f)
    f = click.option("--region", metavar="REGION", help="AWS region (env: AWS_REGION).")(f)
    return f


def shared_options(f: F) -> F:
    """All shared options: project_options + aws_options."""
    return project_options(aws_options(f))


def format_option(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )
