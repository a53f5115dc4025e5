// Scaffolded by lift dynamorm scaffold: the DynamoDB table of the Order model
// (models/order.go). Keep it in step with the model: lift dynamorm validate compares them.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface OrderTableProps {
  /** Physical table name; leave it unset to let CloudFormation generate one. */
  readonly tableName?: string;
}

/**
 * The table of the Order model: the keys and indexes of its dynamorm tags (projection ALL,
 * as DynamORM creates them), on-demand billing, point-in-time recovery, RETAIN on stack
 * deletion and TTL on ttl.
 */
export class OrderTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: OrderTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: "tenantID", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "id", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: "ttl",
    });
    this.table.addGlobalSecondaryIndex({
      indexName: "gsi-status",
      partitionKey: { name: "status", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "createdAt", type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addLocalSecondaryIndex({
      indexName: "lsi-total",
      sortKey: { name: "total", type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /**
   * Sets ORDER_TABLE_NAME, the variable Order.TableName() reads. It grants nothing: give fn
   * access with grantTenantAccess, which keeps every tenant to its own items.
   */
  public bind(fn: lambda.Function): void {
    fn.addEnvironment("ORDER_TABLE_NAME", this.table.tableName);
  }

  /**
   * Lets grantee read and write only the items whose partition key (tenantID) equals its
   * TenantID principal tag (IAM condition dynamodb:LeadingKeys).
   */
  public grantTenantAccess(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/lsi-total`],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:PrincipalTag/TenantID}'] },
        },
      }),
    );
  }
}
