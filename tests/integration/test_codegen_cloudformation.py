"""The generated CloudFormation creates a working table (moto's DynamoDB for now; the lead will
switch this to the shared DynamoDB Local fixture) equal to `inspect --format create-table`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from click.testing import CliRunner
from moto import mock_aws

from liftcli.cli import lift_group
from liftcli.scaffold.design import ScaffoldRequest
from tests.unit.test_scaffold_golden import scaffold_files


def _resolve(value: Any, params: dict[str, str]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return params[value["Ref"]]
    if isinstance(value, dict):
        return {k: _resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    return value


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
            iac="cloudformation",
            parts=("model", "iac"),
        ),
        ScaffoldRequest(preset="rate-limit", iac="cloudformation", parts=("model", "iac")),
        ScaffoldRequest(preset="event-store", iac="cloudformation", parts=("model", "iac")),
    ],
    ids=["order", "rate-limit", "event-store"],
)
def test_cloudformation_table_works(
    request_: ScaffoldRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = scaffold_files(tmp_path, request_)
    for rel, content in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        lift_group, ["dynamorm", "inspect", "--format", "create-table", "--models", "models"]
    )
    assert result.exit_code == 0, result.output
    expected = json.loads(result.stdout)[0]
    template = yaml.safe_load(next(v for k, v in files.items() if k.startswith("cloudformation/")))
    params = {name: p["Default"] for name, p in template["Parameters"].items()}
    resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table")
    assert resource["DeletionPolicy"] == "Retain"
    props = _resolve(resource["Properties"], params)
    ttl = props.pop("TimeToLiveSpecification", None)
    pitr = props.pop("PointInTimeRecoverySpecification")
    assert pitr == {"PointInTimeRecoveryEnabled": True}
    assert props == expected  # same CreateTable request, table name included
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**props)
        if ttl:
            client.update_time_to_live(TableName=props["TableName"], TimeToLiveSpecification=ttl)
        client.update_continuous_backups(
            TableName=props["TableName"],
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        described = client.describe_table(TableName=props["TableName"])["Table"]
        assert described["TableStatus"] == "ACTIVE"
        assert sorted(k["AttributeName"] for k in described["KeySchema"]) == sorted(
            k["AttributeName"] for k in expected["KeySchema"]
        )
        assert {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])} == {
            i["IndexName"] for i in expected.get("GlobalSecondaryIndexes", [])
        }
        got_ttl = client.describe_time_to_live(TableName=props["TableName"])["TimeToLiveDescription"]
        if ttl:
            assert got_ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
        backups = client.describe_continuous_backups(TableName=props["TableName"])
        assert (
            backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
                "PointInTimeRecoveryStatus"
            ]
            == "ENABLED"
        )
        # an item shaped like the model goes in and comes back
        key = {
            k["AttributeName"]: ({"S": "x"} if _type(expected, k["AttributeName"]) == "S" else {"N": "1"})
            for k in expected["KeySchema"]
        }
        client.put_item(TableName=props["TableName"], Item=key)
        assert client.get_item(TableName=props["TableName"], Key=key)["Item"] == key
    if "TenantAccessPolicy" in "".join(template["Resources"]):
        policy = template["Resources"]["OrderTenantAccessPolicy"]["Properties"]["PolicyDocument"]
        assert policy["Statement"][0]["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == [
            "${aws:PrincipalTag/TenantID}"
        ]


def _type(request: dict[str, Any], name: str) -> str:
    return next(d["AttributeType"] for d in request["AttributeDefinitions"] if d["AttributeName"] == name)
