// Scaffolded by lift dynamorm scaffold (preset crud). Edit freely: lift never overwrites
// this file without --force.

package models

import (
	"context"

	"github.com/pay-theory/dynamorm/pkg/core"
)

// OrderRepository reads and writes Order items with DynamORM.
type OrderRepository struct {
	db core.DB
}

// NewOrderRepository uses db (see NewDB).
func NewOrderRepository(db core.DB) *OrderRepository {
	return &OrderRepository{db: db}
}

// Create stores a new item. If an item with the same key exists it fails with an error for
// which errors.IsConditionFailed (github.com/pay-theory/dynamorm/pkg/errors) is true.
func (r *OrderRepository) Create(ctx context.Context, item *Order) error {
	return r.db.WithContext(ctx).Model(item).IfNotExists().Create()
}

// Get returns the item with this key; errors.IsNotFound(err) tells that there is none.
func (r *OrderRepository) Get(ctx context.Context, tenantID string, id string) (*Order, error) {
	var out Order
	if err := r.db.WithContext(ctx).Model(&Order{}).Where("TenantID", "=", tenantID).Where("ID", "=", id).First(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update writes the named Go fields of item (every non-key field when none are named).
// DynamORM sets the updated_at field and, with a version field, fails when the stored item
// changed since it was read.
func (r *OrderRepository) Update(ctx context.Context, item *Order, fields ...string) error {
	return r.db.WithContext(ctx).Model(item).Update(fields...)
}

// Delete removes the item with this key.
func (r *OrderRepository) Delete(ctx context.Context, tenantID string, id string) error {
	return r.db.WithContext(ctx).Model(&Order{TenantID: tenantID, ID: id}).Delete()
}

// ListByTenantID returns every item of one partition, in sort key order.
func (r *OrderRepository) ListByTenantID(ctx context.Context, tenantID string) ([]Order, error) {
	var out []Order
	err := r.db.WithContext(ctx).Model(&Order{}).Where("TenantID", "=", tenantID).All(&out)
	return out, err
}

// QueryByStatus returns the items whose Status equals status, through the
// global secondary index gsi-status (eventually consistent).
func (r *OrderRepository) QueryByStatus(ctx context.Context, status string) ([]Order, error) {
	var out []Order
	err := r.db.WithContext(ctx).Model(&Order{}).Index("gsi-status").Where("Status", "=", status).All(&out)
	return out, err
}
