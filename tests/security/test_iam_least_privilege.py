"""The tenant IAM policy of `lift dynamorm scaffold --multi-tenant` is least privilege.

For each IaC flavour (cdk-go, cdk-ts, cloudformation) the CLI scaffolds a multi-tenant model in a
temporary project; the policy statement is read back from the generated file (the CloudFormation
YAML; the `PolicyStatement` literals of the CDK Go/TS source; and, when the npm cache of
scripts/setup/codegen-tools.sh exists, the CloudFormation that the CDK TS app synthesizes) and
checked with a small IAM evaluator (below) that implements what these policies use: Allow/Deny,
action and resource wildcards, policy variables, and the condition operators
ForAllValues:/ForAnyValue:StringEquals, StringEquals and Null (anything else fails the test, so a
new operator cannot slip through unevaluated).

"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from liftcli.cli import lift_group
from tests.conftest import skip_or_fail
from tests.helpers import GO_MOD, run_cdk_ts_app

REPO = Path(__file__).resolve().parents[2]
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
OTHER_TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Payments"
TENANT_VAR = "${aws:PrincipalTag/TenantID}"

#: what the generated repository (Create/Get/Update/Delete/List/Query-by-index, preset methods,
#: DynamORM batch and transaction helpers) needs; nothing else may be allowed.
NEEDED_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
}
#: never on a tenant policy: Scan has no leading key, so ForAllValues would let it read every
#: tenant; PartiQL and exports/streams bypass item keys; the rest is table management.
FORBIDDEN_ACTIONS = [
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
    "dynamodb:ExecuteStatement",
    "dynamodb:ExportTableToPointInTime",
    "dynamodb:GetRecords",
    "dynamodb:CreateTable",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:CreateBackup",
    "dynamodb:RestoreTableFromBackup",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:TagResource",
    "dynamodb:PutResourcePolicy",
]

SCAFFOLD_ARGS = [
    "scaffold",
    "--model",
    "Order",
    "--pk",
    "ID",
    "--field",
    "Status:string",
    "--field",
    "CreatedAt:time",
    "--gsi",
    "gsi-status:Status",
    "--gsi",
    "gsi-tenant-created:TenantID:CreatedAt",
    "--lsi",
    "lsi-created:CreatedAt",
    "--multi-tenant",
    "--yes",
]
IAC_FILES = {
    "cloudformation": "cloudformation/order-table.yaml",
    "cdk-ts": "cdk/lib/order-table.ts",
    "cdk-go": "cdk/tables/order_table.go",
}


# ---------------------------------------------------------------------------------------------
# A small IAM policy evaluator
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    leading_keys: tuple[str, ...] | None  # None: the request has no dynamodb:LeadingKeys key
    principal_tags: Mapping[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, list[str]]:
        ctx = {f"aws:PrincipalTag/{k}": [v] for k, v in self.principal_tags.items()}
        if self.leading_keys is not None:
            ctx["dynamodb:LeadingKeys"] = list(self.leading_keys)
        return ctx


_UNRESOLVED = object()  # a policy variable the request cannot fill: matches nothing


def _wildcard(pattern: str, value: str, *, case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _substitute(value: str, request: Request) -> object:
    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        values = request.context().get(key)
        if not values:
            raise LookupError(key)
        return values[0]

    try:
        return re.sub(r"\$\{([^}]+)\}", one, value)
    except LookupError:
        return _UNRESOLVED


def _condition_holds(operator: str, key: str, wanted: Any, request: Request) -> bool:
    wanted_list = wanted if isinstance(wanted, list) else [wanted]
    present = request.context().get(key)
    if operator == "Null":
        want_null = str(wanted_list[0]).lower() == "true"
        return (not present) == want_null
    allowed = [_substitute(str(w), request) for w in wanted_list]
    if operator == "ForAllValues:StringEquals":
        return all(v in allowed for v in (present or []))  # vacuously true without the key
    if operator == "ForAnyValue:StringEquals":
        return any(v in allowed for v in (present or []))
    if operator == "StringEquals":
        return bool(present) and len(present) == 1 and present[0] in allowed
    raise NotImplementedError(f"condition operator {operator!r} is not modelled by this evaluator")


def _matches(statement: Statement, request: Request) -> bool:
    if not any(_wildcard(a, request.action, case=False) for a in statement.actions):
        return False
    if not any(_wildcard(r, request.resource, case=True) for r in statement.resources):
        return False
    return all(
        _condition_holds(operator, key, wanted, request)
        for operator, block in statement.condition.items()
        for key, wanted in block.items()
    )


def decide(statements: Sequence[Statement], request: Request) -> str:
    """'allow', 'deny' (explicit) or 'implicit-deny', as IAM decides within one identity policy."""
    matching = [s for s in statements if _matches(s, request)]
    if any(s.effect == "Deny" for s in matching):
        return "deny"
    return "allow" if any(s.effect == "Allow" for s in matching) else "implicit-deny"


def allowed(statements: Sequence[Statement], request: Request) -> bool:
    return decide(statements, request) == "allow"


def test_the_evaluator_itself() -> None:
    """ForAllValues is vacuously true without the key: the reason Scan must never be allowed."""
    policy = [
        Statement(
            "Allow",
            ("dynamodb:*",),
            (TABLE_ARN,),
            {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [TENANT_VAR]}},
        )
    ]
    a = {"TenantID": "acme"}
    assert allowed(policy, Request("dynamodb:GetItem", TABLE_ARN, ("acme",), a))
    assert not allowed(policy, Request("dynamodb:GetItem", TABLE_ARN, ("globex",), a))
    assert not allowed(policy, Request("dynamodb:BatchGetItem", TABLE_ARN, ("acme", "globex"), a))
    assert allowed(policy, Request("dynamodb:Scan", TABLE_ARN, None, a))  # the ForAllValues trap
    assert not allowed(policy, Request("dynamodb:GetItem", TABLE_ARN, (TENANT_VAR,), {}))  # no tag
    assert not allowed(policy, Request("dynamodb:GetItem", OTHER_TABLE_ARN, ("acme",), a))
    deny = [*policy, Statement("Deny", ("dynamodb:GetItem",), ("*",))]
    assert decide(deny, Request("dynamodb:GetItem", TABLE_ARN, ("acme",), a)) == "deny"
    with pytest.raises(NotImplementedError):
        allowed(
            [Statement("Allow", ("*",), ("*",), {"StringLike": {"x": "y"}})],
            Request("dynamodb:GetItem", TABLE_ARN, ("acme",), a),
        )


# ---------------------------------------------------------------------------------------------
# Reading the statements back from each generated file
# ---------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _cfn_resource(expr: Any, table_logical_ids: set[str]) -> str:
    """A CloudFormation Resource expression as an ARN (only the scaffolded table resolves)."""
    if isinstance(expr, str):
        return expr
    if isinstance(expr, dict) and len(expr) == 1:
        ((fn, arg),) = expr.items()
        if fn == "Fn::GetAtt" and isinstance(arg, list) and arg[1] == "Arn" and arg[0] in table_logical_ids:
            return TABLE_ARN
        if fn == "Fn::Sub" and isinstance(arg, str):

            def sub(m: re.Match[str]) -> str:
                logical, _, attr = m.group(1).partition(".")
                assert logical in table_logical_ids and attr == "Arn", f"unexpected ${{{m.group(1)}}}"
                return TABLE_ARN

            return re.sub(r"\$\{([^}!]+)\}", sub, arg)
        if fn == "Fn::Join" and arg[0] == "":
            return "".join(_cfn_resource(part, table_logical_ids) for part in arg[1])
    raise AssertionError(f"resource expression not limited to the table: {expr!r}")


def _cfn_statements(document: Mapping[str, Any], table_logical_ids: set[str]) -> list[Statement]:
    assert document.get("Version") == "2012-10-17"
    out = []
    for raw in _as_list(document["Statement"]):
        assert set(raw) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, f"unexpected keys in {raw}"
        out.append(
            Statement(
                raw["Effect"],
                tuple(_as_list(raw["Action"])),
                tuple(_cfn_resource(r, table_logical_ids) for r in _as_list(raw["Resource"])),
                raw.get("Condition") or {},
            )
        )
    return out


def cloudformation_statements(text: str) -> list[Statement]:
    template = yaml.safe_load(text)
    resources = template["Resources"]
    tables = {k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert tables == {"OrderTable"}
    policies = [v for v in resources.values() if v["Type"].startswith("AWS::IAM::")]
    assert [p["Type"] for p in policies] == ["AWS::IAM::ManagedPolicy"], "exactly the one tenant policy"
    return _cfn_statements(policies[0]["Properties"]["PolicyDocument"], tables)


def _function_body(source: str, start_pattern: str) -> str:
    """The text of the function/method that starts at ``start_pattern`` (brace matched)."""
    return _braced(source, start_pattern)


def _braced(source: str, start_pattern: str) -> str:
    """The brace-matched ``{...}`` that starts at the first ``{`` at or after ``start_pattern``."""
    match = re.search(start_pattern, source)
    assert match, f"{start_pattern!r} not found in the generated source"
    i = source.index("{", match.end() - 1)
    depth = 0
    for j in range(i, len(source)):
        depth += {"{": 1, "}": -1}.get(source[j], 0)
        if depth == 0:
            return source[i : j + 1]
    raise AssertionError("unbalanced braces")


def _strings(literal: str) -> list[str]:
    return [a or b for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', literal)]


def _loose_json(literal: str) -> Any:
    """JSON from a TS/Go object literal with quoted keys (trailing commas, single quotes)."""
    text = literal.replace("'", '"')
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(text)


def cdk_ts_statements(source: str) -> list[Statement]:
    body = _function_body(source, r"public grantTenantAccess\(grantee: iam\.IGrantable\): void \{")
    assert body.count("new iam.PolicyStatement(") == 1 and body.count("addToPrincipalPolicy(") == 1, body
    assert "grant" not in re.sub(r"grantTenantAccess|grantee|grantPrincipal", "", body), "no other grant"
    assert "effect:" not in body, "the default effect (Allow) is expected"
    actions = re.search(r"actions: \[([^\]]*)\]", body)
    resources = re.search(r"resources: \[([^\]]*)\]", body)
    assert actions and resources, body
    conditions = _braced(body, r"conditions: \{")
    resolved = []
    for expr in [e.strip() for e in resources.group(1).split(",")]:
        expr = expr.replace("${this.table.tableArn}", TABLE_ARN).strip("`")
        resolved.append(TABLE_ARN if expr == "this.table.tableArn" else expr)
    for r in resolved:
        assert r.startswith(TABLE_ARN), f"resource not limited to the table: {r}"
    return [Statement("Allow", tuple(_strings(actions.group(1))), tuple(resolved), _loose_json(conditions))]


def cdk_go_statements(source: str) -> list[Statement]:
    body = _function_body(
        source, r"func GrantOrderTenantAccess\(table awsdynamodb\.ITable, grantee awsiam\.IGrantable\) \{"
    )
    assert body.count("awsiam.NewPolicyStatement(") == 1 and body.count("AddToPrincipalPolicy(") == 1, body
    assert "Grant" not in re.sub(r"GrantPrincipal", "", body), "no other grant"
    assert "Effect:" not in body, "the default effect (Allow) is expected"
    actions = re.search(r"Actions:\s+jsii\.Strings\(([^)]*)\)", body)
    resources = re.search(r"Resources:\s+jsii\.Strings\((.*)\),\n", body)
    assert actions and resources, body
    conditions = _braced(body, r"Conditions: &map\[string\]interface\{\}\{")
    resolved = []
    for expr in [e.strip() for e in resources.group(1).split(",")]:
        if expr == "*table.TableArn()":
            resolved.append(TABLE_ARN)
        elif m := re.fullmatch(r'\*table\.TableArn\(\)\+"([^"]*)"', expr):
            resolved.append(TABLE_ARN + m.group(1))
        else:
            raise AssertionError(f"resource not limited to the table: {expr}")
    literal = conditions.replace("map[string]interface{}", "")
    literal = re.sub(r'\[\]string\{((?:\s*"[^"]*"\s*,?)*)\}', r"[\1]", literal)
    return [Statement("Allow", tuple(_strings(actions.group(1))), tuple(resolved), _loose_json(literal))]


PARSERS = {
    "cloudformation": cloudformation_statements,
    "cdk-ts": cdk_ts_statements,
    "cdk-go": cdk_go_statements,
}


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The generated IaC source per flavour, written by the CLI in a fresh Go project each."""
    out = {}
    cwd = os.getcwd()
    for iac, rel in IAC_FILES.items():
        root = tmp_path_factory.mktemp(f"mt-{iac}")
        (root / "go.mod").write_text(GO_MOD.format(version="v1.3.0"))
        os.chdir(root)
        try:
            result = CliRunner().invoke(lift_group, ["dynamorm", *SCAFFOLD_ARGS, "--iac", iac])
        finally:
            os.chdir(cwd)
        assert result.exit_code == 0, result.output
        out[iac] = (root / rel).read_text()
    return out


# ---------------------------------------------------------------------------------------------
# The checks every flavour must pass
# ---------------------------------------------------------------------------------------------

A = {"TenantID": "acme"}
B = {"TenantID": "globex"}


def check_least_privilege(statements: Sequence[Statement], where: str) -> None:
    allows = [s for s in statements if s.effect == "Allow"]
    assert allows, f"{where}: no Allow statement"
    for s in allows:
        for action in s.actions:
            assert "*" not in action and "?" not in action, f"{where}: wildcard action {action}"
        unexpected = set(s.actions) - NEEDED_ACTIONS
        assert not unexpected, f"{where}: actions beyond what the repository needs: {sorted(unexpected)}"
        for resource in s.resources:
            assert resource in (TABLE_ARN, f"{TABLE_ARN}/index/*") or resource.startswith(
                f"{TABLE_ARN}/index/"
            ), f"{where}: resource {resource} is not the table or one of its indexes"
        leading = s.condition.get("ForAllValues:StringEquals", {}).get("dynamodb:LeadingKeys")
        assert leading == [TENANT_VAR], (
            f"{where}: allow statement without the LeadingKeys tenant condition: {s}"
        )
    for action in FORBIDDEN_ACTIONS:
        for resource in (TABLE_ARN, f"{TABLE_ARN}/index/gsi-tenant-created", "*"):
            for keys in (None, ("acme",)):
                assert not allowed(statements, Request(action, resource, keys, A)), (
                    f"{where}: {action} allowed"
                )


def check_requests(statements: Sequence[Statement], where: str) -> None:
    def ok(
        action: str, keys: tuple[str, ...] | None, tags: Mapping[str, str] = A, resource: str = TABLE_ARN
    ) -> bool:
        return allowed(statements, Request(action, resource, keys, tags))

    # tenant A on its own items: every repository operation works
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "ConditionCheckItem"):
        assert ok(f"dynamodb:{action}", ("acme",)), f"{where}: tenant A cannot {action} its own item"
    assert ok("dynamodb:BatchGetItem", ("acme", "acme"))
    assert ok("dynamodb:BatchWriteItem", ("acme",))
    # an index partitioned by the tenant (GSI on TenantID, every LSI): allowed for the tenant only
    for index in ("gsi-tenant-created", "lsi-created"):
        assert ok("dynamodb:Query", ("acme",), resource=f"{TABLE_ARN}/index/{index}"), f"{where}: {index}"
        assert not ok("dynamodb:Query", ("globex",), resource=f"{TABLE_ARN}/index/{index}"), (
            f"{where}: {index}"
        )
    # tenant A on tenant B's items: nothing
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "ConditionCheckItem"):
        assert not ok(f"dynamodb:{action}", ("globex",)), f"{where}: tenant A can {action} tenant B's item"
    assert not ok("dynamodb:BatchGetItem", ("acme", "globex")), f"{where}: a batch may mix in tenant B"
    assert not ok("dynamodb:BatchWriteItem", ("globex", "acme")), f"{where}: a batch may mix in tenant B"
    # tenant B's principal on its own item works, on A's it does not
    assert ok("dynamodb:GetItem", ("globex",), B) and not ok("dynamodb:GetItem", ("acme",), B)
    # a principal without the TenantID tag gets nothing (the variable does not resolve)
    assert not ok("dynamodb:GetItem", (TENANT_VAR,), {}) and not ok("dynamodb:GetItem", ("",), {})
    # another table, table management, Scan: denied
    assert not ok("dynamodb:GetItem", ("acme",), resource=OTHER_TABLE_ARN)
    assert not ok("dynamodb:DeleteTable", None) and not ok("dynamodb:DeleteTable", ("acme",))
    assert not ok("dynamodb:Scan", None) and not ok(
        "dynamodb:Scan", None, resource=f"{TABLE_ARN}/index/gsi-status"
    )


@pytest.mark.parametrize("iac", sorted(IAC_FILES))
def test_tenant_policy_is_least_privilege(iac: str, scaffolded: dict[str, str]) -> None:
    source = scaffolded[iac]
    assert "dynamodb:*" not in source
    statements = PARSERS[iac](source)
    assert statements
    check_least_privilege(statements, iac)
    check_requests(statements, iac)


@pytest.mark.parametrize("iac", sorted(IAC_FILES))
def test_all_flavours_grant_the_same_policy(iac: str, scaffolded: dict[str, str]) -> None:
    reference = cloudformation_statements(scaffolded["cloudformation"])
    assert PARSERS[iac](scaffolded[iac]) == reference


@pytest.mark.parametrize("iac", sorted(IAC_FILES))
def test_indexes_not_partitioned_by_tenant_are_not_granted(iac: str, scaffolded: dict[str, str]) -> None:
    statements = PARSERS[iac](scaffolded[iac])
    # tenant "acme" queries gsi-status for status == "acme": the leading key is the status value
    request = Request("dynamodb:Query", f"{TABLE_ARN}/index/gsi-status", ("acme",), A)
    assert not allowed(statements, request), "cross-tenant read through a GSI not keyed by the tenant"


# ---------------------------------------------------------------------------------------------
# The CDK TS app, synthesized (needs the npm cache of scripts/setup/codegen-tools.sh)
# ---------------------------------------------------------------------------------------------


def _cdk_ts_cache() -> Path:
    cache = Path(os.environ.get("LIFT_CDK_TS_CACHE") or REPO / ".cache" / "cdk-ts")
    missing = [
        p
        for p in ("aws-cdk-lib/package.json", "constructs/package.json", "typescript/bin/tsc")
        if not (cache / "node_modules" / p).is_file()
    ]
    if missing or shutil.which("node") is None:
        message = f"CDK TypeScript toolchain missing in {cache}; run scripts/setup/codegen-tools.sh"
        skip_or_fail(message)
    return cache


@pytest.fixture(scope="module")
def synthesized(scaffolded: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two stacks: 'Tenant' (grantTenantAccess only) and 'Bound' (bind, as the docs suggest, then
    grantTenantAccess). Returns {stack name: template}."""
    cache = _cdk_ts_cache()
    app = tmp_path_factory.mktemp("cdk-ts-app")
    (app / "lib").mkdir()
    (app / "bin").mkdir()
    (app / "lib" / "order-table.ts").write_text(scaffolded["cdk-ts"])
    fn = (
        "new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', "
        "code: lambda.Code.fromInline('exports.handler = async () => 0;') })"
    )
    (app / "bin" / "app.ts").write_text(
        "import { App, Stack } from 'aws-cdk-lib';\n"
        "import * as lambda from 'aws-cdk-lib/aws-lambda';\n"
        "import { OrderTable } from '../lib/order-table';\n"
        "const app = new App();\n"
        "{ const stack = new Stack(app, 'Tenant');\n"
        "  const t = new OrderTable(stack, 'Models', { tableName: 'Orders' });\n"
        f"  const fn = {fn};\n"
        "  fn.addEnvironment('ORDER_TABLE_NAME', t.table.tableName); t.grantTenantAccess(fn); }\n"
        "{ const stack = new Stack(app, 'Bound');\n"
        "  const t = new OrderTable(stack, 'Models', { tableName: 'Orders' });\n"
        f"  const fn = {fn};\n"
        "  t.bind(fn); t.grantTenantAccess(fn); }\n"
        "const out: Record<string, unknown> = {};\n"
        "for (const name of ['Tenant', 'Bound']) { out[name] = app.synth().getStackByName(name).template; }\n"
        "console.log(JSON.stringify(out));\n"
    )
    return run_cdk_ts_app(app, cache)  # type: ignore[no-any-return]


def synth_statements(template: Mapping[str, Any]) -> list[Statement]:
    resources = template["Resources"]
    tables = {k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert len(tables) == 1
    out: list[Statement] = []
    for resource in resources.values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            out += _cfn_statements(resource["Properties"]["PolicyDocument"], tables)
    return out


@pytest.mark.slow
def test_synthesized_cdk_ts_tenant_grant(synthesized: dict[str, Any]) -> None:
    statements = synth_statements(synthesized["Tenant"])
    check_least_privilege(statements, "cdk-ts synth")
    check_requests(statements, "cdk-ts synth")


@pytest.mark.slow
def test_synthesized_cdk_ts_bind_keeps_tenant_isolation(synthesized: dict[str, Any]) -> None:
    statements = synth_statements(synthesized["Bound"])
    assert not allowed(statements, Request("dynamodb:GetItem", TABLE_ARN, ("globex",), A)), (
        "cross-tenant read"
    )
    assert not allowed(statements, Request("dynamodb:Scan", TABLE_ARN, None, A)), "Scan of every tenant"


@pytest.mark.parametrize(
    ("iac", "bind"),
    [
        ("cdk-ts", r"public bind\(fn: lambda\.Function\): void \{"),
        ("cdk-go", r"func BindOrderTable\(table awsdynamodb\.ITable, fn awslambda\.Function\) \{"),
    ],
)
def test_multi_tenant_bind_grants_no_unscoped_access(iac: str, bind: str, scaffolded: dict[str, str]) -> None:
    body = _function_body(scaffolded[iac], bind)
    assert not re.search(
        r"[Gg]rantReadWriteData|[Gg]rantFullAccess|[Gg]rantReadData|[Gg]rantWriteData", body
    ), body
