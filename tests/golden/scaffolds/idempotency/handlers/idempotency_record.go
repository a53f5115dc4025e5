// Scaffolded by lift dynamorm scaffold. Plain functions of (context, request) returning
// (result, error): call them from a Lift route handler (lift.Context carries the request
// context) or adapt them to aws-lambda-go's lambda.Start. Edit freely.

package handlers

import (
	"context"
	"errors"

	"example.com/shop/models"
	dynamormerrors "github.com/pay-theory/dynamorm/pkg/errors"
)

// ErrIdempotencyRecordNotFound is returned when no IdempotencyRecord has the requested key (map it to 404).
var ErrIdempotencyRecordNotFound = errors.New("idempotency record not found")

// ErrIdempotencyRecordExists is returned when creating a IdempotencyRecord whose key is taken (map it to 409).
var ErrIdempotencyRecordExists = errors.New("idempotency record already exists")

// IdempotencyRecordKey names one IdempotencyRecord.
type IdempotencyRecordKey struct {
	Key string `json:"key"`
}

// IdempotencyRecordHandler serves IdempotencyRecord items through the repository.
type IdempotencyRecordHandler struct {
	Repo *models.IdempotencyRecordRepository
}

// Get returns one IdempotencyRecord.
func (h *IdempotencyRecordHandler) Get(ctx context.Context, req IdempotencyRecordKey) (*models.IdempotencyRecord, error) {
	item, err := h.Repo.Get(ctx, req.Key)
	if dynamormerrors.IsNotFound(err) {
		return nil, ErrIdempotencyRecordNotFound
	}
	return item, err
}

// Create stores a new IdempotencyRecord and returns it.
func (h *IdempotencyRecordHandler) Create(ctx context.Context, item *models.IdempotencyRecord) (*models.IdempotencyRecord, error) {
	if err := h.Repo.Create(ctx, item); err != nil {
		if dynamormerrors.IsConditionFailed(err) {
			return nil, ErrIdempotencyRecordExists
		}
		return nil, err
	}
	return item, nil
}

// Delete removes one IdempotencyRecord.
func (h *IdempotencyRecordHandler) Delete(ctx context.Context, req IdempotencyRecordKey) error {
	return h.Repo.Delete(ctx, req.Key)
}
