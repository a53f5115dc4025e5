"""The one error boundary: every exception leaving a command becomes a message and an exit code.

* ``LiftError`` (a problem the user can fix): ``Error: ...`` and ``Hint: ...`` on stderr, the
  class's exit code (1, or 3 for drift).
* click's own exceptions (usage errors: exit 2) pass through untouched.
* ``KeyboardInterrupt``: "Interrupted." and exit 130.
* anything else is a bug: a short message asking for a report, exit 70; ``--debug`` (or
  ``LIFT_DEBUG=1``) shows the traceback.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from liftcli import __version__
from liftcli.errors import ExitCode, LiftError

REPORT_URL = "https://github.com/pay-theory/lift/issues"


def _stderr(message: str) -> None:
    click.echo(message, err=True)


class BoundaryGroup(click.Group):
    """A group that applies the exit-code contract to every subcommand it runs."""

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is not None and isinstance(ctx.parent.command, BoundaryGroup):
            # A nested group runs inside its parent's boundary already.
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except LiftError as exc:
            if _debug(ctx):
                traceback.print_exc()
            _stderr(f"Error: {exc.message}")
            if exc.hint:
                _stderr(f"Hint: {exc.hint}")
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            _stderr("Interrupted.")
            ctx.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            # `lift dynamorm inspect | head`: the reader went away; not an error.
            sys.stderr.close()
            ctx.exit(ExitCode.OK)
        except Exception as exc:  # noqa: BLE001 - this is the boundary for bugs
            if _debug(ctx):
                traceback.print_exc()
            else:
                _stderr(
                    f"Internal error: {type(exc).__name__}: {exc}\n"
                    f"This is a bug in lift dynamorm {__version__}. Please report it at {REPORT_URL} "
                    "with the command you ran; re-run with --debug to include the traceback."
                )
            ctx.exit(ExitCode.INTERNAL)


def _debug(ctx: click.Context) -> bool:
    node: click.Context | None = ctx
    while node is not None:
        if node.meta.get("lift.debug"):
            return True
        node = node.parent
    return False
