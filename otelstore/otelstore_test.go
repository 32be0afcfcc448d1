package otelstore_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/oteltest"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/otelstore"
	"github.com/channelgrouping/grouping/storetest"
	"github.com/google/uuid"
	"github.com/matryer/is"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// options returns the options that record into rec.
func options(rec *oteltest.Recorder) []otelstore.Option {
	return []otelstore.Option{otelstore.WithMeterProvider(rec.MeterProvider), otelstore.WithTracerProvider(rec.TracerProvider)}
}

// TestConformance runs the store conformance suite through the wrapper: it
// changes nothing a caller sees.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) grouping.Store {
		return otelstore.Wrap(memstore.New(), options(oteltest.New())...)
	})
}

// TestEveryOperationIsRecorded calls every method of grouping.Store but
// Close through the wrapper, and finds a span and a measurement named
// after each. A method added to grouping.Store that the wrapper does not
// record fails here.
func TestEveryOperationIsRecorded(t *testing.T) {
	is := is.New(t)
	rec := oteltest.New()
	s := otelstore.Wrap(memstore.New(), options(rec)...)
	ctxType := reflect.TypeFor[context.Context]()
	var want []string
	for _, typ := range []reflect.Type{reflect.TypeFor[grouping.Store](), reflect.TypeFor[grouping.EventLog]()} {
		for m := range typ.Methods() {
			if m.Name == "Close" {
				continue
			}
			want = append(want, m.Name)
			args := make([]reflect.Value, m.Type.NumIn())
			for i := range args {
				if in := m.Type.In(i); in == ctxType {
					args[i] = reflect.ValueOf(context.Background())
				} else {
					args[i] = reflect.Zero(in)
				}
			}
			reflect.ValueOf(s).MethodByName(m.Name).Call(args)
		}
	}
	is.True(len(want) > 26) // every operation of both interfaces

	var spans []string
	for _, sp := range rec.Spans() {
		spans = append(spans, sp.Name())
		is.Equal(sp.SpanKind(), trace.SpanKindClient)                            // client spans
		is.Equal(oteltest.Attr(sp.Attributes(), "db.operation.name"), sp.Name()) // named after the operation
	}
	points, unit := rec.Histogram(t, "db.client.operation.duration")
	is.Equal(unit, "s") // seconds
	var measured []string
	for _, p := range points {
		name, _ := p.Attributes.Value("db.operation.name")
		measured = append(measured, name.AsString())
	}
	slices.Sort(want)
	slices.Sort(spans)
	slices.Sort(measured)
	measured = slices.Compact(measured)
	is.Equal(spans, want)    // one span per operation
	is.Equal(measured, want) // and a duration per operation
}

// noEvents is a store that keeps no events.
type noEvents struct{ grouping.Store }

// TestWrappedStoreWithoutEvents checks that the event methods of a wrapper
// around a store that keeps none fail with an Internal error.
func TestWrappedStoreWithoutEvents(t *testing.T) {
	is := is.New(t)
	s := otelstore.Wrap(noEvents{memstore.New()}, options(oteltest.New())...)
	_, err := s.Events(t.Context(), grouping.OrganisationOf(uuid.New()), 0, 0)
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // Events fails
	_, err = s.WaitEvents(t.Context(), grouping.OrganisationOf(uuid.New()), 0, 0)
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // WaitEvents fails at once
	_, err = s.PruneEvents(t.Context(), grouping.Retention{MaxCount: 1})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // PruneEvents fails
}

// failing fails GetGroup with an internal error.
type failing struct{ grouping.Store }

func (failing) GetGroup(context.Context, uuid.UUID, uuid.UUID, grouping.GetGroupOptions) (grouping.Group, error) {
	return grouping.Group{}, errors.New("disk on fire")
}

// TestSpansAndErrors checks the parent of a span, the system attribute,
// and how errors are recorded: a not-found is an answer, an internal error
// a fault.
func TestSpansAndErrors(t *testing.T) {
	is := is.New(t)
	rec := oteltest.New()
	inner := failing{memstore.New()}
	s := otelstore.Wrap(inner, append(options(rec), otelstore.WithSystem("sqlite"))...)
	is.Equal(s.Unwrap(), grouping.Store(inner)) // Unwrap reaches the wrapped store

	parentProvider := sdktrace.NewTracerProvider()
	ctx, parent := parentProvider.Tracer("test").Start(context.Background(), "request")
	_, err := s.CreateGroup(ctx, uuid.New(), grouping.NewGroup{Name: "x"})
	is.Equal(grouping.ErrorCode(err), grouping.NotFound) // the error is passed on unchanged
	_, err = s.GetGroup(ctx, uuid.New(), uuid.New(), grouping.GetGroupOptions{})
	is.True(err != nil) // as is an internal one
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = s.ListGroups(cancelled, uuid.New(), grouping.ListGroupsOptions{})
	parent.End()

	spans := rec.Spans()
	is.Equal(len(spans), 3) // one span per call
	for _, sp := range spans {
		is.Equal(sp.Parent().SpanID(), parent.SpanContext().SpanID())        // a child of the caller's span
		is.Equal(oteltest.Attr(sp.Attributes(), "db.system.name"), "sqlite") // with the system
	}
	is.Equal(oteltest.Attr(spans[0].Attributes(), "error.type"), "not_found") // the code of the error
	is.Equal(spans[0].Status().Code, codes.Unset)                             // a not-found is no fault
	is.Equal(oteltest.Attr(spans[1].Attributes(), "error.type"), "internal")  // an internal error
	is.Equal(spans[1].Status().Code, codes.Error)                             // is a fault
	is.Equal(oteltest.Attr(spans[2].Attributes(), "error.type"), "canceled")  // a call whose context ended
	is.Equal(spans[2].Status().Code, codes.Unset)                             // is no fault of the store

	points, _ := rec.Histogram(t, "db.client.operation.duration")
	is.Equal(len(points), 3) // one series per operation and outcome
	for _, p := range points {
		system, _ := p.Attributes.Value("db.system.name")
		is.Equal(system.AsString(), "sqlite") // measurements carry the system too
		_, hasError := p.Attributes.Value("error.type")
		is.True(hasError) // and the error type of failed calls
	}
}
