// Package oteltest gives tests OpenTelemetry providers that keep what they
// record, and ways to read it back.
package oteltest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Recorder holds a MeterProvider and a TracerProvider that keep what they
// are given.
type Recorder struct {
	MeterProvider  *sdkmetric.MeterProvider
	TracerProvider *sdktrace.TracerProvider
	reader         *sdkmetric.ManualReader
	spans          *tracetest.SpanRecorder
}

// New returns a Recorder.
func New() *Recorder {
	r := &Recorder{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	r.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	r.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	return r
}

// Histogram returns the data points of the float histogram called name, and
// its unit; none and "" when nothing was recorded in it.
func (r *Recorder) Histogram(t testing.TB, name string) ([]metricdata.HistogramDataPoint[float64], string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect metrics: %v", err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				h, ok := m.Data.(metricdata.Histogram[float64])
				if !ok {
					t.Fatalf("metric %s is a %T, not a float histogram", name, m.Data)
				}
				return h.DataPoints, m.Unit
			}
		}
	}
	return nil, ""
}

// Count returns the count of the data point with exactly the attributes
// attrs, and whether there is one.
func Count(points []metricdata.HistogramDataPoint[float64], attrs ...attribute.KeyValue) (uint64, bool) {
	want := attribute.NewSet(attrs...)
	for _, p := range points {
		if p.Attributes.Equals(&want) {
			return p.Count, true
		}
	}
	return 0, false
}

// Spans returns the spans that have ended, in the order they ended.
func (r *Recorder) Spans() []sdktrace.ReadOnlySpan { return r.spans.Ended() }

// SpansNamed returns the ended spans called name.
func (r *Recorder) SpansNamed(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// Attr returns the value of the attribute key among kvs, as text; "" when
// there is none.
func Attr(kvs []attribute.KeyValue, key string) string {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}
