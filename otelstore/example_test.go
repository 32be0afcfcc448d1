package otelstore_test

import (
	"context"
	"fmt"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/otelstore"
	"github.com/google/uuid"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func ExampleWrap() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	store := otelstore.Wrap(memstore.New(), otelstore.WithTracerProvider(tp))
	ctx := context.Background()
	org, _ := store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	_, _ = store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Engineering"})
	_, err := store.GetGroup(ctx, org.ID, uuid.New(), grouping.GetGroupOptions{})

	for _, s := range spans.Ended() {
		fmt.Print(s.Name())
		for _, kv := range s.Attributes() {
			fmt.Printf(" %s=%s", kv.Key, kv.Value.String())
		}
		fmt.Println()
	}
	fmt.Println(grouping.ErrorCode(err))
	// Output:
	// UpsertOrganisation db.operation.name=UpsertOrganisation
	// CreateGroup db.operation.name=CreateGroup
	// GetGroup db.operation.name=GetGroup error.type=not_found
	// not_found
}
