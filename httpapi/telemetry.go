package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the meter and tracer of the API.
const instrumentationName = "github.com/channelgrouping/grouping/httpapi"

// durationBuckets are the histogram boundaries, in seconds, that the
// OpenTelemetry semantic conventions advise for http.server.request.duration.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// WithMeterProvider records the API's metrics with mp instead of the
// global MeterProvider of package otel. The API records one histogram,
// http.server.request.duration, in seconds, with the attributes
// http.request.method, http.response.status_code, and http.route (the
// matched route pattern, prefix included, such as
// /api/organisations/{organisation_id}/groups; absent for paths that match
// no route).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) error {
		if mp == nil {
			return errors.New("httpapi: WithMeterProvider: nil MeterProvider")
		}
		o.meterProvider = mp
		return nil
	}
}

// WithTracerProvider records the API's traces with tp instead of the
// global TracerProvider of package otel. Every request gets a server span
// named after its method and route, such as
// "GET /api/organisations/{organisation_id}/groups", whose context the
// handlers pass on to the Store.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) error {
		if tp == nil {
			return errors.New("httpapi: WithTracerProvider: nil TracerProvider")
		}
		o.tracerProvider = tp
		return nil
	}
}

// WithPropagator reads the trace context of incoming requests (such as a
// W3C traceparent header) with p instead of the global TextMapPropagator of
// package otel, so that a request's span continues its caller's trace.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(o *options) error {
		if p == nil {
			return errors.New("httpapi: WithPropagator: nil TextMapPropagator")
		}
		o.propagator = p
		return nil
	}
}

// telemetry records the metrics and spans of requests.
type telemetry struct {
	tracer     trace.Tracer
	duration   metric.Float64Histogram
	propagator propagation.TextMapPropagator
}

// newTelemetry returns the telemetry of an API, with the global providers
// and propagator where the options give none. It registers nothing.
func newTelemetry(o *options) (*telemetry, error) {
	mp, tp, prop := o.meterProvider, o.tracerProvider, o.propagator
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	duration, err := mp.Meter(instrumentationName).Float64Histogram("http.server.request.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP server requests."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		return nil, err
	}
	return &telemetry{tracer: tp.Tracer(instrumentationName), duration: duration, propagator: prop}, nil
}

// instrument wraps h, the handler of route (a path pattern with the prefix,
// "" for the answers to paths that match no route), in a server span and
// records its duration.
func (t *telemetry) instrument(route string, h http.Handler) http.Handler {
	// The span names of the route, one per known method, made once.
	var names [len(httpMethods) + 1]string
	for i, m := range methodAttrs {
		names[i] = m.Value.AsString()
		if route != "" {
			names[i] += " " + route
		}
	}
	routeAttr := attribute.String("http.route", route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m := methodIndex(r.Method)
		// The request's state, its response writer and its span's
		// options are one allocation (see reqState).
		st := &reqState{w: statusWriter{ResponseWriter: w, status: http.StatusOK}}
		spanAttrs := append(st.spanAttrs[:0], methodAttrs[m])
		if route != "" {
			spanAttrs = append(spanAttrs, routeAttr)
		}
		spanAttrs = append(spanAttrs, attribute.String("url.path", r.URL.Path))
		st.spanOpts = [...]trace.SpanStartOption{serverSpan, trace.WithAttributes(spanAttrs...)}
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := t.tracer.Start(ctx, names[m], st.spanOpts[:]...)
		st.Context = ctx
		sw := &st.w
		defer func() {
			// A panic that reaches here aborts the response (entry
			// recovers all others); it is recorded as it stood.
			v := recover()
			// Attributes are built only for a span that records and a
			// histogram that measures: with the global providers unset,
			// neither does, and a request costs no more.
			recording, measuring := span.IsRecording(), t.duration.Enabled(ctx)
			if recording || measuring {
				attrs := make([]attribute.KeyValue, 0, 4)
				attrs = append(attrs, methodAttrs[m])
				if route != "" {
					attrs = append(attrs, routeAttr)
				}
				status := attribute.Int("http.response.status_code", sw.status)
				attrs = append(attrs, status)
				span.SetAttributes(status)
				if sw.status >= 500 || v != nil {
					errType := attribute.String("error.type", strconv.Itoa(sw.status))
					attrs = append(attrs, errType)
					span.SetAttributes(errType)
					span.SetStatus(codes.Error, "")
				}
				if measuring {
					t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
				}
			}
			span.End()
			if v != nil {
				panic(v)
			}
		}()
		// The state is the request's context (see reqState.claimed).
		h.ServeHTTP(sw, r.WithContext(st))
	})
}

// serverSpan is the option that makes a span a server's.
var serverSpan = trace.WithSpanKind(trace.SpanKindServer)

// httpMethods are HTTP's methods.
var httpMethods = [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace}

// methodIndex returns the index of method in httpMethods, or
// len(httpMethods) for "_OTHER".
func methodIndex(method string) int {
	for i, m := range httpMethods {
		if m == method {
			return i
		}
	}
	return len(httpMethods)
}

// methodAttrs are the http.request.method attributes of httpMethods, by
// index, and last that of any other method, "_OTHER", as the semantic
// conventions ask, so that clients cannot invent attribute values.
var methodAttrs = func() (a [len(httpMethods) + 1]attribute.KeyValue) {
	for i, m := range httpMethods {
		a[i] = attribute.String("http.request.method", m)
	}
	a[len(httpMethods)] = attribute.String("http.request.method", "_OTHER")
	return a
}()
