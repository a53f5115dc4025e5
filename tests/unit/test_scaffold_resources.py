"""Scaffold templates are found in a checkout and packaged into the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from liftcli.resources import scaffolds_root
from liftcli.scaffold.render import list_scaffolds, load_manifest
from tests.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[2]


def test_scaffolds_root_finds_every_manifest_and_template() -> None:
    root = scaffolds_root()
    assert (root / "README.md").is_file()
    names = {m.name for m in list_scaffolds()}
    assert names == {"model", "init", "import"}
    for manifest in list_scaffolds():
        assert manifest.description
        for entry in manifest.files:
            template = entry.template if "/" in entry.template else f"{manifest.name}/{entry.template}"
            assert (root / template).is_file(), template


def test_templates_are_strict_about_missing_values() -> None:
    import jinja2

    from liftcli.scaffold.render import render

    with pytest.raises(jinja2.UndefinedError):
        render("init", "lift.yaml.j2", {"models_dir": "models"})
    assert load_manifest("model").files_for("iac")


@pytest.mark.slow
def test_wheel_contains_the_scaffolds(tmp_path: Path) -> None:
    try:
        import build  # noqa: F401

        command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(REPO)]
    except ImportError:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(REPO)]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if (
        result.returncode != 0
        and "hatchling" in result.stdout + result.stderr
        and ("Could not find" in result.stderr or "No matching distribution" in result.stderr)
    ):
        skip_or_fail("hatchling cannot be fetched here: " + result.stderr[-500:])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheel = next(tmp_path.glob("lift_dynamorm-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"liftcli/scaffolds/{p.relative_to(REPO / 'scaffolds').as_posix()}"
        for p in (REPO / "scaffolds").rglob("*")
        if p.is_file()
    }
    assert expected and expected <= names, sorted(expected - names)
    assert "liftcli/resources.py" in names
