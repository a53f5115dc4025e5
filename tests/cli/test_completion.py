"""Shell completion works through the lazy command table (docs/ci.md#shell-completion)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LIFT = str(Path(sys.executable).with_name("lift"))


def complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "_LIFT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    done = subprocess.run([LIFT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line]


def test_completes_commands_and_options() -> None:
    assert complete("lift dynamorm va", 2) == ["validate"]
    assert set(complete("lift dynamorm ", 2)) >= {"inspect", "validate", "migrate", "test", "local"}
    assert complete("lift dynamorm validate --fa", 3) == ["--fail-on"]


def test_bash_source_script() -> None:
    env = {**os.environ, "_LIFT_COMPLETE": "bash_source"}
    done = subprocess.run([LIFT], env=env, capture_output=True, text=True, timeout=60)
    assert "_lift_completion" in done.stdout and "complete " in done.stdout
