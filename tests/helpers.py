"""Helpers shared by tests (imported as tests.helpers)."""

from __future__ import annotations

import json
import os
import subprocess
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


def run_cdk_ts_app(app: Path, cache: Path) -> Any:
    """Compile the CDK TypeScript app in ``app`` (bin/*.ts, lib/*.ts) against the aws-cdk-lib in
    ``cache`` (scripts/setup/codegen-tools.sh) and run bin/app.js; returns the JSON it printed last."""
    modules = cache / "node_modules"
    (app / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "target": "ES2020", "module": "commonjs", "strict": True, "outDir": "out", "skipLibCheck": True,
            "typeRoots": [str(modules / "@types")], "types": ["node"], "baseUrl": ".",
            "paths": {"*": [str(modules / "*")]},
        },
        "include": ["bin/**/*.ts", "lib/**/*.ts"],
    }))
    env = {**os.environ, "NODE_PATH": str(modules), "CDK_OUTDIR": str(app / "cdk.out")}
    tsc = subprocess.run(["node", str(modules / "typescript" / "bin" / "tsc"), "-p", str(app)],
                         capture_output=True, text=True, env=env, check=False, timeout=600)
    assert tsc.returncode == 0, f"tsc failed:\n{tsc.stdout}{tsc.stderr}"
    run = subprocess.run(["node", str(app / "out" / "bin" / "app.js")], capture_output=True, text=True, env=env,
                         check=False, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
