"""Helpers shared by tests (imported as tests.helpers)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from liftcli.config import Overrides, load_config, resolve_settings
from liftcli.dynamorm.project import Project, load_project

GO_MOD = "module example.com/app\n\ngo 1.23\n\nrequire github.com/pay-theory/dynamorm {version}\n"


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def go_project(
    root: Path,
    models: str | Mapping[str, str],
    *,
    version: str | None = "v1.3.0",
    extra: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Overrides | None = None,
    names: tuple[str, ...] = (),
) -> Project:
    """Write a Go module with the given model source(s) and load it."""
    files: dict[str, str] = {}
    if version is not None:
        files["go.mod"] = GO_MOD.format(version=version)
    if isinstance(models, str):
        files["models/models.go"] = models
    else:
        files.update(models)
    files.update(extra or {})
    write_tree(root, files)
    settings = resolve_settings(load_config(cwd=root), overrides or Overrides(), dict(environ or {}))
    return load_project(settings, cwd=root, model_names=names)


def codes(project: Project, severity: str | None = None) -> list[str]:
    return [d.code for d in project.diagnostics if severity is None or d.severity == severity]


def model(project: Project, name: str) -> Any:
    for m in project.models:
        if m.name == name:
            return m
    raise AssertionError(f"model {name} not found; have {[m.name for m in project.models]}; "
                         f"diagnostics: {[(d.code, d.message) for d in project.diagnostics]}")
