// Scaffolded by lift dynamorm scaffold (preset idempotency). Edit freely: lift never
// overwrites this file without --force. Check it with: lift dynamorm inspect IdempotencyRecord

package models

import (
	"os"
	"time"
)

// IdempotencyRecord is a DynamORM model.
//
// Keys: partition key key (S).
// Items expire through DynamoDB TTL on ttl (epoch seconds): the table needs TTL enabled on
// that attribute, which DynamORM itself never does.
type IdempotencyRecord struct {
	Key          string    `dynamorm:"pk" json:"key"`
	Status       string    `dynamorm:"omitempty" json:"status,omitempty"`
	RequestHash  string    `dynamorm:"omitempty" json:"requestHash,omitempty"`
	ResponseBody string    `dynamorm:"omitempty" json:"responseBody,omitempty"`
	StatusCode   int64     `dynamorm:"omitempty" json:"statusCode,omitempty"`
	TTL          int64     `dynamorm:"ttl,omitempty" json:"ttl,omitempty"`
	CreatedAt    time.Time `dynamorm:"created_at" json:"createdAt"`
	UpdatedAt    time.Time `dynamorm:"updated_at" json:"updatedAt"`
}

// TableName is the DynamoDB table of IdempotencyRecord: $IDEMPOTENCY_TABLE_NAME. When the variable is empty,
// DynamORM falls back to the plural of the type name ("IdempotencyRecords").
func (IdempotencyRecord) TableName() string {
	return os.Getenv("IDEMPOTENCY_TABLE_NAME")
}
