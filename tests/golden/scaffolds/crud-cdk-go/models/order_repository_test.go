// Scaffolded by lift dynamorm scaffold (preset crud). Runs against DynamoDB Local:
// `lift dynamorm test` starts one and sets DYNAMODB_ENDPOINT; without it (or INTEGRATION_TEST)
// the test is skipped.

package models

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	dynamormerrors "github.com/pay-theory/dynamorm/pkg/errors"
)

func TestOrderRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	if os.Getenv("DYNAMODB_ENDPOINT") == "" {
		if os.Getenv("INTEGRATION_TEST") == "" {
			t.Skip("set DYNAMODB_ENDPOINT (lift dynamorm test does) or INTEGRATION_TEST=true to run against DynamoDB Local")
		}
		t.Setenv("DYNAMODB_ENDPOINT", "http://localhost:8000")
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		// DynamoDB Local accepts any credentials.
		t.Setenv("AWS_ACCESS_KEY_ID", "dummy")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "dummy")
	}
	ownTable := os.Getenv("ORDER_TABLE_NAME") == ""
	if ownTable {
		// DynamORM reads TableName() once per process, so set the name before the first use.
		t.Setenv("ORDER_TABLE_NAME", fmt.Sprintf("test-Orders-%d", time.Now().UnixNano()))
	}
	db, err := NewDB()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := db.CreateTable(&Order{}); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if ownTable {
		t.Cleanup(func() { _ = db.DeleteTable(&Order{}) })
	}
	ctx := context.Background()
	repo := NewOrderRepository(db)

	item := &Order{TenantID: "tenantid-1", ID: "id-1", Total: 1.5, Status: "status-1", CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := repo.Create(ctx, item); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := repo.Create(ctx, item); !dynamormerrors.IsConditionFailed(err) {
		t.Fatalf("creating the same key twice: want a condition failure, got %v", err)
	}
	got, err := repo.Get(ctx, item.TenantID, item.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.TenantID != item.TenantID || got.ID != item.ID {
		t.Fatalf("get returned %+v, want the key of %+v", got, item)
	}
	if err := repo.Delete(ctx, item.TenantID, item.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := repo.Get(ctx, item.TenantID, item.ID); !dynamormerrors.IsNotFound(err) {
		t.Fatalf("get after delete: want not found, got %v", err)
	}
}
