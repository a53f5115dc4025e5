"""``lift dynamorm init``: detect the project, then plan lift.yaml, compose, CI and a sample model.

Everything is create-if-missing or merge: lift.yaml and docker-compose.yml get missing keys
added with ruamel.yaml's round-trip mode (the user's keys, order and comments stay), other
files that exist are left alone unless ``force``. So running init twice changes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftcli.config import CONFIG_FILENAME, Settings
from liftcli.dynamorm.gomod import DYNAMORM_MODULE, find_go_mod
from liftcli.errors import ConfigError
from liftcli.scaffold.plan import FileOutput, Plan, check_relative_path, plan
from liftcli.scaffold.render import load_manifest, render

SCAFFOLD = "init"
LOCAL_IMAGE = "amazon/dynamodb-local:3.1.0"
LOCAL_SERVICE = "dynamodb-local"
LOCAL_ENDPOINT = "http://localhost:8000"
SAMPLE_MODEL = "Note"
NEWEST_DYNAMORM = "v1.3.0"


@dataclass(frozen=True)
class ProjectInfo:
    root: Path
    go_module: str | None
    dynamorm_version: str | None
    lift_yaml: Path | None
    cdk_dir: str | None  # an existing CDK folder
    cdk_language: str | None  # go | ts
    model_count: int

    def summary(self) -> list[str]:
        return [
            f"Go module: {self.go_module or 'none (no go.mod)'}",
            f"DynamORM: {self.dynamorm_version or 'not required in go.mod'}",
            f"lift.yaml: {'found' if self.lift_yaml else 'none (will be created)'}",
            f"CDK app: {self.cdk_dir + ' (' + (self.cdk_language or '?') + ')' if self.cdk_dir else 'none'}",
            f"models found: {self.model_count}",
        ]


@dataclass(frozen=True)
class InitRequest:
    models_dir: str | None = None
    iac: str | None = None
    sample: bool = True
    ci: bool = True
    compose: bool = True


@dataclass(frozen=True)
class InitResult:
    info: ProjectInfo
    plan: Plan
    next_steps: tuple[str, ...] = field(default=())


def detect_project(settings: Settings) -> ProjectInfo:
    from liftcli.dynamorm.project import load_project

    root = settings.root
    gomod = find_go_mod(root)
    cdk_rel = settings.config.data["scaffold"]["cdk_dir"]
    cdk = root / cdk_rel
    language = None
    if (cdk / "go.mod").is_file() or any(cdk.glob("*.go")):
        language = "go"
    elif (cdk / "package.json").is_file() or (cdk / "cdk.json").is_file():
        language = "ts"
    try:
        models = len(load_project(settings, cwd=root).models)
    except Exception:  # noqa: BLE001 - a broken models setting still allows init to run
        models = 0
    return ProjectInfo(
        root=root,
        go_module=gomod.module if gomod else None,
        dynamorm_version=gomod.version_of(DYNAMORM_MODULE) if gomod else None,
        lift_yaml=settings.config.path,
        cdk_dir=cdk_rel if cdk.is_dir() else None,
        cdk_language=language,
        model_count=models,
    )


def default_iac(info: ProjectInfo) -> str:
    if info.cdk_language == "ts":
        return "cdk-ts"
    if info.cdk_language == "go" or info.lift_yaml is not None:
        return "cdk-go"  # Lift's default: cdk/ is a Go module
    return "none"  # an old-style project without lift.yaml gets no cdk/ (lift-conventions.md)


def init_project(request: InitRequest, settings: Settings, *, force: bool = False) -> InitResult:
    """Plan every file of ``init`` (nothing is written)."""
    info = detect_project(settings)
    scaffold_cfg = settings.config.data["scaffold"]
    models_dir = check_relative_path(request.models_dir or scaffold_cfg["models_dir"])
    iac = request.iac or (
        scaffold_cfg["iac"] if _set_in_file(settings, "scaffold.iac") else default_iac(info)
    )
    manifest = load_manifest(SCAFFOLD)
    paths = {f.part: f.path for f in manifest.files}
    models_list = [models_dir] if not info.model_count else list(settings.config.data["models"])
    ctx = {
        "models_dir": models_dir,
        "models_list": models_list,
        "iac": iac,
        "cdk_dir": scaffold_cfg["cdk_dir"],
        "image": LOCAL_IMAGE,
        "service": LOCAL_SERVICE,
        "endpoint": LOCAL_ENDPOINT,
    }
    outputs = [_lift_yaml(settings, render(SCAFFOLD, "lift.yaml.j2", ctx), paths["config"])]
    if request.compose:
        outputs.append(
            _compose(settings.root, paths["compose"], render(SCAFFOLD, "docker-compose.yml.j2", ctx))
        )
    if request.ci:
        outputs.append(
            FileOutput(paths["ci"], render(SCAFFOLD, "dynamorm-workflow.yml.j2", ctx), keep_existing=True)
        )
    notes: list[str] = []
    if request.sample:
        outputs.extend(_sample(info, settings, models_dir, notes))
    return InitResult(
        info=info,
        plan=plan(settings.root, outputs, force=force, notes=notes),
        next_steps=tuple(_next_steps(info, request)),
    )


def _set_in_file(settings: Settings, dotted: str) -> bool:
    return settings.config.where(dotted) != "default"


# --------------------------------------------------------------------------------------------
# YAML merges (ruamel round trip keeps comments, order and quoting)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _load(yaml: Any, text: str, path: str) -> Any:
    from ruamel.yaml.error import YAMLError

    try:
        return yaml.load(text)
    except YAMLError as exc:
        raise ConfigError(
            f"cannot merge into it: not valid YAML ({exc})".splitlines()[0],
            path=path,
            hint="Fix the file (or move it away) and run init again.",
        ) from None


def _dump(yaml: Any, document: Any) -> str:
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _add_missing(target: Any, defaults: Any) -> bool:
    """Copy keys of ``defaults`` missing in ``target`` (recursively into mappings)."""
    from ruamel.yaml.comments import CommentedMap

    changed = False
    for key, value in defaults.items():
        if key not in target or target[key] is None:
            target[key] = value
            changed = True
        elif isinstance(target[key], CommentedMap) and isinstance(value, CommentedMap):
            changed = _add_missing(target[key], value) or changed
    return changed


def _lift_yaml(settings: Settings, fresh: str, rel: str) -> FileOutput:
    path = settings.config.path
    if path is None:
        return FileOutput(rel, fresh)
    rel_path = path.relative_to(settings.root).as_posix()
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return FileOutput(rel_path, fresh, merge=True)
    yaml = _yaml()
    document = _load(yaml, text, str(path))
    if not hasattr(document, "items"):
        raise ConfigError("cannot add the dynamorm block: the file is not a mapping", path=str(path))
    changed = _add_missing(document, yaml.load(fresh))
    return FileOutput(rel_path, _dump(yaml, document) if changed else text, merge=True)


def _compose(root: Path, rel: str, fresh: str) -> FileOutput:
    path = root / rel
    if not path.is_file():
        return FileOutput(rel, fresh)
    text = path.read_text(encoding="utf-8")
    yaml = _yaml()
    document = _load(yaml, text, rel)
    wanted = yaml.load(fresh)
    if document is None or not hasattr(document, "items"):
        return FileOutput(rel, fresh, keep_existing=True)
    services = document.get("services") or {}
    for service in services.values() if hasattr(services, "values") else ():
        image = str((service or {}).get("image", "")) if hasattr(service, "get") else ""
        if image.startswith("amazon/dynamodb-local"):
            return FileOutput(rel, text)  # already has DynamoDB Local: leave it (identical)
    if "services" not in document or document["services"] is None:
        document["services"] = wanted["services"]
    else:
        document["services"][LOCAL_SERVICE] = wanted["services"][LOCAL_SERVICE]
    return FileOutput(rel, _dump(yaml, document), merge=True)


# --------------------------------------------------------------------------------------------
# Sample model


def _sample(info: ProjectInfo, settings: Settings, models_dir: str, notes: list[str]) -> list[FileOutput]:
    from liftcli.scaffold.design import ScaffoldRequest, design_model
    from liftcli.scaffold.generate import build_outputs, project_layout

    if info.model_count:
        notes.append(f"no sample model: the project already has {info.model_count} model(s)")
        return []
    layout = project_layout(settings, models_dir=models_dir, iac="none")
    parts: tuple[str, ...] = ("model",)
    if info.dynamorm_version:
        parts = ("model", "repository", "test")
    design = design_model(
        ScaffoldRequest(model=SAMPLE_MODEL, pk="ID:string", fields=("Title:string", "Body:string")),
        convention=layout.convention,
        naming_token=layout.naming_token,
        dynamorm_version=layout.dynamorm_version,
        default_env=layout.table_env,
    )
    outputs, _model, _notes = build_outputs(design, layout, parts)
    return [FileOutput(o.path, o.content, keep_existing=True) for o in outputs]


def _next_steps(info: ProjectInfo, request: InitRequest) -> list[str]:
    steps = []
    if request.compose:
        steps.append(f"docker compose up -d {LOCAL_SERVICE}    # DynamoDB Local on 127.0.0.1:8000")
    if info.go_module is None:
        steps.append("go mod init <module>    # lift dynamorm reads go.mod for the DynamORM version")
    if info.dynamorm_version is None:
        steps.append(f"go get {DYNAMORM_MODULE}@{NEWEST_DYNAMORM}")
    steps.append(
        "lift dynamorm scaffold --model Order --pk ID --gsi gsi-status:Status    # a model and its table"
    )
    steps.append("lift dynamorm inspect    # the tables your models imply")
    steps.append("lift dynamorm test       # go test against DynamoDB Local")
    return steps


__all__ = ["CONFIG_FILENAME", "InitRequest", "InitResult", "ProjectInfo", "detect_project", "init_project"]
