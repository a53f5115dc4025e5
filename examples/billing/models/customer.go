package models

import "time"

// Customer is keyed by tenant and e-mail hash; its table name is fixed.
type Customer struct {
	_         struct{}  `dynamorm:"naming:snake_case"`
	TenantID  string    `dynamorm:"pk"`
	EmailHash string    `dynamorm:"sk"`
	PlanID    string    `dynamorm:"index:gsi-plan,pk,omitempty"`
	CreatedAt time.Time `dynamorm:"created_at"`
}

func (Customer) TableName() string { return "billing-customers" }
