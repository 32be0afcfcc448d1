package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/internal/oteltest"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// contextStore records the span context of the ListGroups calls it gets,
// and fails GetGroup with an internal error.
type contextStore struct {
	grouping.Store
	seen chan trace.SpanContext
}

func (s *contextStore) ListGroups(ctx context.Context, orgID uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	s.seen <- trace.SpanContextFromContext(ctx)
	return s.Store.ListGroups(ctx, orgID, opts)
}

func (s *contextStore) GetGroup(context.Context, uuid.UUID, uuid.UUID, grouping.GetGroupOptions) (grouping.Group, error) {
	return grouping.Group{}, errors.New("disk on fire")
}

// TestTelemetry checks the metrics and spans of requests: their route
// pattern, method and status; the caller's trace continued; the span's
// context passed to the store; errors marked.
func TestTelemetry(t *testing.T) {
	is := is.New(t)
	rec := oteltest.New()
	store := &contextStore{Store: memstore.New(), seen: make(chan trace.SpanContext, 10)}
	e := newEnv(t, store, envConfig{prefix: "/api", options: []httpapi.Option{
		httpapi.WithMeterProvider(rec.MeterProvider), httpapi.WithTracerProvider(rec.TracerProvider), httpapi.WithPropagator(propagation.TraceContext{}),
	}})
	e.withTokens()
	a := e.fx.a
	groups := "/organisations/" + a.org.String() + "/groups"
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

	orgEnvelope(t, e.do(t, request{method: "GET", path: groups, as: a.token, header: map[string]string{"traceparent": traceparent}}), "Groups fetched successfully")
	orgEnvelope(t, e.do(t, request{method: "GET", path: groups, as: a.token}), "Groups fetched successfully")
	orgErrorShape(t, e.do(t, request{method: "GET", path: groups}), http.StatusUnauthorized)
	orgErrorShape(t, e.do(t, request{method: "GET", path: groups + "/" + a.groups[0].String(), as: a.token}), http.StatusInternalServerError)
	orgErrorShape(t, e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/nothing", as: a.token}), http.StatusNotFound)
	is.Equal(e.do(t, request{method: "GET", path: "/openapi.json"}).status, http.StatusOK) // the document

	points, unit := rec.Histogram(t, "http.server.request.duration")
	is.Equal(unit, "s") // seconds
	route := func(r string) attribute.KeyValue { return attribute.String("http.route", r) }
	get := attribute.String("http.request.method", "GET")
	status := func(code int) attribute.KeyValue { return attribute.Int("http.response.status_code", code) }
	n, ok := oteltest.Count(points, get, route("/api/organisations/{organisation_id}/groups"), status(200))
	is.True(ok)            // the route pattern with its prefix, the method and the status
	is.Equal(n, uint64(2)) // counted twice
	_, ok = oteltest.Count(points, get, route("/api/organisations/{organisation_id}/groups"), status(401))
	is.True(ok) // a refusal is its own series
	_, ok = oteltest.Count(points, get, route("/api/organisations/{organisation_id}/groups/{group_id}"), status(500), attribute.String("error.type", "500"))
	is.True(ok) // a server error carries error.type
	_, ok = oteltest.Count(points, get, status(404))
	is.True(ok) // a path that matches no route has no http.route
	_, ok = oteltest.Count(points, get, route("/api/openapi.json"), status(200))
	is.True(ok) // the document is a route too

	spans := rec.SpansNamed("GET /api/organisations/{organisation_id}/groups")
	is.Equal(len(spans), 3) // one server span per request
	first := spans[0]
	is.Equal(first.SpanKind(), trace.SpanKindServer)                                     // a server span
	is.Equal(first.SpanContext().TraceID().String(), "4bf92f3577b34da6a3ce929d0e0e4736") // continuing the caller's trace
	is.Equal(first.Parent().SpanID().String(), "00f067aa0ba902b7")                       // under the caller's span
	is.Equal(oteltest.Attr(first.Attributes(), "http.response.status_code"), "200")      // with the status
	is.Equal(oteltest.Attr(first.Attributes(), "url.path"), "/api"+groups)               // and the path
	seen := <-store.seen
	is.Equal(seen.SpanID(), first.SpanContext().SpanID()) // the store is called in the request's span
	is.Equal(spans[1].Parent().IsValid(), false)          // a request without traceparent starts a trace

	failed := rec.SpansNamed("GET /api/organisations/{organisation_id}/groups/{group_id}")
	is.Equal(len(failed), 1)                                  // the failed request's span
	is.Equal(failed[0].Status().Code, codes.Error)            // is marked as an error
	is.Equal(len(rec.SpansNamed("GET")), 1)                   // the unknown path's span is named by its method alone
	is.Equal(len(rec.SpansNamed("GET /api/openapi.json")), 2) // the document's spans: newEnv fetches it too
}

// TestTelemetryUnknownMethod checks that a method HTTP does not define is
// recorded as _OTHER, so that clients cannot make up attribute values.
func TestTelemetryUnknownMethod(t *testing.T) {
	is := is.New(t)
	rec := oteltest.New()
	api, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication(), httpapi.WithMeterProvider(rec.MeterProvider), httpapi.WithTracerProvider(rec.TracerProvider))
	is.NoErr(err) // the API is made
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest("BREW", "/organisations/"+uuid.NewString()+"/groups", nil))
	is.Equal(w.Code, http.StatusMethodNotAllowed) // no such method here
	points, _ := rec.Histogram(t, "http.server.request.duration")
	_, ok := oteltest.Count(points, attribute.String("http.request.method", "_OTHER"), attribute.Int("http.response.status_code", 405))
	is.True(ok) // recorded as _OTHER
}

// TestTelemetryGlobalProviders checks that an API given no providers
// records with the global ones of package otel, and registers none itself.
func TestTelemetryGlobalProviders(t *testing.T) {
	is := is.New(t)
	before := otel.GetMeterProvider()
	_, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication())
	is.NoErr(err)                             // the API is made
	is.Equal(otel.GetMeterProvider(), before) // and the global provider is left alone

	rec := oteltest.New()
	otel.SetMeterProvider(rec.MeterProvider)
	otel.SetTracerProvider(rec.TracerProvider)
	t.Cleanup(func() {
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
	})
	api, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication())
	is.NoErr(err) // the API is made
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	is.Equal(w.Code, http.StatusOK) // served
	points, _ := rec.Histogram(t, "http.server.request.duration")
	is.Equal(len(points), 1)                              // recorded with the global meter provider
	is.Equal(len(rec.SpansNamed("GET /openapi.json")), 1) // and traced with the global tracer provider
}

func TestTelemetryOptionsRefuseNil(t *testing.T) {
	is := is.New(t)
	for _, opt := range []httpapi.Option{httpapi.WithMeterProvider(nil), httpapi.WithTracerProvider(nil), httpapi.WithPropagator(nil)} {
		_, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication(), opt)
		is.True(err != nil) // a nil provider is refused
	}
}
