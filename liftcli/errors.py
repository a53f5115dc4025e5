"""The error tree of lift dynamorm and its exit-code contract.

The core raises only these exceptions for problems a user can fix. One boundary in the CLI
(``liftcli.cli.errors``) turns them into a message on stderr and the exit code of the class.
This module must not import click, rich or questionary.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes. Documented in docs/exit-codes.md and pinned by tests."""

    OK = 0
    USER_ERROR = 1  # bad config, invalid model, AWS error, conflict ...: the user can fix it
    USAGE = 2  # command-line usage error (click's own code)
    DRIFT = 3  # validate ran and found differences at or above the threshold
    INTERNAL = 70  # a bug in lift dynamorm (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C


class LiftError(Exception):
    """A problem the user can fix. ``hint`` says how, in one line."""

    exit_code: int = ExitCode.USER_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(LiftError):
    """lift.yaml (or an environment variable standing in for it) is wrong."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path:
            where = path if line is None else f"{path}:{line}"
        prefix = f"{where}: " if where else ""
        keypart = f"{key}: " if key else ""
        super().__init__(f"{prefix}{keypart}{message}", hint=hint)
        self.path = path
        self.line = line
        self.key = key


class ModelError(LiftError):
    """Model sources could not be read or are invalid as a whole."""


class DmsError(ModelError):
    """A DMS document is malformed."""


class UsageError(LiftError):
    """Options that are individually valid but do not work together."""

    exit_code = ExitCode.USAGE


class AwsError(LiftError):
    """DynamoDB/AWS answered with an error, or could not be reached."""


class LocalServerError(LiftError):
    """A local DynamoDB server could not be installed, started or reached."""


class FileConflictError(LiftError):
    """A file exists and would be overwritten without ``--force``."""


class MigrationError(LiftError):
    """A migration could not be planned or applied."""


class DriftDetected(LiftError):
    """``validate`` found differences at or above the ``--fail-on`` threshold."""

    exit_code = ExitCode.DRIFT
