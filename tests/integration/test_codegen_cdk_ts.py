"""The generated CDK TypeScript compiles and synthesizes with aws-cdk-lib, and its table equals
`lift dynamorm inspect --format create-table` for the same model (plus TTL, PITR, RETAIN).

Tools: scripts/setup/codegen-tools.sh (node, npm and .cache/cdk-ts with aws-cdk-lib, constructs,
typescript). With CI=true anything missing fails the test; locally it skips with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.scaffold.design import ScaffoldRequest
from tests.conftest import skip_or_fail
from tests.helpers import run_cdk_ts_app
from tests.unit.test_scaffold_golden import scaffold_files

SETUP = "scripts/setup/codegen-tools.sh"
REPO = Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    cache = Path(os.environ.get("LIFT_CDK_TS_CACHE") or REPO / ".cache" / "cdk-ts")
    missing = [
        p
        for p in ("aws-cdk-lib/package.json", "constructs/package.json", "typescript/bin/tsc")
        if not (cache / "node_modules" / p).is_file()
    ]
    node = shutil.which("node")
    if missing or node is None:
        message = (
            f"CDK TypeScript toolchain missing ({'node' if node is None else ', '.join(missing)} "
            f"in {cache}); run {SETUP}"
        )
        skip_or_fail(message)
    return cache


def normalise(request: dict) -> dict:  # type: ignore[type-arg]
    out = {k: v for k, v in request.items() if k != "TableName"}
    out["AttributeDefinitions"] = sorted(out["AttributeDefinitions"], key=lambda d: d["AttributeName"])
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in out:
            out[key] = sorted(out[key], key=lambda i: i["IndexName"])
    return out


def inspect_create_table(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        lift_group, ["dynamorm", "inspect", "--format", "create-table", "--models", "models"]
    )
    assert result.exit_code == 0, result.output
    requests = json.loads(result.stdout)
    assert len(requests) == 1
    return requests[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    "request_",
    [
        ScaffoldRequest(
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
        ScaffoldRequest(preset="idempotency", iac="cdk-ts", parts=("model", "iac")),
    ],
    ids=["order-multi-tenant", "idempotency"],
)
def test_cdk_ts_synthesizes_the_inspected_table(
    request_: ScaffoldRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = cache_dir()
    project = tmp_path / "project"
    project.mkdir()
    files = scaffold_files(project, request_)
    for rel, content in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(content)
    expected = inspect_create_table(project, monkeypatch)
    ts_rel = next(p for p in files if p.endswith(".ts"))
    name = request_.model or "IdempotencyRecord"
    app = project / "cdk"
    (app / "bin").mkdir(parents=True, exist_ok=True)
    (app / "bin" / "app.ts").write_text(
        "import { App, Stack } from 'aws-cdk-lib';\n"
        "import * as lambda from 'aws-cdk-lib/aws-lambda';\n"
        f"import {{ {name}Table }} from '../lib/{Path(ts_rel).stem}';\n"
        "const app = new App();\n"
        "const stack = new Stack(app, 'Test');\n"
        f"const table = new {name}Table(stack, 'Models');\n"
        "const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, "
        "handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 0;') });\n"
        "table.bind(fn);\n"
        + ("table.grantTenantAccess(fn);\n" if request_.multi_tenant else "")
        + "const template = app.synth().getStackByName('Test').template;\n"
        "console.log(JSON.stringify(template));\n"
    )
    template = run_cdk_ts_app(app, cache)
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 1
    table = tables[0]
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    props = dict(table["Properties"])
    assert props.pop("PointInTimeRecoverySpecification") == {"PointInTimeRecoveryEnabled": True}
    ttl = props.pop("TimeToLiveSpecification", None)
    want_ttl = "ttl"
    assert ttl == {"AttributeName": want_ttl, "Enabled": True}
    assert normalise(props) == normalise(expected)
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    leading = [s for s in statements if "Condition" in s]
    if request_.multi_tenant:
        assert leading and leading[0]["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == [
            "${aws:PrincipalTag/TenantID}"
        ]
    else:
        assert not leading
