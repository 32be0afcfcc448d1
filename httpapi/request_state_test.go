package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/internal/oteltest"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// hostKey is the key of a value that a host's middleware puts in the
// context of the requests it hands the API.
type hostKey struct{}

// channelContextStore hands the context of every GetChannel call it gets
// to got.
type channelContextStore struct {
	grouping.Store
	got chan context.Context
}

func (s *channelContextStore) GetChannel(ctx context.Context, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	s.got <- ctx
	return s.Store.GetChannel(ctx, orgID, channelID)
}

// TestRequestContextReachesStore checks that the context the API hands the
// store, which carries the request's state, still carries all of the
// request's own context: a host's values and deadline, the request's span,
// and its cancellation.
func TestRequestContextReachesStore(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	mem := memstore.New()
	org := uuid.New()
	_, err := mem.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Host"})
	is.NoErr(err) // the organisation is made
	ch, err := mem.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "general"})
	is.NoErr(err) // the channel is made
	store := &channelContextStore{Store: mem, got: make(chan context.Context, 1)}
	rec := oteltest.New()
	api, err := httpapi.New(store, httpapi.WithoutAuthentication(), httpapi.WithTracerProvider(rec.TracerProvider))
	is.NoErr(err) // the API is made
	path := "/organisations/" + org.String() + "/channels/" + ch.ID.String()

	deadline := time.Now().Add(time.Hour)
	hctx, cancel := context.WithDeadline(context.WithValue(ctx, hostKey{}, "from the host"), deadline)
	defer cancel()
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil).WithContext(hctx))
	is.Equal(w.Code, http.StatusOK) // served
	got := <-store.got
	is.Equal(got.Value(hostKey{}), "from the host") // the host's value reaches the store
	d, ok := got.Deadline()
	is.True(ok)                // with the host's deadline
	is.True(d.Equal(deadline)) // unchanged
	spans := rec.SpansNamed("GET /organisations/{organisation_id}/channels/{channel_id}")
	is.Equal(len(spans), 1)                                                               // the request has its span
	is.Equal(trace.SpanContextFromContext(got).SpanID(), spans[0].SpanContext().SpanID()) // which the store is called in

	cctx, stop := context.WithCancel(ctx)
	stop()
	w = httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil).WithContext(cctx))
	got = <-store.got
	is.Equal(got.Err(), context.Canceled) // the caller's cancellation reaches the store
	select {
	case <-got.Done():
	default:
		t.Fatal("the store's context is not done when the request's is")
	}
	is.Equal(w.Code, http.StatusServiceUnavailable) // and the request is answered as abandoned
}

// startSampler samples every span and keeps what it was asked.
type startSampler struct {
	mu   sync.Mutex
	seen []sdktrace.SamplingParameters
}

func (s *startSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Attributes = slices.Clone(p.Attributes)
	s.seen = append(s.seen, p)
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}

func (s *startSampler) Description() string { return "startSampler" }

// TestSpanStartAttributes checks that a request's span starts with its
// method, route and path, so that a sampler can decide on them, and that
// each request gets its own.
func TestSpanStartAttributes(t *testing.T) {
	is := is.New(t)
	sampler := &startSampler{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler))
	api, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication(), httpapi.WithPrefix("/api"), httpapi.WithTracerProvider(tp))
	is.NoErr(err) // the API is made
	groups := "/api/organisations/" + uuid.NewString() + "/groups"
	unknown := "/api/organisations/" + uuid.NewString() + "/nothing"
	for _, p := range []string{groups, unknown} {
		api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	is.Equal(len(sampler.seen), 2) // one span per request
	first, second := sampler.seen[0], sampler.seen[1]
	is.Equal(first.Name, "GET /api/organisations/{organisation_id}/groups") // named after the route
	is.Equal(first.Kind, trace.SpanKindServer)                              // a server span
	is.Equal(first.Attributes, []attribute.KeyValue{
		attribute.String("http.request.method", "GET"),
		attribute.String("http.route", "/api/organisations/{organisation_id}/groups"),
		attribute.String("url.path", groups),
	}) // the sampler is told the method, the route and the path
	is.Equal(second.Name, "GET") // a path that matches no route
	is.Equal(second.Attributes, []attribute.KeyValue{
		attribute.String("http.request.method", "GET"),
		attribute.String("url.path", unknown),
	}) // has no route, and its own path
}

// TestJSONHeadersOfEachResponse checks that every JSON response, success or
// error, gets its Content-Type and X-Content-Type-Options, in header values
// of its own: changing those of one response changes no other.
func TestJSONHeadersOfEachResponse(t *testing.T) {
	is := is.New(t)
	store := memstore.New()
	api, err := httpapi.New(store, httpapi.WithoutAuthentication())
	is.NoErr(err) // the API is made
	orgID := uuid.New()
	_, err = store.UpsertOrganisation(context.Background(), grouping.Organisation{ID: orgID, Name: "Headers"})
	is.NoErr(err) // the organisation is made
	org := orgID.String()
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/organisations/" + org + "/groups", http.StatusOK},
		{"/organisations/" + org + "/groups/not-a-uuid", http.StatusBadRequest},
		{"/workspaces/" + uuid.NewString() + "/channel-groups", http.StatusOK},
	} {
		for range 2 {
			w := httptest.NewRecorder()
			api.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path, nil))
			is.Equal(w.Code, c.status)                                                 // answered
			is.Equal(w.Header().Values("Content-Type"), []string{"application/json"})  // as JSON
			is.Equal(w.Header().Values("X-Content-Type-Options"), []string{"nosniff"}) // not to be sniffed
			w.Header()["Content-Type"][0] = "text/html"
			w.Header()["X-Content-Type-Options"][0] = "sniff"
		}
	}
}
