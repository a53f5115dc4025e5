// Scaffolded by lift dynamorm scaffold (preset rate-limit). Edit freely: lift never overwrites
// this file without --force.

package models

import (
	"context"
	"time"

	"github.com/pay-theory/dynamorm/pkg/core"
)

// RateLimitRepository reads and writes RateLimit items with DynamORM.
type RateLimitRepository struct {
	db core.DB
}

// NewRateLimitRepository uses db (see NewDB).
func NewRateLimitRepository(db core.DB) *RateLimitRepository {
	return &RateLimitRepository{db: db}
}

// Create stores a new item. If an item with the same key exists it fails with an error for
// which errors.IsConditionFailed (github.com/pay-theory/dynamorm/pkg/errors) is true.
func (r *RateLimitRepository) Create(ctx context.Context, item *RateLimit) error {
	return r.db.WithContext(ctx).Model(item).IfNotExists().Create()
}

// Get returns the item with this key; errors.IsNotFound(err) tells that there is none.
func (r *RateLimitRepository) Get(ctx context.Context, key string, windowStart int64) (*RateLimit, error) {
	var out RateLimit
	if err := r.db.WithContext(ctx).Model(&RateLimit{}).Where("Key", "=", key).Where("WindowStart", "=", windowStart).First(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update writes the named Go fields of item (every non-key field when none are named).
// DynamORM sets the updated_at field and, with a version field, fails when the stored item
// changed since it was read.
func (r *RateLimitRepository) Update(ctx context.Context, item *RateLimit, fields ...string) error {
	return r.db.WithContext(ctx).Model(item).Update(fields...)
}

// Delete removes the item with this key.
func (r *RateLimitRepository) Delete(ctx context.Context, key string, windowStart int64) error {
	return r.db.WithContext(ctx).Model(&RateLimit{Key: key, WindowStart: windowStart}).Delete()
}

// ListByKey returns every item of one partition, in sort key order.
func (r *RateLimitRepository) ListByKey(ctx context.Context, key string) ([]RateLimit, error) {
	var out []RateLimit
	err := r.db.WithContext(ctx).Model(&RateLimit{}).Where("Key", "=", key).All(&out)
	return out, err
}

// Increment counts one request for key in the current fixed window of the given length and
// returns the count so far in that window. The item expires (TTL) one window after it closes.
func (r *RateLimitRepository) Increment(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	seconds := int64(window / time.Second)
	if seconds <= 0 {
		seconds = 1
	}
	start := now.Unix() - now.Unix()%seconds
	var out RateLimit
	err := r.db.WithContext(ctx).Model(&RateLimit{}).
		Where("Key", "=", key).
		Where("WindowStart", "=", start).
		UpdateBuilder().
		Add("Count", 1).
		Set("TTL", start+2*seconds).
		ExecuteWithResult(&out)
	if err != nil {
		return 0, err
	}
	return out.Count, nil
}
