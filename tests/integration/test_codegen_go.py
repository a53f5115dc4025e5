"""Generated Go: gofmt-clean, models compile with the Go toolchain, DynamORM calls exist.

Tools: scripts/setup/codegen-tools.sh installs go/gofmt. With CI=true a missing tool fails the
test; locally it skips with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from liftcli.dynamorm.importer import TableSnapshot, infer_model
from liftcli.scaffold.importgen import go_source
from tests.conftest import skip_or_fail
from tests.unit.test_scaffold_golden import CASES, scaffold_files

SETUP = "scripts/setup/codegen-tools.sh"

# Every DynamORM identifier the templates use, checked by hand against pay-theory/dynamorm v1.3.0
# (dynamorm.go, pkg/core/interfaces.go, pkg/session/session.go, pkg/errors/errors.go). The test
# asserts generated code uses nothing else, without needing the DynamORM source at test time.
DYNAMORM_PACKAGES = {
    "github.com/pay-theory/dynamorm": ("dynamorm", {"New"}),
    "github.com/pay-theory/dynamorm/pkg/core": ("core", {"DB", "ExtendedDB"}),
    "github.com/pay-theory/dynamorm/pkg/session": ("session", {"Config"}),
    "github.com/pay-theory/dynamorm/pkg/errors": ("dynamormerrors", {"IsNotFound", "IsConditionFailed"}),
}
# Methods of core.DB / core.ExtendedDB / core.Query / core.UpdateBuilder at v1.3.0.
DYNAMORM_METHODS = {
    "Model",
    "WithContext",
    "CreateTable",
    "DeleteTable",  # DB / ExtendedDB
    "Where",
    "Index",
    "OrderBy",
    "IfNotExists",
    "First",
    "All",
    "Create",
    "Update",
    "Delete",
    "UpdateBuilder",
    "Add",
    "Set",
    "ExecuteWithResult",  # UpdateBuilder
}
SESSION_CONFIG_FIELDS = {"Region", "Endpoint"}
# Standard library calls the templates make.
STDLIB_METHODS = {
    "Skip",
    "Setenv",
    "Fatalf",
    "Cleanup",
    "Getenv",
    "Sprintf",
    "Now",
    "Unix",
    "UnixNano",
    "Add",
    "Date",
    "UTC",
    "Equal",
    "New",
    "Short",
    "Background",
}


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is not installed; run {SETUP}"
    skip_or_fail(message)


def all_generated(tmp_path: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for case, request in sorted(CASES.items()):
        root = tmp_path / case
        root.mkdir(parents=True)
        for path, content in scaffold_files(root, request).items():
            files[f"{case}/{path}"] = content
    return files


def imported_model_source() -> str:
    snapshot = TableSnapshot(
        {
            "TableName": "shop-orders",
            "AttributeDefinitions": [
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
        },
        {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"},
        (
            {
                "PK": {"S": "a"},
                "SK": {"S": "b"},
                "createdAt": {"S": "2024-01-02T03:04:05Z"},
                "n": {"N": "1.5"},
                "tags": {"SS": ["x"]},
                "meta": {"M": {}},
                "items": {"L": []},
                "ok": {"BOOL": True},
                "expiresAt": {"N": "1900000000"},
            },
        ),
    )
    return go_source(infer_model(snapshot), "models")


def test_generated_go_is_gofmt_clean(tmp_path: Path) -> None:
    gofmt = require("gofmt")
    files = {k: v for k, v in all_generated(tmp_path / "gen").items() if k.endswith(".go")}
    files["imported/models/order.go"] = imported_model_source()
    out = tmp_path / "check"
    for rel, content in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(content)
    result = subprocess.run([gofmt, "-l", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", f"not gofmt-clean:\n{result.stdout}"
    # -e reports syntax errors gofmt -l would only print to stderr
    result = subprocess.run([gofmt, "-e", "-d", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr


def test_generated_models_compile(tmp_path: Path) -> None:
    go = require("go")
    module = tmp_path / "mod"
    (module / "models").mkdir(parents=True)
    (module / "go.mod").write_text("module example.com/gen\n\ngo 1.19\n")
    generated = all_generated(tmp_path / "gen")
    count = 0
    for case in sorted(CASES):
        for rel, content in generated.items():
            if (
                rel.startswith(f"{case}/")
                and re.match(r"^[^/]+/models/[a-z_]+\.go$", rel)
                and not rel.endswith(("_repository.go", "_db.go", "_test.go"))
            ):
                package_dir = module / case.replace("-", "")
                package_dir.mkdir(exist_ok=True)
                text = content.replace("package models", f"package {case.replace('-', '')}")
                (package_dir / Path(rel).name).write_text(text)
                count += 1
    (module / "models" / "imported.go").write_text(imported_model_source())
    assert count >= len(CASES)
    env = {
        **os.environ,
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "GOCACHE": str(tmp_path / "gocache"),
        "GOPATH": str(tmp_path / "gopath"),
        "GO111MODULE": "on",
    }
    for args in (["vet", "./..."], ["build", "./..."]):
        result = subprocess.run([go, *args], cwd=module, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"go {' '.join(args)} failed:\n{result.stdout}{result.stderr}"


def test_generated_code_uses_only_real_dynamorm_api(tmp_path: Path) -> None:
    generated = all_generated(tmp_path)
    checked = 0
    for rel, content in generated.items():
        if not rel.endswith(".go") or "/cdk/" in rel:
            continue
        aliases = {}
        for alias, path in re.findall(
            r'^\s*(?:(\w+)\s+)?"(github\.com/pay-theory/dynamorm[^"]*)"', content, re.M
        ):
            assert path in DYNAMORM_PACKAGES, f"{rel}: imports unknown DynamORM package {path}"
            name, _known = DYNAMORM_PACKAGES[path]
            aliases[alias or path.rsplit("/", 1)[-1]] = path
            assert (alias or path.rsplit("/", 1)[-1]) == name, f"{rel}: unexpected alias for {path}"
        for alias, path in aliases.items():
            for ident in re.findall(rf"\b{alias}\.([A-Za-z_]\w*)", content):
                assert ident in DYNAMORM_PACKAGES[path][1], (
                    f"{rel}: {alias}.{ident} is not in DynamORM v1.3.0"
                )
        if "session.Config{" in content:
            fields = re.findall(r"session\.Config\{([^}]*)\}", content)[0]
            assert {k.strip() for k in re.findall(r"(\w+):", fields)} <= SESSION_CONFIG_FIELDS
        content = re.sub(r"//[^\n]*", "", content)  # comments may mention anything
        qualified = {i for _, (_, idents) in DYNAMORM_PACKAGES.items() for i in idents}
        defined = set(re.findall(r"^func (?:\([^)]*\) )?(\w+)\(", content, re.M))
        for other in generated.values():
            defined |= set(re.findall(r"^func (?:\([^)]*\) )?(\w+)\(", other, re.M))
        for method in re.findall(r"\.([A-Z]\w*)\(", content):
            assert method in DYNAMORM_METHODS | STDLIB_METHODS | defined | qualified, (
                f"{rel}: .{method}() is neither DynamORM v1.3.0 API nor defined by the scaffold"
            )
        checked += 1
    assert checked >= 20
