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

// ErrEventNotFound is returned when no Event has the requested key (map it to 404).
var ErrEventNotFound = errors.New("event not found")

// ErrEventExists is returned when creating a Event whose key is taken (map it to 409).
var ErrEventExists = errors.New("event already exists")

// EventKey names one Event.
type EventKey struct {
	StreamID string `json:"streamID"`
	Sequence int64  `json:"sequence"`
}

// EventHandler serves Event items through the repository.
type EventHandler struct {
	Repo *models.EventRepository
}

// Get returns one Event.
func (h *EventHandler) Get(ctx context.Context, req EventKey) (*models.Event, error) {
	item, err := h.Repo.Get(ctx, req.StreamID, req.Sequence)
	if dynamormerrors.IsNotFound(err) {
		return nil, ErrEventNotFound
	}
	return item, err
}

// Create stores a new Event and returns it.
func (h *EventHandler) Create(ctx context.Context, item *models.Event) (*models.Event, error) {
	if err := h.Repo.Create(ctx, item); err != nil {
		if dynamormerrors.IsConditionFailed(err) {
			return nil, ErrEventExists
		}
		return nil, err
	}
	return item, nil
}

// Delete removes one Event.
func (h *EventHandler) Delete(ctx context.Context, req EventKey) error {
	return h.Repo.Delete(ctx, req.StreamID, req.Sequence)
}
