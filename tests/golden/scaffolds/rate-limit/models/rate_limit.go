// Scaffolded by lift dynamorm scaffold (preset rate-limit). Edit freely: lift never
// overwrites this file without --force. Check it with: lift dynamorm inspect RateLimit

package models

import (
	"os"
)

// RateLimit is a DynamORM model.
//
// Keys: partition key key (S), sort key windowStart (N).
// Items expire through DynamoDB TTL on ttl (epoch seconds): the table needs TTL enabled on
// that attribute, which DynamORM itself never does.
type RateLimit struct {
	Key         string `dynamorm:"pk" json:"key"`
	WindowStart int64  `dynamorm:"sk" json:"windowStart"`
	Count       int64  `dynamorm:"omitempty" json:"count,omitempty"`
	TTL         int64  `dynamorm:"ttl,omitempty" json:"ttl,omitempty"`
}

// TableName is the DynamoDB table of RateLimit: $RATE_LIMIT_TABLE_NAME. When the variable is empty,
// DynamORM falls back to the plural of the type name ("RateLimits").
func (RateLimit) TableName() string {
	return os.Getenv("RATE_LIMIT_TABLE_NAME")
}
