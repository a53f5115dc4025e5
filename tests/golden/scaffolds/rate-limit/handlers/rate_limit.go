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

// ErrRateLimitNotFound is returned when no RateLimit has the requested key (map it to 404).
var ErrRateLimitNotFound = errors.New("rate limit not found")

// ErrRateLimitExists is returned when creating a RateLimit whose key is taken (map it to 409).
var ErrRateLimitExists = errors.New("rate limit already exists")

// RateLimitKey names one RateLimit.
type RateLimitKey struct {
	Key         string `json:"key"`
	WindowStart int64  `json:"windowStart"`
}

// RateLimitHandler serves RateLimit items through the repository.
type RateLimitHandler struct {
	Repo *models.RateLimitRepository
}

// Get returns one RateLimit.
func (h *RateLimitHandler) Get(ctx context.Context, req RateLimitKey) (*models.RateLimit, error) {
	item, err := h.Repo.Get(ctx, req.Key, req.WindowStart)
	if dynamormerrors.IsNotFound(err) {
		return nil, ErrRateLimitNotFound
	}
	return item, err
}

// Create stores a new RateLimit and returns it.
func (h *RateLimitHandler) Create(ctx context.Context, item *models.RateLimit) (*models.RateLimit, error) {
	if err := h.Repo.Create(ctx, item); err != nil {
		if dynamormerrors.IsConditionFailed(err) {
			return nil, ErrRateLimitExists
		}
		return nil, err
	}
	return item, nil
}

// Delete removes one RateLimit.
func (h *RateLimitHandler) Delete(ctx context.Context, req RateLimitKey) error {
	return h.Repo.Delete(ctx, req.Key, req.WindowStart)
}
