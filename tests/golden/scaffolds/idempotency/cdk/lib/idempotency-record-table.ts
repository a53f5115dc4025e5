// Scaffolded by lift dynamorm scaffold: the DynamoDB table of the IdempotencyRecord model
// (models/idempotency_record.go). Keep it in step with the model: lift dynamorm validate compares them.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface IdempotencyRecordTableProps {
  /** Physical table name; leave it unset to let CloudFormation generate one. */
  readonly tableName?: string;
}

/**
 * The table of the IdempotencyRecord model: the keys and indexes of its dynamorm tags (projection ALL,
 * as DynamORM creates them), on-demand billing, point-in-time recovery, RETAIN on stack
 * deletion and TTL on ttl.
 */
export class IdempotencyRecordTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IdempotencyRecordTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: "key", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: "ttl",
    });
  }

  /** Gives fn read/write access and sets IDEMPOTENCY_TABLE_NAME, the variable IdempotencyRecord.TableName() reads. */
  public bind(fn: lambda.Function): void {
    fn.addEnvironment("IDEMPOTENCY_TABLE_NAME", this.table.tableName);
    this.table.grantReadWriteData(fn);
  }
}
