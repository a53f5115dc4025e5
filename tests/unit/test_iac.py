"""Tables from CloudFormation/SAM templates and cdk.out, checked against models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liftcli.dynamorm.compare import CompareOptions
from liftcli.dynamorm.iac import IacError, load_iac_tables
from liftcli.dynamorm.spec import TableSpec
from liftcli.dynamorm.validate import desired_specs, validate_template
from tests.helpers import go_project, write_tree

MODEL = '''
package models

import "os"

type Order struct {
    TenantID string `dynamorm:"pk"`
    OrderID  string `dynamorm:"sk"`
    Status   string `dynamorm:"index:gsi-status,pk"`
    Customer string `dynamorm:"index:gsi-customer,pk"`
    PurgeAt  int64  `dynamorm:"ttl"`
}

func (Order) TableName() string { return os.Getenv("ORDERS_TABLE") }
'''

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: !Sub "shop-orders-${Stage}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: tenantID, AttributeType: S}
        - {AttributeName: orderID, AttributeType: S}
        - {AttributeName: status, AttributeType: S}
        - {AttributeName: customer, AttributeType: S}
      KeySchema:
        - {AttributeName: tenantID, KeyType: HASH}
        - {AttributeName: orderID, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: gsi-status
          KeySchema: [{AttributeName: status, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
        - IndexName: gsi-customer
          KeySchema: [{AttributeName: customer, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      TimeToLiveSpecification: {AttributeName: purgeAt, Enabled: true}
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          ORDERS_TABLE: !Ref OrdersTable
"""


def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    return go_project(tmp_path, {"models/order.go": MODEL},
                      extra={"lift.yaml": "dynamorm:\n  environments:\n    dev:\n      env: {ORDERS_TABLE: shop-orders-dev}\n"},
                      overrides=__import__("liftcli.config", fromlist=["Overrides"]).Overrides(env="dev"))


def test_reads_cloudformation_yaml_with_short_form_tags(tmp_path: Path) -> None:
    path = write_tree(tmp_path, {"template.yaml": TEMPLATE}) / "template.yaml"
    (table,) = load_iac_tables(path)
    assert table.logical_id == "OrdersTable" and table.name_resolved
    assert table.spec.name == "shop-orders-dev"
    assert [i.name for i in table.spec.gsis] == ["gsi-customer", "gsi-status"]
    assert table.spec.ttl_attribute == "purgeAt" and table.spec.pitr is True
    assert table.line == 5


def test_template_in_sync_with_models(tmp_path: Path) -> None:
    proj = project(tmp_path)
    path = write_tree(tmp_path, {"template.yaml": TEMPLATE}) / "template.yaml"
    result = validate_template(proj, path, options=CompareOptions())
    assert [f.rule for f in result.findings if f.severity != "info"] == []


def test_template_missing_gsi_and_ttl(tmp_path: Path) -> None:
    proj = project(tmp_path)
    broken = TEMPLATE.replace("      TimeToLiveSpecification: {AttributeName: purgeAt, Enabled: true}\n", "")
    broken = broken.replace("""        - IndexName: gsi-customer
          KeySchema: [{AttributeName: customer, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
""", "")
    path = write_tree(tmp_path, {"template.yaml": broken}) / "template.yaml"
    result = validate_template(proj, path, options=CompareOptions())
    found = {(f.rule, f.index, f.line) for f in result.findings}
    assert ("DM-G001", "gsi-customer", 9) in found
    assert any(f.rule == "DM-S001" for f in result.findings)
    assert result.failing("error")


def test_two_new_gsis_need_two_deploys(tmp_path: Path) -> None:
    proj = project(tmp_path)
    path = write_tree(tmp_path, {"template.yaml": TEMPLATE}) / "template.yaml"
    desired, _ = desired_specs(proj.models)
    spec = desired["shop-orders-dev"]
    from dataclasses import replace

    deployed: dict[str, TableSpec | None] = {"shop-orders-dev": replace(spec, gsis=())}
    result = validate_template(proj, path, options=CompareOptions(), deployed=deployed)
    assert result.deploys == {"shop-orders-dev": 2}
    (finding,) = [f for f in result.findings if f.rule == "DM-I002"]
    assert finding.severity == "error" and finding.actual == 2 and "2 deploys" in finding.message
    one_new = {"shop-orders-dev": replace(spec, gsis=spec.gsis[:1])}
    assert validate_template(proj, path, options=CompareOptions(), deployed=one_new).deploys == {
        "shop-orders-dev": 1}


def test_cdk_out_with_generated_name_matched_by_logical_id(tmp_path: Path) -> None:
    proj = project(tmp_path)
    template = {
        "Resources": {
            "OrderTableABC123": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "AttributeDefinitions": [{"AttributeName": "tenantID", "AttributeType": "S"},
                                             {"AttributeName": "orderID", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "tenantID", "KeyType": "HASH"},
                                  {"AttributeName": "orderID", "KeyType": "RANGE"}],
                    "BillingMode": "PAY_PER_REQUEST",
                },
            }
        }
    }
    manifest = {"version": "36.0.0", "artifacts": {"ShopStack": {"type": "aws:cloudformation:stack",
                                                                 "properties": {"templateFile": "ShopStack.template.json"}}}}
    write_tree(tmp_path, {"cdk.out/manifest.json": json.dumps(manifest),
                          "cdk.out/ShopStack.template.json": json.dumps(template)})
    result = validate_template(proj, tmp_path / "cdk.out", options=CompareOptions())
    rules = sorted({f.rule for f in result.findings if f.kind == "drift"})
    assert rules == ["DM-G001", "DM-S001"]  # matched to Order by logical id; two GSIs and TTL missing
    assert all(f.table == "shop-orders-dev" for f in result.findings if f.kind == "drift")


def test_unclaimed_template_table_is_reported(tmp_path: Path) -> None:
    proj = project(tmp_path)
    extra = TEMPLATE + """
  AuditTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: audit-log
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
"""
    path = write_tree(tmp_path, {"template.yaml": extra}) / "template.yaml"
    result = validate_template(proj, path, options=CompareOptions())
    assert [(f.rule, f.severity) for f in result.findings if f.rule == "DM-I001"] == [("DM-I001", "warning")]


@pytest.mark.parametrize(
    ("files", "message"),
    [({"t.yaml": "Resources: [\n"}, "not a valid template"),
     ({"t.yaml": "Foo: 1\n"}, "no Resources section"),
     ({"t.json": "{bad json"}, "not a valid template")],
)
def test_bad_templates(tmp_path: Path, files: dict[str, str], message: str) -> None:
    write_tree(tmp_path, files)
    with pytest.raises(IacError, match=message):
        load_iac_tables(tmp_path / next(iter(files)))


def test_missing_template_and_empty_cdk_out(tmp_path: Path) -> None:
    with pytest.raises(IacError, match="template not found"):
        load_iac_tables(tmp_path / "nope.yaml")
    (tmp_path / "cdk.out").mkdir()
    with pytest.raises(IacError, match="no CloudFormation templates found"):
        load_iac_tables(tmp_path / "cdk.out")
