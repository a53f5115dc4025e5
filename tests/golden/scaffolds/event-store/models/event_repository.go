// Scaffolded by lift dynamorm scaffold (preset event-store). Edit freely: lift never overwrites
// this file without --force.

package models

import (
	"context"
	"errors"

	"github.com/pay-theory/dynamorm/pkg/core"
	dynamormerrors "github.com/pay-theory/dynamorm/pkg/errors"
)

// EventRepository reads and writes Event items with DynamORM.
type EventRepository struct {
	db core.DB
}

// NewEventRepository uses db (see NewDB).
func NewEventRepository(db core.DB) *EventRepository {
	return &EventRepository{db: db}
}

// Create stores a new item. If an item with the same key exists it fails with an error for
// which errors.IsConditionFailed (github.com/pay-theory/dynamorm/pkg/errors) is true.
func (r *EventRepository) Create(ctx context.Context, item *Event) error {
	return r.db.WithContext(ctx).Model(item).IfNotExists().Create()
}

// Get returns the item with this key; errors.IsNotFound(err) tells that there is none.
func (r *EventRepository) Get(ctx context.Context, streamID string, sequence int64) (*Event, error) {
	var out Event
	if err := r.db.WithContext(ctx).Model(&Event{}).Where("StreamID", "=", streamID).Where("Sequence", "=", sequence).First(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update writes the named Go fields of item (every non-key field when none are named).
// DynamORM sets the updated_at field and, with a version field, fails when the stored item
// changed since it was read.
func (r *EventRepository) Update(ctx context.Context, item *Event, fields ...string) error {
	return r.db.WithContext(ctx).Model(item).Update(fields...)
}

// Delete removes the item with this key.
func (r *EventRepository) Delete(ctx context.Context, streamID string, sequence int64) error {
	return r.db.WithContext(ctx).Model(&Event{StreamID: streamID, Sequence: sequence}).Delete()
}

// ListByStreamID returns every item of one partition, in sort key order.
func (r *EventRepository) ListByStreamID(ctx context.Context, streamID string) ([]Event, error) {
	var out []Event
	err := r.db.WithContext(ctx).Model(&Event{}).Where("StreamID", "=", streamID).All(&out)
	return out, err
}

// QueryByEventType returns the items whose EventType equals eventType, through the
// global secondary index gsi-event-type (eventually consistent).
func (r *EventRepository) QueryByEventType(ctx context.Context, eventType string) ([]Event, error) {
	var out []Event
	err := r.db.WithContext(ctx).Model(&Event{}).Index("gsi-event-type").Where("EventType", "=", eventType).All(&out)
	return out, err
}

// ErrSequenceTaken means another writer appended an event with the same sequence number first:
// reload the stream and retry.
var ErrSequenceTaken = errors.New("event sequence number already taken")

// Append adds event to its stream. Events are never updated; the sequence number must be the
// next one, and a concurrent append of the same number fails with ErrSequenceTaken.
func (r *EventRepository) Append(ctx context.Context, event *Event) error {
	err := r.Create(ctx, event)
	if dynamormerrors.IsConditionFailed(err) {
		return ErrSequenceTaken
	}
	return err
}

// Load returns the events of one stream in sequence order.
func (r *EventRepository) Load(ctx context.Context, streamID string) ([]Event, error) {
	var out []Event
	err := r.db.WithContext(ctx).Model(&Event{}).Where("StreamID", "=", streamID).OrderBy("Sequence", "asc").All(&out)
	return out, err
}
