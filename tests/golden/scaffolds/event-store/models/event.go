// Scaffolded by lift dynamorm scaffold (preset event-store). Edit freely: lift never
// overwrites this file without --force. Check it with: lift dynamorm inspect Event

package models

import (
	"os"
	"time"
)

// Event is a DynamORM model.
//
// Keys: partition key streamID (S), sort key sequence (N).
// Indexes: gsi-event-type (GSI: eventType, occurredAt).
type Event struct {
	StreamID   string    `dynamorm:"pk" json:"streamID"`
	Sequence   int64     `dynamorm:"sk" json:"sequence"`
	EventType  string    `dynamorm:"index:gsi-event-type,pk,omitempty" json:"eventType,omitempty"`
	Payload    string    `dynamorm:"omitempty" json:"payload,omitempty"`
	OccurredAt time.Time `dynamorm:"index:gsi-event-type,sk,omitempty" json:"occurredAt,omitempty"`
}

// TableName is the DynamoDB table of Event: $EVENT_TABLE_NAME. When the variable is empty,
// DynamORM falls back to the plural of the type name ("Events").
func (Event) TableName() string {
	return os.Getenv("EVENT_TABLE_NAME")
}
