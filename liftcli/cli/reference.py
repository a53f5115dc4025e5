"""The command reference in docs/commands.md, generated from the real ``--help`` output."""

from __future__ import annotations

import click


def _help_text(args: list[str]) -> str:
    from click.testing import CliRunner

    from liftcli.cli import lift_group

    result = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"}).invoke(lift_group, [*args, "--help"],
                                                                       prog_name="lift", terminal_width=100)
    if result.exit_code != 0:  # pragma: no cover - a broken command is caught by test_cli
        raise RuntimeError(f"`lift {' '.join(args)} --help` failed: {result.output}")
    return result.stdout


def _walk(group: click.Group, path: list[str]) -> list[list[str]]:
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        found.append([*path, name])
        if isinstance(command, click.Group):
            found.extend(_walk(command, [*path, name]))
    return found


def commands_markdown() -> str:
    from liftcli.cli import dynamorm_group

    parts = ["```\n" + _help_text(["dynamorm"]) + "```\n"]
    for path in _walk(dynamorm_group, ["dynamorm"]):
        parts.append(f"\n### `lift {' '.join(path)}`\n\n```\n{_help_text(path)}```\n")
    return "".join(parts)
