// Scaffolded by lift dynamorm scaffold (preset idempotency). Edit freely: lift never overwrites
// this file without --force.

package models

import (
	"context"
	"time"

	"github.com/pay-theory/dynamorm/pkg/core"
	dynamormerrors "github.com/pay-theory/dynamorm/pkg/errors"
)

// IdempotencyRecordRepository reads and writes IdempotencyRecord items with DynamORM.
type IdempotencyRecordRepository struct {
	db core.DB
}

// NewIdempotencyRecordRepository uses db (see NewDB).
func NewIdempotencyRecordRepository(db core.DB) *IdempotencyRecordRepository {
	return &IdempotencyRecordRepository{db: db}
}

// Create stores a new item. If an item with the same key exists it fails with an error for
// which errors.IsConditionFailed (github.com/pay-theory/dynamorm/pkg/errors) is true.
func (r *IdempotencyRecordRepository) Create(ctx context.Context, item *IdempotencyRecord) error {
	return r.db.WithContext(ctx).Model(item).IfNotExists().Create()
}

// Get returns the item with this key; errors.IsNotFound(err) tells that there is none.
func (r *IdempotencyRecordRepository) Get(ctx context.Context, key string) (*IdempotencyRecord, error) {
	var out IdempotencyRecord
	if err := r.db.WithContext(ctx).Model(&IdempotencyRecord{}).Where("Key", "=", key).First(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update writes the named Go fields of item (every non-key field when none are named).
// DynamORM sets the updated_at field and, with a version field, fails when the stored item
// changed since it was read.
func (r *IdempotencyRecordRepository) Update(ctx context.Context, item *IdempotencyRecord, fields ...string) error {
	return r.db.WithContext(ctx).Model(item).Update(fields...)
}

// Delete removes the item with this key.
func (r *IdempotencyRecordRepository) Delete(ctx context.Context, key string) error {
	return r.db.WithContext(ctx).Model(&IdempotencyRecord{Key: key}).Delete()
}

// Claim records the key as in progress. claimed is true when this call created the record;
// otherwise record is the stored one: compare its RequestHash with the request's, then return
// its stored response (or a 409 while it is still IN_PROGRESS).
func (r *IdempotencyRecordRepository) Claim(ctx context.Context, key string, requestHash string, ttl time.Duration) (record *IdempotencyRecord, claimed bool, err error) {
	record = &IdempotencyRecord{Key: key}
	record.Status = "IN_PROGRESS"
	record.RequestHash = requestHash
	record.TTL = time.Now().Add(ttl).Unix()
	err = r.Create(ctx, record)
	if err == nil {
		return record, true, nil
	}
	if !dynamormerrors.IsConditionFailed(err) {
		return nil, false, err
	}
	existing, err := r.Get(ctx, key)
	if err != nil {
		return nil, false, err
	}
	return existing, false, nil
}

// Complete stores the response of a claimed request.
func (r *IdempotencyRecordRepository) Complete(ctx context.Context, record *IdempotencyRecord, statusCode int64, body string) error {
	record.Status = "COMPLETED"
	record.StatusCode = statusCode
	record.ResponseBody = body
	return r.Update(ctx, record, "Status", "StatusCode", "ResponseBody")
}
