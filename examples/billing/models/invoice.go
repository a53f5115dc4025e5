package models

import (
	"os"
	"time"
)

// Invoice is one invoice of a tenant. Its table name comes from INVOICES_TABLE,
// which Lift's CDK sets on every function that uses it.
type Invoice struct {
	TenantID  string    `dynamorm:"pk" json:"tenantId"`
	InvoiceID string    `dynamorm:"sk" json:"invoiceId"`
	Status    string    `dynamorm:"index:gsi-status,pk" json:"status"`
	IssuedAt  time.Time `dynamorm:"index:gsi-status,sk" json:"issuedAt"`
	DueDay    string    `dynamorm:"lsi:lsi-due-day" json:"dueDay"`
	AmountDue int64     `json:"amountDue"`
	PurgeAt   int64     `dynamorm:"ttl,omitempty" json:"purgeAt"`
	Version   int64     `dynamorm:"version" json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func (Invoice) TableName() string { return os.Getenv("INVOICES_TABLE") }
