"""Project configuration: the ``dynamorm:`` block of ``lift.yaml``.

``lift.yaml`` is found by walking up from the working directory (Lift's Go CLI uses the same
file and ignores keys it does not know, so both tools share it). A project without one works on
defaults. Every key is declared once in ``SCHEMA`` below; the loader validates against it
(unknown keys get a "did you mean" suggestion, bad values name file, line and dotted path), and
the configuration reference in docs/configuration.md is generated from it.

Precedence for every setting: command-line flag > environment variable > lift.yaml > default.
Flags and environment variables arrive here already merged as ``Overrides``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftcli.errors import ConfigError
from liftcli.yamlsafe import join_path, load_yaml_with_lines

CONFIG_FILENAME = "lift.yaml"
BLOCK = "dynamorm"


# --------------------------------------------------------------------------------------------
# Schema: declared as data so validation and documentation come from one place.


@dataclass(frozen=True)
class Key:
    """One configuration key. ``type`` is one of str, int, bool, list[str], map[str], choice."""

    type: str
    default: Any = None
    doc: str = ""
    choices: tuple[str, ...] = ()
    env: str | None = None  # environment variable that overrides it
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Section:
    keys: Mapping[str, Key | Section]
    doc: str = ""
    #: a map of NAME -> Section(entry) (environments), instead of fixed keys
    entry: Section | None = None


ENVIRONMENT = Section(
    doc="One named environment (local, dev, staging, live, ...).",
    keys={
        "region": Key("str", None, "AWS region of this environment's tables."),
        "profile": Key("str", None, "AWS named profile used for this environment."),
        "endpoint_url": Key(
            "str", None, "DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local."
        ),
        "table_prefix": Key(
            "str", "", "Prefix added to table names derived from a template or DynamORM's plural."
        ),
        "table_suffix": Key(
            "str", "", "Suffix added to table names derived from a template or DynamORM's plural."
        ),
        "tables": Key("map[str]", {}, "Explicit table name per model (model name -> table name)."),
        "env": Key(
            "map[str]",
            {},
            "Values of the environment variables models read in TableName() (VAR -> table name).",
        ),
        "protected": Key(
            "bool", False, "Refuse destructive or replace migration steps in this environment."
        ),
        "seed": Key(
            "list[str]",
            None,
            "Seed files `lift dynamorm test --env NAME` writes instead of test.seed (--seed still wins).",
        ),
    },
)

SCHEMA = Section(
    doc="Settings of lift dynamorm, in the `dynamorm:` block of lift.yaml.",
    keys={
        "models": Key(
            "list[str]",
            ["."],
            "Where models live: files, directories or globs (Go *.go and DMS *.yml/*.yaml/*.json).",
            env="LIFT_DYNAMORM_MODELS",
        ),
        "exclude": Key(
            "list[str]",
            [],
            "Globs of paths never read as models (vendor/, node_modules/, cdk.out/, .git/ are always skipped).",
        ),
        "include_models": Key("list[str]", [], "Only these model names (default: every model found)."),
        "exclude_models": Key("list[str]", [], "Model names to ignore."),
        "tag": Key(
            "choice",
            "dynamorm",
            "Struct tag key that declares models (`theorydb` for TableTheory projects).",
            choices=("dynamorm", "theorydb"),
        ),
        "naming": Key(
            "choice",
            "auto",
            "Attribute naming: auto (from the DynamORM version in go.mod), legacy (<v1.0.31: the Go "
            "field name), camelCase or snake_case (forced for every model).",
            choices=("auto", "legacy", "camelCase", "snake_case"),
        ),
        "dynamorm_version": Key(
            "str", None, "DynamORM version to follow instead of the one required in go.mod (e.g. v1.0.39)."
        ),
        "app": Key("str", None, "Application name used in table templates (default: lift.yaml app.name)."),
        "default_env": Key(
            "str", None, "Environment used when --env is not given.", env="LIFT_ENV"
        ),
        "tables": Section(
            doc="How table names are resolved for models whose TableName() reads an environment variable.",
            keys={
                "template": Key(
                    "str",
                    None,
                    "Template for such tables when the variable has no value: placeholders {app}, "
                    "{model}, {model_snake}, {model_kebab}, {plural}, {env}.",
                ),
                "names": Key("map[str]", {}, "Explicit table name per model, in every environment."),
                "env": Key("map[str]", {}, "Values of TableName() environment variables, in every environment."),
            },
        ),
        "environments": Section(keys={}, entry=ENVIRONMENT, doc="Named environments."),
        "local": Section(
            doc="The local DynamoDB server used by `local` and `test`.",
            keys={
                "backend": Key(
                    "choice",
                    "auto",
                    "docker, jar, embedded, or auto (docker if an engine answers, else jar, else embedded).",
                    choices=("auto", "docker", "jar", "embedded"),
                    env="LIFT_DYNAMORM_BACKEND",
                ),
                "port": Key("int", None, "Port to listen on (default: a free port).", minimum=0, maximum=65535),
                "jar": Key("str", None, "Path to DynamoDBLocal.jar.", env="DYNAMODB_LOCAL_JAR"),
                "java": Key("str", None, "Java executable (default: java on PATH or JAVA_HOME)."),
                "image": Key("str", "amazon/dynamodb-local:3.1.0", "Docker image (pinned tag)."),
                "persist": Key("str", None, "Directory to keep data in across restarts (default: in memory)."),
                "region": Key("str", None, "Region reported to clients (default: environment region or us-east-1)."),
                "delay_transient_statuses": Key(
                    "bool", False, "Make index creation take time, as on AWS (DynamoDB Local only)."
                ),
                "start_timeout": Key("int", 60, "Seconds to wait for the server to answer.", minimum=1),
            },
        ),
        "test": Section(
            doc="Defaults of `lift dynamorm test`.",
            keys={
                "command": Key("list[str]", ["go", "test", "./..."], "Command run against the local server."),
                "seed": Key("list[str]", [], "Seed files (YAML or JSON) written before the command runs."),
                "table_prefix": Key("str", None, "Prefix for tables whose name comes from an environment variable."),
                "keep": Key("bool", False, "Leave the server and tables running after the command."),
                "reuse": Key("bool", False, "Reuse a warm server between runs."),
            },
        ),
        "validate": Section(
            doc="Defaults of `lift dynamorm validate`.",
            keys={
                "fail_on": Key("choice", "error", "Lowest severity that fails.", choices=("error", "warning", "never")),
                "include_unmanaged": Key("bool", False, "Report tables no model claims."),
                "concurrency": Key("int", 16, "Tables checked at once.", minimum=1, maximum=64),
                "ignore": Section(
                    doc="Findings to ignore.",
                    keys={
                        "tables": Key("list[str]", [], "Table name globs never checked."),
                        "indexes": Key("list[str]", [], "Index names (or TABLE/INDEX globs) never reported."),
                        "settings": Key(
                            "list[str]",
                            [],
                            "Settings never reported: billing, stream, pitr, ttl, deletion_protection, table_class, sse.",
                        ),
                        "rules": Key("list[str]", [], "Rule ids never reported."),
                    },
                ),
            },
        ),
        "migrations": Section(
            doc="Migration files.",
            keys={
                "directory": Key("str", "migrations/dynamorm", "Where generate-migration writes files."),
                "state_directory": Key("str", ".lift/dynamorm", "Where migrate keeps progress for --resume."),
                "lock_table": Key(
                    "str",
                    None,
                    "DynamoDB table (on the target's endpoint) in which migrate takes a lease per "
                    "environment + endpoint, so runs on different machines (CI runners) do not apply "
                    "at once; created when missing. Unset: only the local lock in state_directory.",
                ),
            },
        ),
        "scaffold": Section(
            doc="Defaults of `lift dynamorm scaffold` and `init`.",
            keys={
                "models_dir": Key("str", "models", "Folder for new Go models."),
                "iac": Key(
                    "choice",
                    "cdk-go",
                    "Infrastructure code to generate.",
                    choices=("cdk-go", "cdk-ts", "cloudformation", "none"),
                ),
                "cdk_dir": Key("str", "cdk", "Folder of the CDK app."),
                "table_env": Key("str", None, "Default environment variable read by TableName()."),
            },
        ),
    },
)


def _schema_defaults(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, item in section.keys.items():
        if isinstance(item, Section):
            out[name] = {} if item.entry is not None else _schema_defaults(item)
        else:
            value = item.default
            out[name] = list(value) if isinstance(value, list) else (
                dict(value) if isinstance(value, dict) else value
            )
    return out


# --------------------------------------------------------------------------------------------
# Loaded configuration


@dataclass(frozen=True)
class ProjectConfig:
    """The validated ``dynamorm:`` block plus where it came from.

    ``data`` holds every key of SCHEMA with defaults filled in; ``lines`` maps dotted paths
    (``dynamorm.environments.dev.region``) to their line in ``path``.
    """

    root: Path
    path: Path | None
    data: Mapping[str, Any]
    lift: Mapping[str, Any] = field(default_factory=dict)  # the rest of lift.yaml (app, stages, ...)
    lines: Mapping[str, int] = field(default_factory=dict)

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node

    def where(self, dotted: str) -> str:
        """``lift.yaml:12`` for a key that was set in the file, else ``default``."""
        full = f"{BLOCK}.{dotted}"
        if self.path is not None and full in self.lines:
            return f"{self.path}:{self.lines[full]}"
        return "default"

    @property
    def app_name(self) -> str | None:
        explicit = self.data.get("app")
        if explicit:
            return str(explicit)
        app = self.lift.get("app")
        if isinstance(app, dict) and app.get("name"):
            return str(app["name"])
        return None

    @property
    def environments(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data["environments"]


def find_config(start: Path) -> Path | None:
    """The nearest ``lift.yaml`` in ``start`` or a parent directory (like git)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
    return None


def _suggest(name: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


def _check_value(key: Key, value: Any, dotted: str, fail: Any) -> Any:
    if value is None:
        return key.default if key.type not in ("list[str]", "map[str]") else _schema_defaults(
            Section({"x": key})
        )["x"]
    if key.type == "str":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            fail(dotted, f"expected a string, got {_type_name(value)}")
        return str(value)
    if key.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            fail(dotted, f"expected a whole number, got {_type_name(value)} {value!r}")
        if key.minimum is not None and value < key.minimum:
            fail(dotted, f"must be at least {key.minimum}, got {value}")
        if key.maximum is not None and value > key.maximum:
            fail(dotted, f"must be at most {key.maximum}, got {value}")
        return value
    if key.type == "bool":
        if not isinstance(value, bool):
            fail(dotted, f"expected true or false, got {_type_name(value)} {value!r}")
        return value
    if key.type == "choice":
        if not isinstance(value, str) or value not in key.choices:
            suggestion = _suggest(str(value), list(key.choices)) if isinstance(value, str) else None
            fail(
                dotted,
                f"expected one of {', '.join(key.choices)}; got {value!r}"
                + (f" ({suggestion})" if suggestion else ""),
            )
        return value
    if key.type == "list[str]":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            fail(dotted, f"expected a list of strings, got {_type_name(value)}")
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                fail(join_path(dotted, i), f"expected a string, got {_type_name(item)}")
        return [str(v) for v in value]
    if key.type == "map[str]":
        if not isinstance(value, dict):
            fail(dotted, f"expected a mapping of names to strings, got {_type_name(value)}")
        out = {}
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                fail(join_path(dotted, str(k)), f"expected a string, got {_type_name(v)}")
            out[str(k)] = str(v)
        return out
    raise AssertionError(f"unknown schema type {key.type}")  # pragma: no cover


def validate_block(
    raw: Any, *, source: str, lines: Mapping[str, int] | None = None, prefix: str = BLOCK
) -> dict[str, Any]:
    """Validate a ``dynamorm:`` block against SCHEMA; returns it with defaults filled in."""
    lines = lines or {}

    def line_of(dotted: str) -> int | None:
        return lines.get(dotted + "#key") or lines.get(dotted)

    def fail(dotted: str, message: str, hint: str | None = None) -> None:
        raise ConfigError(message, path=source, line=line_of(dotted), key=dotted, hint=hint)

    def walk(section: Section, value: Any, dotted: str) -> dict[str, Any]:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            fail(dotted, f"expected a mapping, got {_type_name(value)}")
        if section.entry is not None:
            out_entries: dict[str, Any] = {}
            for name, entry in value.items():
                if not isinstance(name, str) or not name:
                    fail(dotted, f"entry names must be non-empty strings, got {name!r}")
                out_entries[name] = walk(section.entry, entry, join_path(dotted, name))
            return out_entries
        out: dict[str, Any] = {}
        for name in value:
            child = join_path(dotted, str(name))
            if name not in section.keys:
                suggestion = _suggest(str(name), list(section.keys))
                fail(
                    child,
                    f"unknown key {name!r}" + (f" ({suggestion})" if suggestion else ""),
                    hint="Known keys here: " + ", ".join(sorted(section.keys)),
                )
        for name, item in section.keys.items():
            child = join_path(dotted, name)
            if isinstance(item, Section):
                out[name] = walk(item, value.get(name), child)
            else:
                out[name] = _check_value(item, value.get(name), child, fail)
        return out

    return walk(SCHEMA, raw, prefix)


def load_config(path: Path | None = None, *, cwd: Path | None = None) -> ProjectConfig:
    """Load the project configuration.

    Args:
        path: an explicit config file (``--config`` / ``LIFT_CONFIG``); must exist.
        cwd: where to start looking for ``lift.yaml`` when ``path`` is not given.

    Raises:
        ConfigError: the file cannot be read, is not valid YAML, or has a bad value.
    """
    cwd = (cwd or Path.cwd()).resolve()
    if path is None:
        path = find_config(cwd)
        if path is None:
            return ProjectConfig(root=cwd, path=None, data=validate_block({}, source="defaults"))
    elif not path.exists():
        raise ConfigError(
            "config file not found",
            path=str(path),
            hint="Check --config / LIFT_CONFIG, or run `lift dynamorm init` to create lift.yaml.",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", path=str(path)) from None
    display = _display_path(path, cwd)
    document, lines = load_yaml_with_lines(text, display)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(
            f"expected a mapping at the top level, got {_type_name(document)}", path=display, line=1
        )
    block = document.get(BLOCK)
    data = validate_block(block, source=display, lines=lines)
    lift = {k: v for k, v in document.items() if k != BLOCK}
    return ProjectConfig(root=path.resolve().parent, path=path.resolve(), data=data, lift=lift, lines=lines)


def _display_path(path: Path, cwd: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), cwd)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


# --------------------------------------------------------------------------------------------
# Effective settings: config + environment + flags


@dataclass(frozen=True)
class Overrides:
    """Values given on the command line (None = not given)."""

    env: str | None = None
    models: tuple[str, ...] = ()
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True)
class Settings:
    """What a command runs with, after precedence. ``sources`` says where each value came from."""

    config: ProjectConfig
    env_name: str | None
    region: str | None
    profile: str | None
    endpoint_url: str | None
    model_paths: tuple[str, ...]
    environment: Mapping[str, Any]
    sources: Mapping[str, str]
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        return self.config.root


def resolve_settings(
    config: ProjectConfig, overrides: Overrides, environ: Mapping[str, str] | None = None
) -> Settings:
    """Apply flag > environment variable > lift.yaml > default to the shared settings."""
    environ = dict(os.environ if environ is None else environ)
    sources: dict[str, str] = {}

    def pick(name: str, flag: Any, env_vars: tuple[str, ...], file_value: Any, file_where: str) -> Any:
        if flag not in (None, ()):
            sources[name] = "command line"
            return flag
        for var in env_vars:
            if environ.get(var):
                sources[name] = f"environment variable {var}"
                return environ[var]
        if file_value not in (None, "", [], ()):
            sources[name] = file_where
            return file_value
        sources[name] = "default"
        return None

    env_name = pick("env", overrides.env, ("LIFT_ENV",), config.data["default_env"], config.where("default_env"))
    environments = config.environments
    environment: Mapping[str, Any]
    if env_name is not None:
        if env_name not in environments:
            known = sorted(environments)
            suggestion = _suggest(env_name, known)
            raise ConfigError(
                f"unknown environment {env_name!r}"
                + (f" ({suggestion})" if suggestion else "")
                + (f"; defined: {', '.join(known)}" if known else "; no environments are defined"),
                path=str(config.path) if config.path else None,
                hint="Add it under dynamorm.environments in lift.yaml, or pick another with --env.",
            )
        environment = environments[env_name]
        env_where = config.where(f"environments.{env_name}")
    else:
        environment = _schema_defaults(ENVIRONMENT)
        env_where = "default"

    region = pick(
        "region", overrides.region, ("AWS_REGION", "AWS_DEFAULT_REGION"), environment.get("region"), env_where
    )
    profile = pick("profile", overrides.profile, ("AWS_PROFILE",), environment.get("profile"), env_where)
    endpoint = pick(
        "endpoint_url",
        overrides.endpoint_url,
        ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"),
        environment.get("endpoint_url"),
        env_where,
    )
    models_env = environ.get("LIFT_DYNAMORM_MODELS")
    if overrides.models:
        model_paths = tuple(overrides.models)
        sources["models"] = "command line"
    elif models_env:
        model_paths = tuple(p for p in models_env.split(os.pathsep) if p)
        sources["models"] = "environment variable LIFT_DYNAMORM_MODELS"
    else:
        model_paths = tuple(config.data["models"])
        sources["models"] = config.where("models")
    return Settings(
        config=config,
        env_name=env_name,
        region=region,
        profile=profile,
        endpoint_url=endpoint,
        model_paths=model_paths,
        environment=environment,
        sources=sources,
        environ=environ,
    )


# --------------------------------------------------------------------------------------------
# Reference documentation (docs/configuration.md is generated from SCHEMA)


def _default_text(key: Key) -> str:
    if key.default in (None, "", [], {}):
        return "—"
    if isinstance(key.default, list):
        return "`[" + ", ".join(key.default) + "]`"
    if isinstance(key.default, bool):
        return f"`{str(key.default).lower()}`"
    return f"`{key.default}`"


def reference_markdown() -> str:
    """A Markdown table of every key of SCHEMA (docs/configuration.md embeds it)."""
    rows = ["| key | type | default | env var | meaning |", "| --- | --- | --- | --- | --- |"]

    def walk(section: Section, prefix: str) -> None:
        for name, item in section.keys.items():
            dotted = f"{prefix}.{name}"
            if isinstance(item, Section):
                if item.entry is not None:
                    rows.append(f"| `{dotted}.NAME` | mapping | — | — | {item.doc} |")
                    walk(item.entry, f"{dotted}.NAME")
                else:
                    walk(item, dotted)
                continue
            kind = "one of " + ", ".join(f"`{c}`" for c in item.choices) if item.choices else item.type
            env = f"`{item.env}`" if item.env else "—"
            rows.append(f"| `{dotted}` | {kind} | {_default_text(item)} | {env} | {item.doc} |")

    walk(SCHEMA, BLOCK)
    return "\n".join(rows) + "\n"
