// Scaffolded by lift dynamorm scaffold (preset event-store). Runs against DynamoDB Local:
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

func TestEventRepository(t *testing.T) {
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
	ownTable := os.Getenv("EVENT_TABLE_NAME") == ""
	if ownTable {
		// DynamORM reads TableName() once per process, so set the name before the first use.
		t.Setenv("EVENT_TABLE_NAME", fmt.Sprintf("test-Events-%d", time.Now().UnixNano()))
	}
	db, err := NewDB()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := db.CreateTable(&Event{}); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if ownTable {
		t.Cleanup(func() { _ = db.DeleteTable(&Event{}) })
	}
	ctx := context.Background()
	repo := NewEventRepository(db)

	item := &Event{StreamID: "streamid-1", Sequence: 1, EventType: "eventtype-1", OccurredAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := repo.Create(ctx, item); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := repo.Create(ctx, item); !dynamormerrors.IsConditionFailed(err) {
		t.Fatalf("creating the same key twice: want a condition failure, got %v", err)
	}
	got, err := repo.Get(ctx, item.StreamID, item.Sequence)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.StreamID != item.StreamID || got.Sequence != item.Sequence {
		t.Fatalf("get returned %+v, want the key of %+v", got, item)
	}
	if err := repo.Delete(ctx, item.StreamID, item.Sequence); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := repo.Get(ctx, item.StreamID, item.Sequence); !dynamormerrors.IsNotFound(err) {
		t.Fatalf("get after delete: want not found, got %v", err)
	}

	stream := fmt.Sprintf("stream-%d", time.Now().UnixNano())
	for seq := int64(1); seq <= 2; seq++ {
		event := &Event{StreamID: stream, Sequence: seq, EventType: "created", OccurredAt: time.Now().UTC()}
		if err := repo.Append(ctx, event); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
	}
	if err := repo.Append(ctx, &Event{StreamID: stream, Sequence: 2, EventType: "again", OccurredAt: time.Now().UTC()}); err != ErrSequenceTaken {
		t.Fatalf("appending a taken sequence number: want ErrSequenceTaken, got %v", err)
	}
	events, err := repo.Load(ctx, stream)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(events) != 2 || events[0].Sequence != 1 || events[1].Sequence != 2 {
		t.Fatalf("load returned %+v, want sequences 1 and 2", events)
	}
}
