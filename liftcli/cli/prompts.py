"""Asking the user: questionary on a terminal, defaults (or a clear failure) everywhere else.

Every question names the flag that answers it, so a non-interactive run (``--yes``, stdin not a
terminal, CI) never hangs: it takes the default, or fails with "pass --model NAME".
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from liftcli.errors import UsageError

Validator = Callable[[str], str | None]  # None: valid; else the problem


class Prompter(Protocol):
    interactive: bool

    def text(
        self, message: str, *, flag: str, default: str | None = None, validate: Validator | None = None
    ) -> str: ...

    def confirm(self, message: str, *, flag: str, default: bool) -> bool: ...

    def select(self, message: str, choices: Sequence[str], *, flag: str, default: str) -> str: ...

    def checkbox(
        self, message: str, choices: Sequence[str], *, flag: str, default: Sequence[str]
    ) -> list[str]: ...


class NonInteractivePrompter:
    """Answers with defaults; a question without a default fails naming its flag."""

    interactive = False

    def text(
        self, message: str, *, flag: str, default: str | None = None, validate: Validator | None = None
    ) -> str:
        if default is None:
            raise UsageError(
                f"missing answer: {message.rstrip('?: ')}",
                hint=f"Pass {flag} (no questions are asked with --yes or without a terminal).",
            )
        return default

    def confirm(self, message: str, *, flag: str, default: bool) -> bool:
        return default

    def select(self, message: str, choices: Sequence[str], *, flag: str, default: str) -> str:
        return default

    def checkbox(
        self, message: str, choices: Sequence[str], *, flag: str, default: Sequence[str]
    ) -> list[str]:
        return list(default)


class QuestionaryPrompter:
    """questionary on the terminal; ``unsafe_ask`` so Ctrl-C is a real KeyboardInterrupt."""

    interactive = True

    def text(
        self, message: str, *, flag: str, default: str | None = None, validate: Validator | None = None
    ) -> str:
        import questionary

        def check(value: str) -> bool | str:
            if not value and default is None:
                return "an answer is required"
            if validate is None:
                return True
            problem = validate(value or (default or ""))
            return True if problem is None else problem

        answer = questionary.text(message, default=default or "", validate=check).unsafe_ask()
        return str(answer or default or "")

    def confirm(self, message: str, *, flag: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(message, default=default).unsafe_ask())

    def select(self, message: str, choices: Sequence[str], *, flag: str, default: str) -> str:
        import questionary

        return str(questionary.select(message, choices=list(choices), default=default).unsafe_ask())

    def checkbox(
        self, message: str, choices: Sequence[str], *, flag: str, default: Sequence[str]
    ) -> list[str]:
        import questionary

        items = [questionary.Choice(c, checked=c in default) for c in choices]
        return [str(a) for a in questionary.checkbox(message, choices=items).unsafe_ask()]


class ScriptedPrompter:
    """For tests: answers by flag name from a mapping; unanswered questions take the default."""

    interactive = True

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = dict(answers)
        self.asked: list[str] = []

    def _get(self, flag: str, default: Any) -> Any:
        self.asked.append(flag)
        return self.answers.get(flag, default)

    def text(
        self, message: str, *, flag: str, default: str | None = None, validate: Validator | None = None
    ) -> str:
        value = self._get(flag, default)
        if value is None:
            raise AssertionError(f"no scripted answer for {flag}")
        if validate is not None and (problem := validate(value)):
            raise UsageError(problem)
        return str(value)

    def confirm(self, message: str, *, flag: str, default: bool) -> bool:
        return bool(self._get(flag, default))

    def select(self, message: str, choices: Sequence[str], *, flag: str, default: str) -> str:
        return str(self._get(flag, default))

    def checkbox(
        self, message: str, choices: Sequence[str], *, flag: str, default: Sequence[str]
    ) -> list[str]:
        return list(self._get(flag, default))


def make_prompter(*, yes: bool) -> Prompter:
    """questionary when stdin and stdout are terminals and --yes was not given."""
    if yes or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return NonInteractivePrompter()
    return QuestionaryPrompter()
