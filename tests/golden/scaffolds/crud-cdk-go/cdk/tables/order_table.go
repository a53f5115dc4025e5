// Scaffolded by lift dynamorm scaffold: the DynamoDB table of the Order model
// (models/order.go). Keep it in step with the model: lift dynamorm validate compares them.

package tables

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// OrderTableProps configures NewOrderTable.
type OrderTableProps struct {
	// TableName is the physical table name; nil lets CloudFormation generate one.
	TableName *string
}

// NewOrderTable defines the table of the Order model: the keys and indexes of its
// dynamorm tags (projection ALL, as DynamORM creates them), on-demand billing, point-in-time
// recovery, RETAIN on stack deletion and TTL on ttl.
func NewOrderTable(scope constructs.Construct, id string, props *OrderTableProps) awsdynamodb.Table {
	if props == nil {
		props = &OrderTableProps{}
	}
	table := awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		TableName:                        props.TableName,
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("tenantID"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:                          &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
		TimeToLiveAttribute:              jsii.String("ttl"),
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String("gsi-status"),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("status"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("createdAt"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	table.AddLocalSecondaryIndex(&awsdynamodb.LocalSecondaryIndexProps{
		IndexName:      jsii.String("lsi-total"),
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("total"), Type: awsdynamodb.AttributeType_NUMBER},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

// BindOrderTable sets ORDER_TABLE_NAME, the variable Order.TableName() reads. It grants
// nothing: give fn access with GrantOrderTenantAccess, which keeps every tenant to its items.
func BindOrderTable(table awsdynamodb.ITable, fn awslambda.Function) {
	fn.AddEnvironment(jsii.String("ORDER_TABLE_NAME"), table.TableName(), nil)
}

// GrantOrderTenantAccess lets grantee read and write only the items whose partition key
// (tenantID) equals its TenantID principal tag (IAM condition dynamodb:LeadingKeys).
// Only indexes partitioned by the tenant id are reachable: on any other index the condition
// would compare the tenant id with a different attribute.
func GrantOrderTenantAccess(table awsdynamodb.ITable, grantee awsiam.IGrantable) {
	grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"),
		Resources: jsii.Strings(*table.TableArn(), *table.TableArn()+"/index/lsi-total"),
		Conditions: &map[string]interface{}{
			"ForAllValues:StringEquals": map[string]interface{}{
				"dynamodb:LeadingKeys": []string{"${aws:PrincipalTag/TenantID}"},
			},
		},
	}))
}
