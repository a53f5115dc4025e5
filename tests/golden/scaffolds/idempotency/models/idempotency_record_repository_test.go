// Scaffolded by lift dynamorm scaffold (preset idempotency). Runs against DynamoDB Local:
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

func TestIdempotencyRecordRepository(t *testing.T) {
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
	ownTable := os.Getenv("IDEMPOTENCY_TABLE_NAME") == ""
	if ownTable {
		// DynamORM reads TableName() once per process, so set the name before the first use.
		t.Setenv("IDEMPOTENCY_TABLE_NAME", fmt.Sprintf("test-IdempotencyRecords-%d", time.Now().UnixNano()))
	}
	db, err := NewDB()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := db.CreateTable(&IdempotencyRecord{}); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if ownTable {
		t.Cleanup(func() { _ = db.DeleteTable(&IdempotencyRecord{}) })
	}
	ctx := context.Background()
	repo := NewIdempotencyRecordRepository(db)

	item := &IdempotencyRecord{Key: "key-1"}
	if err := repo.Create(ctx, item); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := repo.Create(ctx, item); !dynamormerrors.IsConditionFailed(err) {
		t.Fatalf("creating the same key twice: want a condition failure, got %v", err)
	}
	got, err := repo.Get(ctx, item.Key)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Key != item.Key {
		t.Fatalf("get returned %+v, want the key of %+v", got, item)
	}
	if err := repo.Delete(ctx, item.Key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := repo.Get(ctx, item.Key); !dynamormerrors.IsNotFound(err) {
		t.Fatalf("get after delete: want not found, got %v", err)
	}

	first, claimed, err := repo.Claim(ctx, item.Key, "hash-1", time.Hour)
	if err != nil || !claimed {
		t.Fatalf("first claim: claimed=%v err=%v", claimed, err)
	}
	if err := repo.Complete(ctx, first, 201, `{"ok":true}`); err != nil {
		t.Fatalf("complete: %v", err)
	}
	again, claimed, err := repo.Claim(ctx, item.Key, "hash-1", time.Hour)
	if err != nil || claimed {
		t.Fatalf("second claim: claimed=%v err=%v", claimed, err)
	}
	if again.Status != "COMPLETED" || again.StatusCode != 201 || again.RequestHash != "hash-1" {
		t.Fatalf("second claim returned %+v, want the completed record", again)
	}
}
