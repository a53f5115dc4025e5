"""The layering rule: the core never imports click, rich or questionary (style.md §5)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import liftcli

UI_MODULES = ("click", "rich", "questionary", "prompt_toolkit")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(liftcli.__path__, "liftcli."):
        if info.name.startswith("liftcli.cli") or info.name == "liftcli.__main__":
            continue
        names.append(info.name)
    return sorted(names)


def test_core_modules_exist() -> None:
    names = core_modules()
    assert "liftcli.config" in names and "liftcli.dynamorm.project" in names


def test_core_never_imports_ui_libraries() -> None:
    modules = core_modules()
    code = (
        "import importlib, sys\n"
        f"mods = {modules!r}\n"
        "bad = {}\n"
        "for name in mods:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        f"    ui = [m for m in {UI_MODULES!r} if m in sys.modules]\n"
        "    if ui:\n"
        "        bad[name] = ui\n"
        "        break\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{}", f"core modules pulled in UI libraries: {done.stdout}"
