"""Golden files for every scaffold template and preset (LIFT_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftcli.config import Overrides, load_config, resolve_settings
from liftcli.scaffold.design import ScaffoldRequest
from liftcli.scaffold.generate import scaffold

GO_MOD = "module example.com/shop\n\ngo 1.22\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n"

CASES = {
    "crud-cdk-go": ScaffoldRequest(
        model="Order",
        pk="ID",
        multi_tenant=True,
        gsis=("gsi-status:Status:CreatedAt",),
        lsis=("lsi-total:Total",),
        fields=("Total:float64", "Tags:stringset", "Note:string"),
        ttl=True,
        version=True,
        iac="cdk-go",
    ),
    "crud-cdk-ts": ScaffoldRequest(
        model="Order",
        pk="ID",
        multi_tenant=True,
        gsis=("gsi-status:Status:CreatedAt",),
        lsis=("lsi-total:Total",),
        fields=("Total:float64",),
        ttl=True,
        iac="cdk-ts",
        parts=("model", "iac"),
    ),
    "crud-cloudformation": ScaffoldRequest(
        model="Order",
        pk="ID",
        multi_tenant=True,
        gsis=("gsi-status:Status:CreatedAt",),
        lsis=("lsi-total:Total",),
        fields=("Total:float64",),
        ttl=True,
        iac="cloudformation",
        parts=("model", "iac"),
    ),
    "crud-simple": ScaffoldRequest(model="Customer", pk="Email:string", timestamps=False, iac="none"),
    "rate-limit": ScaffoldRequest(preset="rate-limit", iac="cloudformation"),
    "idempotency": ScaffoldRequest(preset="idempotency", iac="cdk-ts"),
    "event-store": ScaffoldRequest(preset="event-store", iac="cdk-go"),
}


def scaffold_files(root: Path, request: ScaffoldRequest, lift_yaml: str | None = None) -> dict[str, str]:
    (root / "go.mod").write_text(GO_MOD)
    if lift_yaml:
        (root / "lift.yaml").write_text(lift_yaml)
    settings = resolve_settings(load_config(cwd=root), Overrides())
    result = scaffold(request, settings)
    return {f.path: f.content for f in result.plan.files if f.content is not None}


@pytest.mark.parametrize("case", sorted(CASES))
def test_scaffold_golden(case: str, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    files = scaffold_files(tmp_path, CASES[case])
    assert files
    for path, content in sorted(files.items()):
        golden(f"scaffolds/{case}/{path}", content)


def test_snake_case_project_golden(tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    files = scaffold_files(
        tmp_path,
        ScaffoldRequest(model="UserProfile", pk="UserID", parts=("model",)),
        lift_yaml="dynamorm:\n  naming: snake_case\n  scaffold:\n    models_dir: internal/models\n",
    )
    assert list(files) == ["internal/models/user_profile.go"]
    golden("scaffolds/snake-case/internal/models/user_profile.go", files["internal/models/user_profile.go"])
    assert '_         struct{}  `dynamorm:"naming:snake_case"`' in files["internal/models/user_profile.go"]
