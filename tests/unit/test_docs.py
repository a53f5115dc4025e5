"""Docs that are generated from the code stay in step with it."""

from __future__ import annotations

from pathlib import Path

from liftcli.docsync import ROOT, stale


def test_generated_docs_are_current() -> None:
    import difflib

    from liftcli.docsync import render

    problems = []
    for path in stale():
        text = path.read_text()
        diff = "".join(difflib.unified_diff(text.splitlines(True), render(text).splitlines(True), str(path), "now"))
        problems.append(diff[:3000])
    assert not problems, "docs are stale: run `python -m liftcli.docsync`\n" + "\n".join(problems)


def test_every_diagnostic_code_is_documented() -> None:
    from liftcli.dynamorm.diagnostics import CODES

    text = (ROOT / "docs" / "models.md").read_text()
    assert all(f"`{code}`" in text for code in CODES)


def test_every_config_key_is_documented() -> None:
    from liftcli.config import SCHEMA, Section

    text = (ROOT / "docs" / "configuration.md").read_text()

    def keys(section: Section, prefix: str) -> list[str]:
        out = []
        for name, item in section.keys.items():
            dotted = f"{prefix}.{name}"
            if isinstance(item, Section):
                out += keys(item.entry, dotted + ".NAME") if item.entry else keys(item, dotted)
            else:
                out.append(dotted)
        return out

    missing = [k for k in keys(SCHEMA, "dynamorm") if f"`{k}`" not in text]
    assert missing == []


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/test.sh" in readme
    assert (Path(ROOT) / ".ci" / "run").read_text().count("scripts/test.sh") == 1


def test_diagnostic_codes_used_in_code_are_registered() -> None:
    import re

    from liftcli.dynamorm.diagnostics import CODES

    used = set()
    for path in (ROOT / "liftcli").rglob("*.py"):
        used |= set(re.findall(r'"(DM\d{3})"', path.read_text()))
    assert used - set(CODES) == set()
