package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// telemetryRecorder holds OpenTelemetry providers that keep what they are
// given, for tests to read.
type telemetryRecorder struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	mp     *sdkmetric.MeterProvider
	tp     *sdktrace.TracerProvider
}

func newTelemetryRecorder() *telemetryRecorder {
	r := &telemetryRecorder{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	return r
}

// histogram returns the data points of the histogram name, and its unit.
func (r *telemetryRecorder) histogram(t *testing.T, name string) ([]metricdata.HistogramDataPoint[float64], string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m.Data.(metricdata.Histogram[float64]).DataPoints, m.Unit
			}
		}
	}
	return nil, ""
}

// point returns the count of the data point with exactly the attributes
// attrs, and whether there is one.
func point(points []metricdata.HistogramDataPoint[float64], attrs ...attribute.KeyValue) (uint64, bool) {
	want := attribute.NewSet(attrs...)
	for _, p := range points {
		if p.Attributes.Equals(&want) {
			return p.Count, true
		}
	}
	return 0, false
}

// spanNamed returns the ended spans called name.
func (r *telemetryRecorder) spanNamed(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// spanAttr returns the value of a span's attribute key.
func spanAttr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

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
	rec := newTelemetryRecorder()
	store := &contextStore{Store: memstore.New(), seen: make(chan trace.SpanContext, 10)}
	e := newEnv(t, store, envConfig{prefix: "/api", options: []httpapi.Option{
		httpapi.WithMeterProvider(rec.mp), httpapi.WithTracerProvider(rec.tp), httpapi.WithPropagator(propagation.TraceContext{}),
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

	points, unit := rec.histogram(t, "http.server.request.duration")
	is.Equal(unit, "s") // seconds
	route := func(r string) attribute.KeyValue { return attribute.String("http.route", r) }
	get := attribute.String("http.request.method", "GET")
	status := func(code int) attribute.KeyValue { return attribute.Int("http.response.status_code", code) }
	n, ok := point(points, get, route("/api/organisations/{organisation_id}/groups"), status(200))
	is.True(ok)            // the route pattern with its prefix, the method and the status
	is.Equal(n, uint64(2)) // counted twice
	_, ok = point(points, get, route("/api/organisations/{organisation_id}/groups"), status(401))
	is.True(ok) // a refusal is its own series
	_, ok = point(points, get, route("/api/organisations/{organisation_id}/groups/{group_id}"), status(500), attribute.String("error.type", "500"))
	is.True(ok) // a server error carries error.type
	_, ok = point(points, get, status(404))
	is.True(ok) // a path that matches no route has no http.route
	_, ok = point(points, get, route("/api/openapi.json"), status(200))
	is.True(ok) // the document is a route too

	spans := rec.spanNamed("GET /api/organisations/{organisation_id}/groups")
	is.Equal(len(spans), 3) // one server span per request
	first := spans[0]
	is.Equal(first.SpanKind(), trace.SpanKindServer)                                     // a server span
	is.Equal(first.SpanContext().TraceID().String(), "4bf92f3577b34da6a3ce929d0e0e4736") // continuing the caller's trace
	is.Equal(first.Parent().SpanID().String(), "00f067aa0ba902b7")                       // under the caller's span
	is.Equal(spanAttr(first, "http.response.status_code").AsInt64(), int64(200))         // with the status
	is.Equal(spanAttr(first, "url.path").AsString(), "/api"+groups)                      // and the path
	seen := <-store.seen
	is.Equal(seen.SpanID(), first.SpanContext().SpanID()) // the store is called in the request's span
	is.Equal(spans[1].Parent().IsValid(), false)          // a request without traceparent starts a trace

	failed := rec.spanNamed("GET /api/organisations/{organisation_id}/groups/{group_id}")
	is.Equal(len(failed), 1)                                 // the failed request's span
	is.Equal(failed[0].Status().Code, codes.Error)           // is marked as an error
	is.Equal(len(rec.spanNamed("GET")), 1)                   // the unknown path's span is named by its method alone
	is.Equal(len(rec.spanNamed("GET /api/openapi.json")), 2) // the document's spans: newEnv fetches it too
}

// TestTelemetryUnknownMethod checks that a method HTTP does not define is
// recorded as _OTHER, so that clients cannot make up attribute values.
func TestTelemetryUnknownMethod(t *testing.T) {
	is := is.New(t)
	rec := newTelemetryRecorder()
	api, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication(), httpapi.WithMeterProvider(rec.mp), httpapi.WithTracerProvider(rec.tp))
	is.NoErr(err) // the API is made
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest("BREW", "/organisations/"+uuid.NewString()+"/groups", nil))
	is.Equal(w.Code, http.StatusMethodNotAllowed) // no such method here
	points, _ := rec.histogram(t, "http.server.request.duration")
	_, ok := point(points, attribute.String("http.request.method", "_OTHER"), attribute.Int("http.response.status_code", 405))
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

	rec := newTelemetryRecorder()
	otel.SetMeterProvider(rec.mp)
	otel.SetTracerProvider(rec.tp)
	t.Cleanup(func() {
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
	})
	api, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication())
	is.NoErr(err) // the API is made
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	is.Equal(w.Code, http.StatusOK) // served
	points, _ := rec.histogram(t, "http.server.request.duration")
	is.Equal(len(points), 1)                             // recorded with the global meter provider
	is.Equal(len(rec.spanNamed("GET /openapi.json")), 1) // and traced with the global tracer provider
}

func TestTelemetryOptionsRefuseNil(t *testing.T) {
	is := is.New(t)
	for _, opt := range []httpapi.Option{httpapi.WithMeterProvider(nil), httpapi.WithTracerProvider(nil), httpapi.WithPropagator(nil)} {
		_, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication(), opt)
		is.True(err != nil) // a nil provider is refused
	}
}
