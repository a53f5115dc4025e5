"""Template rendering: Jinja2 with StrictUndefined over ``scaffolds/<name>/``.

Templates only place values that Python has already computed (see style.md §8): a missing
variable is an error, never an empty string.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml

from liftcli.resources import scaffolds_root

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True, slots=True)
class TemplateFile:
    """One manifest entry: ``template`` (a .j2 file in the scaffold's folder), the output
    ``path`` pattern (``str.format`` placeholders) and the ``part`` it belongs to."""

    template: str
    path: str
    part: str
    when: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    name: str
    description: str
    files: tuple[TemplateFile, ...]

    def files_for(self, part: str) -> tuple[TemplateFile, ...]:
        return tuple(f for f in self.files if f.part == part)


@lru_cache(maxsize=16)
def load_manifest(name: str) -> Manifest:
    path = scaffolds_root() / name / "scaffold.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    files = tuple(
        TemplateFile(template=f["template"], path=f["path"], part=f["part"], when=f.get("when"))
        for f in data.get("files", [])
    )
    return Manifest(name=name, description=str(data.get("description", "")).strip(), files=files)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import json

    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(scaffolds_root())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.globals["q"] = json.dumps  # a double-quoted string valid in Go, TypeScript, YAML and JSON
    return env


def render(scaffold: str, template: str, context: dict[str, Any]) -> str:
    """Render ``scaffolds/<scaffold>/<template>`` with ``context``."""
    return _environment().get_template(f"{scaffold}/{template}").render(**context)


def list_scaffolds() -> list[Manifest]:
    root = scaffolds_root()
    return [load_manifest(p.name) for p in sorted(root.iterdir()) if (p / "scaffold.yaml").is_file()]
