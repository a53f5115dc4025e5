// Scaffolded by lift dynamorm scaffold (preset crud). Edit freely: lift never
// overwrites this file without --force. Check it with: lift dynamorm inspect Order

package models

import (
	"os"
	"time"
)

// Order is a DynamORM model.
//
// Keys: partition key tenantID (S), sort key id (S).
// Indexes: gsi-status (GSI: status, createdAt), lsi-total (LSI: tenantID, total).
// Items expire through DynamoDB TTL on ttl (epoch seconds): the table needs TTL enabled on
// that attribute, which DynamORM itself never does.
type Order struct {
	TenantID  string    `dynamorm:"pk" json:"tenantID"`
	ID        string    `dynamorm:"sk" json:"id"`
	Total     float64   `dynamorm:"lsi:lsi-total,omitempty" json:"total,omitempty"`
	Status    string    `dynamorm:"index:gsi-status,pk,omitempty" json:"status,omitempty"`
	TTL       int64     `dynamorm:"ttl,omitempty" json:"ttl,omitempty"`
	CreatedAt time.Time `dynamorm:"index:gsi-status,sk,created_at" json:"createdAt"`
	UpdatedAt time.Time `dynamorm:"updated_at" json:"updatedAt"`
}

// TableName is the DynamoDB table of Order: $ORDER_TABLE_NAME. When the variable is empty,
// DynamORM falls back to the plural of the type name ("Orders").
func (Order) TableName() string {
	return os.Getenv("ORDER_TABLE_NAME")
}
