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

// ErrCustomerNotFound is returned when no Customer has the requested key (map it to 404).
var ErrCustomerNotFound = errors.New("customer not found")

// ErrCustomerExists is returned when creating a Customer whose key is taken (map it to 409).
var ErrCustomerExists = errors.New("customer already exists")

// CustomerKey names one Customer.
type CustomerKey struct {
	Email string `json:"email"`
}

// CustomerHandler serves Customer items through the repository.
type CustomerHandler struct {
	Repo *models.CustomerRepository
}

// Get returns one Customer.
func (h *CustomerHandler) Get(ctx context.Context, req CustomerKey) (*models.Customer, error) {
	item, err := h.Repo.Get(ctx, req.Email)
	if dynamormerrors.IsNotFound(err) {
		return nil, ErrCustomerNotFound
	}
	return item, err
}

// Create stores a new Customer and returns it.
func (h *CustomerHandler) Create(ctx context.Context, item *models.Customer) (*models.Customer, error) {
	if err := h.Repo.Create(ctx, item); err != nil {
		if dynamormerrors.IsConditionFailed(err) {
			return nil, ErrCustomerExists
		}
		return nil, err
	}
	return item, nil
}

// Delete removes one Customer.
func (h *CustomerHandler) Delete(ctx context.Context, req CustomerKey) error {
	return h.Repo.Delete(ctx, req.Email)
}
