"""Keep generated parts of docs/ in step with the code.

A generated part sits between ``<!-- BEGIN GENERATED: NAME -->`` and
``<!-- END GENERATED: NAME -->``. ``python -m liftcli.docsync`` rewrites them;
tests/unit/test_docs.py fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generators() -> dict[str, Callable[[], str]]:
    from liftcli.config import reference_markdown as config_reference
    from liftcli.dynamorm.diagnostics import reference_markdown as diagnostics_reference
    from liftcli.dynamorm.validate import rules_markdown

    generators: dict[str, Callable[[], str]] = {
        "config-reference": config_reference,
        "diagnostics": diagnostics_reference,
        "validate-rules": rules_markdown,
    }
    try:
        from liftcli.cli.reference import commands_markdown
    except ImportError:  # pragma: no cover - the CLI reference is optional for the core
        pass
    else:
        generators["command-reference"] = commands_markdown
    return generators


def render(text: str) -> str:
    generators = _generators()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in generators:
            return match.group(0)
        return f"<!-- BEGIN GENERATED: {name} -->\n{generators[name]()}<!-- END GENERATED: {name} -->"

    return re.sub(
        r"<!-- BEGIN GENERATED: ([\w-]+) -->\n.*?<!-- END GENERATED: \1 -->", replace, text, flags=re.DOTALL
    )


def stale(root: Path = ROOT) -> list[Path]:
    return [p for p in sorted((root / "docs").glob("*.md")) if render(p.read_text()) != p.read_text()]


def main() -> int:
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text()
        new = render(text)
        if new != text:
            path.write_text(new)
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
