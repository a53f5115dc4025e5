"""Load a project's models: discover sources, parse Go and DMS, resolve table names.

``load_project(settings)`` is the one entry point every command uses.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from liftcli.config import Settings
from liftcli.dynamorm import naming as naming_rules
from liftcli.dynamorm.diagnostics import hint_for
from liftcli.dynamorm.gomodel import GoPackage, ModelBuilder, PackageResolver, TagReader, rules_for
from liftcli.dynamorm.model import Diagnostic, Model, TableName
from liftcli.errors import ModelError
from liftcli.gcpause import collector_paused

#: Directories never searched for models.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "vendor", "node_modules", "cdk.out", ".lift", "testdata", "__pycache__",
     ".venv", "venv", "dist", ".idea", ".vscode"}
)
DMS_SUFFIXES = (".yml", ".yaml", ".json")
TABLE_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
_DMS_MARKER = re.compile(rb"""^\s*["']?dms_version["']?\s*:""", re.MULTILINE)


@dataclass(frozen=True)
class Project:
    settings: Settings
    models: tuple[Model, ...]
    diagnostics: tuple[Diagnostic, ...]
    sources: tuple[str, ...] = ()

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def select(self, names: Iterable[str]) -> Project:
        """Only the named models (fnmatch patterns allowed). Unknown names are an error."""
        names = list(names)
        if not names:
            return self
        chosen: list[Model] = []
        seen: set[Model] = set()  # models hash structurally; a list lookup is quadratic for `Order*`
        for pattern in names:
            hits = [m for m in self.models if fnmatch.fnmatchcase(m.name, pattern)]
            if not hits:
                known = ", ".join(sorted(m.name for m in self.models)) or "none"
                invalid = sorted({d.model for d in self.diagnostics if d.model and d.severity == "error"})
                extra = f" ({pattern} has errors, see below)" if pattern in invalid else ""
                if not extra:
                    raise ModelError(
                        f"no model named {pattern!r}{extra}; models found: {known}",
                        hint="Model names are Go type names (or DMS model names); check --models.",
                    )
            for m in hits:
                if m not in seen:
                    seen.add(m)
                    chosen.append(m)
        keep = {m.name for m in chosen} | set(names)
        diags = tuple(d for d in self.diagnostics if d.model is None or d.model in keep)
        return replace(self, models=tuple(chosen), diagnostics=diags)


def _display(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when inside it (both taken as absolute, not resolved)."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(cwd)
    if absolute == base:
        return "."
    if absolute.startswith(base.rstrip(os.sep) + os.sep):
        relative = absolute[len(base.rstrip(os.sep)) + 1 :]
        if os.sep == "/" and relative:
            # abspath normalised it already: this is Path(relative).as_posix() without building
            # a Path for every file of a large tree.
            return relative
        return Path(relative).as_posix()
    return Path(absolute).as_posix()


def _walk(directory: Path, exclude: list[str], root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not _excluded(path, exclude, root):
                yield path


def _excluded(path: Path, exclude: list[str], root: Path) -> bool:
    if not exclude:
        return False
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        rel = path.as_posix()
    return any(fnmatch.fnmatch(rel, pattern) for pattern in exclude)


def discover(settings: Settings, cwd: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Go files and DMS files named by the model settings (files, directories or globs).

    Paths from lift.yaml are relative to the project root; paths from the command line or the
    environment are relative to the working directory.
    """
    cwd = cwd or Path.cwd()
    from_config = settings.sources.get("models", "default") not in ("command line",) and not settings.sources.get(
        "models", ""
    ).startswith("environment")
    base = settings.root if from_config else cwd
    exclude = list(settings.config.data.get("exclude") or [])
    go_files: list[Path] = []
    dms_files: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path, explicit: bool) -> None:
        resolved = Path(os.path.abspath(path))
        if resolved in seen:
            return
        if path.suffix == ".go":
            if explicit or not path.name.endswith("_test.go"):
                seen.add(resolved)
                go_files.append(path)
        elif path.suffix.lower() in DMS_SUFFIXES:
            if explicit or _looks_like_dms(path):
                seen.add(resolved)
                dms_files.append(path)

    for entry in settings.model_paths:
        pattern = entry if os.path.isabs(entry) else str(base / entry)
        if any(ch in entry for ch in "*?["):
            import glob

            matches = sorted(glob.glob(pattern, recursive=True))
            for match in matches:
                path = Path(match)
                if path.is_dir():
                    for found in _walk(path, exclude, settings.root):
                        add(found, explicit=False)
                elif not _excluded(path, exclude, settings.root):
                    add(path, explicit=False)
            continue
        path = Path(pattern)
        if path.is_dir():
            for found in _walk(path, exclude, settings.root):
                add(found, explicit=False)
        elif path.is_file():
            if path.suffix != ".go" and path.suffix.lower() not in DMS_SUFFIXES:
                raise ModelError(
                    f"{_display(path, cwd)}: not a model source (expected a .go file or a DMS .yml/.yaml/.json)",
                    hint="Pass a Go file, a DMS document or a directory with --models.",
                )
            add(path, explicit=True)
        else:
            where = settings.sources.get("models", "")
            raise ModelError(
                f"models path not found: {entry}" + (f" (from {where})" if where and where != "default" else ""),
                hint="Fix --models / dynamorm.models in lift.yaml; paths in lift.yaml are relative to its folder.",
            )
    return go_files, dms_files


def _looks_like_dms(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return bool(_DMS_MARKER.search(head)) or b'"dms_version"' in head


def load_project(settings: Settings, *, cwd: Path | None = None, model_names: Iterable[str] = ()) -> Project:
    """Discover and read every model of the project (see module docstring)."""
    with collector_paused():
        return _load_project(settings, cwd or Path.cwd(), model_names)


def _load_project(settings: Settings, cwd: Path, model_names: Iterable[str]) -> Project:
    go_files, dms_files = discover(settings, cwd)
    data = settings.config.data
    models: list[Model] = []
    diagnostics: list[Diagnostic] = []
    go_models, go_diags = _load_go(go_files, settings, cwd)
    models.extend(go_models)
    diagnostics.extend(go_diags)
    if dms_files:
        from liftcli.dynamorm.dms import load_dms_file

        for path in dms_files:
            dms_models, dms_diags = load_dms_file(path, _display(path, cwd))
            models.extend(dms_models)
            diagnostics.extend(dms_diags)
    models = [m for m in models if _included(m.name, data)]
    models = [_with_table_name(m, settings, diagnostics) for m in models]
    diagnostics.extend(_project_checks(models))
    diagnostics = [d for d in diagnostics if d.model is None or _included(d.model, data)]
    models.sort(key=lambda m: (m.location.path, m.location.line, m.name))
    diagnostics = sorted(set(diagnostics), key=Diagnostic.sort_key)
    project = Project(
        settings=settings,
        models=tuple(models),
        diagnostics=tuple(diagnostics),
        sources=tuple(_display(p, cwd) for p in go_files + dms_files),
    )
    return project.select(model_names)


def _included(name: str, data: Mapping[str, Any]) -> bool:
    include = data.get("include_models") or []
    exclude = data.get("exclude_models") or []
    if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
        return False
    return not any(fnmatch.fnmatchcase(name, p) for p in exclude)


def _load_go(go_files: list[Path], settings: Settings, cwd: Path) -> tuple[list[Model], list[Diagnostic]]:
    data = settings.config.data
    tag_key = data["tag"]
    needle = f"{tag_key}:".encode()
    cache: dict[Path, bytes] = {}

    def read(path: Path) -> bytes:
        if path not in cache:
            cache[path] = path.read_bytes()
        return cache[path]

    def make_package(directory: Path) -> GoPackage | None:
        if not directory.is_dir():
            return None
        paths = sorted(
            p for p in directory.iterdir() if p.suffix == ".go" and not p.name.endswith("_test.go") and p.is_file()
        )
        return GoPackage(directory, _display(directory, cwd), paths, read, lambda p: _display(p, cwd))

    resolver = PackageResolver(make_package)
    tags = TagReader(tag_key)
    by_dir: dict[Path, list[Path]] = {}
    for path in go_files:
        absolute = Path(os.path.abspath(path))
        by_dir.setdefault(absolute.parent, []).append(absolute)
    models: list[Model] = []
    diagnostics: list[Diagnostic] = []
    builders: list[tuple[ModelBuilder, list[tuple[Any, Any]]]] = []
    embedded: set[tuple[Path, str]] = set()
    for directory in sorted(by_dir):
        pkg = resolver.package_at(directory)
        if pkg is None:
            continue
        known = set(pkg.paths)  # a set: a list lookup per file is quadratic in big packages
        for path in by_dir[directory]:
            if path not in known:
                known.add(path)
                pkg.paths.append(path)  # an explicitly named _test.go file
        candidates = []
        for path in by_dir[directory]:
            try:
                content = read(path)
            except OSError as exc:
                diagnostics.append(
                    Diagnostic("error", "DM902", f"cannot read {_display(path, cwd)}: {exc.strerror or exc}",
                               path=_display(path, cwd), hint=hint_for("DM902"))
                )
                continue
            if needle not in content:
                continue
            go_file = pkg.parse(path)
            if go_file is None:
                continue
            for line, column, what in go_file.errors:
                diagnostics.append(
                    Diagnostic("error", "DM901", f"Go {what} at line {line}, column {column}",
                               path=go_file.path, line=line, hint=hint_for("DM901"))
                )
            candidates.append(go_file)
        rules, _ = rules_for(directory, tag_key, data["naming"], data.get("dynamorm_version"))
        builder = ModelBuilder(pkg, resolver, rules, tags)
        structs = []
        for go_file in candidates:
            for struct in go_file.structs:
                if builder.has_tag(struct):
                    structs.append((struct, go_file))
                else:
                    builder.lint_malformed_tags(struct, go_file)
        for struct, go_file in structs:
            for target_dir, name in builder.embedded_targets(struct, go_file):
                embedded.add((target_dir, name))
        builders.append((builder, structs))
    for builder, structs in builders:
        for struct, go_file in structs:
            if (builder.pkg.directory, struct.name) in embedded:
                # A base struct embedded into other models is not a model of its own; its
                # fields (and their problems) are reported through the models embedding it.
                continue
            model = builder.build(struct, go_file)
            if model is not None:
                models.append(model)
        diagnostics.extend(builder.diagnostics)
        for path, reason in builder.pkg.read_errors:
            diagnostics.append(Diagnostic("error", "DM902", f"cannot read {_display(path, cwd)}: {reason}",
                                          path=_display(path, cwd), hint=hint_for("DM902")))
    return models, diagnostics


# --------------------------------------------------------------------------------------------
# Table names per environment


def _template_fields(model: Model, settings: Settings) -> dict[str, str]:
    snake = naming_rules.to_snake_case(model.name)
    return {
        "app": settings.config.app_name or settings.root.name,
        "model": model.name,
        "model_snake": snake,
        "model_kebab": snake.replace("_", "-"),
        "plural": model.table.fallback or naming_rules.plural_table_name(model.name),
        "env": settings.env_name or "local",
    }


def resolve_table_name(model: Model, settings: Settings) -> tuple[TableName, list[Diagnostic]]:
    """The table ``model`` uses in the selected environment (see docs/configuration.md).

    For a TableName() that reads VAR: the process environment's VAR, else lift.yaml
    (environment ``env`` values, then ``tables.env``), else ``tables.template``, else DynamORM's
    own fallback (the plural); a template or the plural get the environment's prefix/suffix.
    Explicit names (environment ``tables``, then ``tables.names``) win for such models and for
    DMS models. A literal TableName() or a model without one always uses what DynamORM uses.
    """
    data = settings.config.data
    environment = settings.environment
    table = model.table
    diags: list[Diagnostic] = []
    explicit = (environment.get("tables") or {}).get(model.name) or (data["tables"].get("names") or {}).get(
        model.name
    )
    if table.source in ("literal", "default"):
        if explicit and explicit != table.resolved:
            diags.append(
                Diagnostic("warning", "DM505",
                           f"lift.yaml names table {explicit!r} for {model.name}, but DynamORM always uses "
                           f"{table.resolved!r} for it", path=model.location.path, line=model.location.line,
                           model=model.name, hint=hint_for("DM505"))
            )
        return table, diags
    if explicit:
        return replace(table, resolved=explicit, source="config", origin="lift.yaml (explicit table name)"), diags
    if table.source == "dms":
        return table, diags
    var = table.env_var or ""
    value = settings.environ.get(var)
    if value:
        return replace(table, resolved=value, origin=f"environment variable {var}"), diags
    configured = (environment.get("env") or {}).get(var) or (data["tables"].get("env") or {}).get(var)
    if configured:
        return replace(table, resolved=configured, origin=f"lift.yaml value of {var}"), diags
    prefix = environment.get("table_prefix") or ""
    suffix = environment.get("table_suffix") or ""
    template = data["tables"].get("template")
    if template:
        try:
            base = template.format(**_template_fields(model, settings))
        except (KeyError, IndexError, ValueError) as exc:
            from liftcli.errors import ConfigError

            raise ConfigError(
                f"bad table template {template!r}: unknown placeholder {exc}",
                path=str(settings.config.path) if settings.config.path else None,
                key="dynamorm.tables.template",
                hint="Placeholders: {app} {model} {model_snake} {model_kebab} {plural} {env}.",
            ) from None
        return replace(table, resolved=f"{prefix}{base}{suffix}", origin="lift.yaml tables.template"), diags
    fallback = table.fallback or naming_rules.plural_table_name(model.name)
    if not (prefix or suffix):
        diags.append(
            Diagnostic("info", "DM504",
                       f"{var} is not set: DynamORM falls back to table {fallback!r} for {model.name}",
                       path=model.location.path, line=model.location.line, model=model.name,
                       hint=hint_for("DM504"))
        )
    return replace(table, resolved=f"{prefix}{fallback}{suffix}",
                   origin=f"DynamORM fallback ({var} unset)"), diags


def _with_table_name(model: Model, settings: Settings, diagnostics: list[Diagnostic]) -> Model:
    table, diags = resolve_table_name(model, settings)
    diagnostics.extend(diags)
    if not TABLE_NAME_RE.match(table.resolved):
        diagnostics.append(
            Diagnostic("error", "DM506", f"table name {table.resolved!r} of {model.name} is not a valid DynamoDB "
                       "table name", path=model.location.path, line=model.location.line, model=model.name,
                       hint=hint_for("DM506"))
        )
    return replace(model, table=table)


def _project_checks(models: list[Model]) -> list[Diagnostic]:
    by_table: dict[str, list[Model]] = {}
    for model in models:
        by_table.setdefault(model.table.resolved, []).append(model)
    out = []
    for table, group in sorted(by_table.items()):
        first = group[0]
        for other in group[1:]:
            if (other.partition, other.sort) != (first.partition, first.sort):
                out.append(
                    Diagnostic("error", "DM501",
                               f"{first.name} and {other.name} share table {table!r} but declare different keys "
                               f"({_keys(first)} vs {_keys(other)})", path=other.location.path,
                               line=other.location.line, model=other.name, hint=hint_for("DM501"))
                )
    return out


def _keys(model: Model) -> str:
    keys = f"{model.partition.name}:{model.partition.type}"
    if model.sort:
        keys += f", {model.sort.name}:{model.sort.type}"
    return keys
