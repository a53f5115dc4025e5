// Scaffolded by lift dynamorm scaffold: the DynamoDB table of the Event model
// (models/event.go). Keep it in step with the model: lift dynamorm validate compares them.

package tables

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// EventTableProps configures NewEventTable.
type EventTableProps struct {
	// TableName is the physical table name; nil lets CloudFormation generate one.
	TableName *string
}

// NewEventTable defines the table of the Event model: the keys and indexes of its
// dynamorm tags (projection ALL, as DynamORM creates them), on-demand billing, point-in-time
// recovery, RETAIN on stack deletion.
func NewEventTable(scope constructs.Construct, id string, props *EventTableProps) awsdynamodb.Table {
	if props == nil {
		props = &EventTableProps{}
	}
	table := awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		TableName:                        props.TableName,
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("streamID"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:                          &awsdynamodb.Attribute{Name: jsii.String("sequence"), Type: awsdynamodb.AttributeType_NUMBER},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String("gsi-event-type"),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("eventType"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("occurredAt"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

// BindEventTable gives fn read/write access to the table and sets EVENT_TABLE_NAME, the
// variable Event.TableName() reads.
func BindEventTable(table awsdynamodb.ITable, fn awslambda.Function) {
	fn.AddEnvironment(jsii.String("EVENT_TABLE_NAME"), table.TableName(), nil)
	table.GrantReadWriteData(fn)
}
