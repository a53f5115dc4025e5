// Scaffolded by lift dynamorm scaffold (preset crud). Edit freely: lift never
// overwrites this file without --force. Check it with: lift dynamorm inspect Customer

package models

import (
	"os"
)

// Customer is a DynamORM model.
//
// Keys: partition key email (S).
type Customer struct {
	Email string `dynamorm:"pk" json:"email"`
}

// TableName is the DynamoDB table of Customer: $CUSTOMER_TABLE_NAME. When the variable is empty,
// DynamORM falls back to the plural of the type name ("Customers").
func (Customer) TableName() string {
	return os.Getenv("CUSTOMER_TABLE_NAME")
}
