// Scaffolded by lift dynamorm scaffold: one DynamORM client setup for the models of this package.

package models

import (
	"os"

	"github.com/pay-theory/dynamorm"
	"github.com/pay-theory/dynamorm/pkg/core"
	"github.com/pay-theory/dynamorm/pkg/session"
)

// NewDB connects DynamORM to DynamoDB in $AWS_REGION (default us-east-1). When
// $DYNAMODB_ENDPOINT is set (`lift dynamorm test` sets it), it talks to that endpoint instead,
// e.g. DynamoDB Local on http://localhost:8000.
func NewDB() (core.ExtendedDB, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	return dynamorm.New(session.Config{Region: region, Endpoint: os.Getenv("DYNAMODB_ENDPOINT")})
}
