// Scaffolded by lift dynamorm scaffold (preset crud). Edit freely: lift never overwrites
// this file without --force.

package models

import (
	"context"

	"github.com/pay-theory/dynamorm/pkg/core"
)

// CustomerRepository reads and writes Customer items with DynamORM.
type CustomerRepository struct {
	db core.DB
}

// NewCustomerRepository uses db (see NewDB).
func NewCustomerRepository(db core.DB) *CustomerRepository {
	return &CustomerRepository{db: db}
}

// Create stores a new item. If an item with the same key exists it fails with an error for
// which errors.IsConditionFailed (github.com/pay-theory/dynamorm/pkg/errors) is true.
func (r *CustomerRepository) Create(ctx context.Context, item *Customer) error {
	return r.db.WithContext(ctx).Model(item).IfNotExists().Create()
}

// Get returns the item with this key; errors.IsNotFound(err) tells that there is none.
func (r *CustomerRepository) Get(ctx context.Context, email string) (*Customer, error) {
	var out Customer
	if err := r.db.WithContext(ctx).Model(&Customer{}).Where("Email", "=", email).First(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update writes the named Go fields of item (every non-key field when none are named).
// DynamORM sets the updated_at field and, with a version field, fails when the stored item
// changed since it was read.
func (r *CustomerRepository) Update(ctx context.Context, item *Customer, fields ...string) error {
	return r.db.WithContext(ctx).Model(item).Update(fields...)
}

// Delete removes the item with this key.
func (r *CustomerRepository) Delete(ctx context.Context, email string) error {
	return r.db.WithContext(ctx).Model(&Customer{Email: email}).Delete()
}
