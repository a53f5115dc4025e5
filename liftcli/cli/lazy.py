"""A click group that imports its subcommands only when they are used."""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy_commands: dict[str, tuple[str, str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {n for n in self.lazy_commands if self._available(n)})

    def _available(self, name: str) -> bool:
        """True when the command's module exists (found without importing it)."""
        import importlib.util

        try:
            return importlib.util.find_spec(self.lazy_commands[name][0]) is not None
        except ModuleNotFoundError:  # pragma: no cover - parent package missing
            return False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.lazy_commands or not self._available(cmd_name):
            return None
        module_name, attr, _ = self.lazy_commands[cmd_name]
        module = importlib.import_module(module_name)
        command = getattr(module, attr)
        if not isinstance(command, click.Command):  # pragma: no cover - programming error
            raise TypeError(f"{module_name}.{attr} is not a click command")
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Use the short help from the table so listing commands imports none of them.
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:
                # Always the table's text: the listing must not depend on what was imported before.
                rows.append((name, self.lazy_commands[name][2]))
            else:
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
