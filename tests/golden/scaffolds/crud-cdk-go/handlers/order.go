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

// ErrOrderNotFound is returned when no Order has the requested key (map it to 404).
var ErrOrderNotFound = errors.New("order not found")

// ErrOrderExists is returned when creating a Order whose key is taken (map it to 409).
var ErrOrderExists = errors.New("order already exists")

// OrderKey names one Order.
type OrderKey struct {
	TenantID string `json:"tenantID"`
	ID       string `json:"id"`
}

// OrderHandler serves Order items through the repository.
type OrderHandler struct {
	Repo *models.OrderRepository
}

// Get returns one Order.
func (h *OrderHandler) Get(ctx context.Context, req OrderKey) (*models.Order, error) {
	item, err := h.Repo.Get(ctx, req.TenantID, req.ID)
	if dynamormerrors.IsNotFound(err) {
		return nil, ErrOrderNotFound
	}
	return item, err
}

// Create stores a new Order and returns it.
func (h *OrderHandler) Create(ctx context.Context, item *models.Order) (*models.Order, error) {
	if err := h.Repo.Create(ctx, item); err != nil {
		if dynamormerrors.IsConditionFailed(err) {
			return nil, ErrOrderExists
		}
		return nil, err
	}
	return item, nil
}

// Delete removes one Order.
func (h *OrderHandler) Delete(ctx context.Context, req OrderKey) error {
	return h.Repo.Delete(ctx, req.TenantID, req.ID)
}
