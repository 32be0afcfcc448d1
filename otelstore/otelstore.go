// Package otelstore records the calls of any [grouping.Store] with
// OpenTelemetry: a client span and a duration for every operation.
//
//	store = otelstore.Wrap(sqliteStore, otelstore.WithSystem("sqlite"))
//
// Each call of a Store method (Close aside) gets a span named after the
// method, such as "CreateGroup", of kind client, as a child of the span in
// its context (an httpapi request's, say), and is recorded in the histogram
// db.client.operation.duration (seconds) with the attributes
// db.operation.name (the method name), db.system.name (when [WithSystem]
// names it) and, when the call fails, error.type (the error's
// [grouping.Code], such as not_found, or canceled when the caller's context
// ended first). A span is marked as an error only
// for the codes that say the store failed (internal, unavailable,
// insufficient_storage); a not-found or a conflict is an answer, not a
// fault.
//
// The store also implements [grouping.EventLog], passing the event calls
// on to a wrapped store that keeps events (every store of this module does)
// and failing them with an Internal error otherwise.
//
// Without [WithMeterProvider] and [WithTracerProvider] the global
// providers of package otel are used; the package never sets them.
package otelstore

import (
	"context"
	"errors"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the meter and tracer of the package.
const instrumentationName = "github.com/channelgrouping/grouping/otelstore"

// durationBuckets are the histogram boundaries, in seconds, that the
// OpenTelemetry semantic conventions advise for
// db.client.operation.duration.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// inner lets Store embed the wrapped store without exporting it.
type inner = grouping.Store

// Store is a [grouping.Store] that records the calls it passes on to
// another. It is safe for concurrent use when the store it wraps is.
type Store struct {
	inner
	tracer   trace.Tracer
	duration metric.Float64Histogram
	system   []attribute.KeyValue
}

var _ grouping.Store = (*Store)(nil)

// Option configures [Wrap].
type Option func(*config)

type config struct {
	mp     metric.MeterProvider
	tp     trace.TracerProvider
	system string
}

// WithMeterProvider records durations with mp instead of the global
// MeterProvider. A nil mp is ignored.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// WithTracerProvider records spans with tp instead of the global
// TracerProvider. A nil tp is ignored.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithSystem sets the db.system.name attribute of every span and
// measurement, such as "sqlite" or "postgresql". Without it the attribute
// is left out, as for a store in memory.
func WithSystem(name string) Option {
	return func(c *config) { c.system = name }
}

// Wrap returns a Store that records the calls it passes on to s. Closing it
// closes s.
func Wrap(s grouping.Store, opts ...Option) *Store {
	c := config{mp: otel.GetMeterProvider(), tp: otel.GetTracerProvider()}
	for _, o := range opts {
		o(&c)
	}
	// The name, unit and boundaries are valid, so the meter returns no
	// error; a provider that fails anyway hands back a working no-op
	// instrument.
	duration, _ := c.mp.Meter(instrumentationName).Float64Histogram("db.client.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of store operations."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	w := &Store{inner: s, tracer: c.tp.Tracer(instrumentationName), duration: duration}
	if c.system != "" {
		w.system = []attribute.KeyValue{attribute.String("db.system.name", c.system)}
	}
	return w
}

// Unwrap returns the store that s passes its calls on to, so that callers
// can reach its own methods (such as sqlite's Check).
func (s *Store) Unwrap() grouping.Store { return s.inner }

// faults are the codes of errors that say the store failed, rather than
// answered.
var faults = []grouping.Code{grouping.Internal, grouping.Unavailable, grouping.InsufficientStorage}

// observe runs fn, the operation op, in a span and records its duration.
func observe[T any](ctx context.Context, s *Store, op string, fn func(context.Context) (T, error)) (v T, err error) {
	attrs := append([]attribute.KeyValue{attribute.String("db.operation.name", op)}, s.system...)
	ctx, span := s.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	start := time.Now()
	defer func() {
		if err != nil {
			code := grouping.ErrorCode(err)
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				code = "canceled"
			}
			errType := attribute.String("error.type", string(code))
			attrs = append(attrs, errType)
			span.SetAttributes(errType)
			for _, f := range faults {
				if code == f {
					span.SetStatus(codes.Error, string(code))
				}
			}
		}
		s.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
		span.End()
	}()
	return fn(ctx)
}

// observeErr is observe for operations that return only an error.
func observeErr(ctx context.Context, s *Store, op string, fn func(context.Context) error) error {
	_, err := observe(ctx, s, op, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return err
}

// The methods of grouping.Store pass each call on to the wrapped store, in
// a span and timed. Close is passed on as it is.

func (s *Store) UpsertOrganisation(ctx context.Context, org grouping.Organisation) (grouping.Organisation, error) {
	return observe(ctx, s, "UpsertOrganisation", func(ctx context.Context) (grouping.Organisation, error) {
		return s.inner.UpsertOrganisation(ctx, org)
	})
}

func (s *Store) UpsertChannel(ctx context.Context, ch grouping.ChannelUpsert) (grouping.Channel, error) {
	return observe(ctx, s, "UpsertChannel", func(ctx context.Context) (grouping.Channel, error) {
		return s.inner.UpsertChannel(ctx, ch)
	})
}

func (s *Store) GetChannel(ctx context.Context, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	return observe(ctx, s, "GetChannel", func(ctx context.Context) (grouping.Channel, error) {
		return s.inner.GetChannel(ctx, orgID, channelID)
	})
}

func (s *Store) DeleteChannel(ctx context.Context, orgID, channelID uuid.UUID) error {
	return observeErr(ctx, s, "DeleteChannel", func(ctx context.Context) error {
		return s.inner.DeleteChannel(ctx, orgID, channelID)
	})
}

func (s *Store) AddChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	return observeErr(ctx, s, "AddChannelMember", func(ctx context.Context) error {
		return s.inner.AddChannelMember(ctx, orgID, channelID, userID)
	})
}

func (s *Store) RemoveChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	return observeErr(ctx, s, "RemoveChannelMember", func(ctx context.Context) error {
		return s.inner.RemoveChannelMember(ctx, orgID, channelID, userID)
	})
}

func (s *Store) CreateGroup(ctx context.Context, orgID uuid.UUID, g grouping.NewGroup) (grouping.Group, error) {
	return observe(ctx, s, "CreateGroup", func(ctx context.Context) (grouping.Group, error) {
		return s.inner.CreateGroup(ctx, orgID, g)
	})
}

func (s *Store) GetGroup(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.GetGroupOptions) (grouping.Group, error) {
	return observe(ctx, s, "GetGroup", func(ctx context.Context) (grouping.Group, error) {
		return s.inner.GetGroup(ctx, orgID, groupID, opts)
	})
}

func (s *Store) ListGroups(ctx context.Context, orgID uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	return observe(ctx, s, "ListGroups", func(ctx context.Context) (grouping.Page[grouping.Group], error) {
		return s.inner.ListGroups(ctx, orgID, opts)
	})
}

func (s *Store) UpdateGroup(ctx context.Context, orgID, groupID uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	return observe(ctx, s, "UpdateGroup", func(ctx context.Context) (grouping.Group, error) {
		return s.inner.UpdateGroup(ctx, orgID, groupID, u)
	})
}

func (s *Store) DeleteGroup(ctx context.Context, orgID, groupID uuid.UUID, ifVersion int64) error {
	return observeErr(ctx, s, "DeleteGroup", func(ctx context.Context) error {
		return s.inner.DeleteGroup(ctx, orgID, groupID, ifVersion)
	})
}

func (s *Store) ReorderGroups(ctx context.Context, orgID uuid.UUID, groupIDs []uuid.UUID) error {
	return observeErr(ctx, s, "ReorderGroups", func(ctx context.Context) error {
		return s.inner.ReorderGroups(ctx, orgID, groupIDs)
	})
}

func (s *Store) AssignChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	return observeErr(ctx, s, "AssignChannel", func(ctx context.Context) error {
		return s.inner.AssignChannel(ctx, orgID, groupID, channelID)
	})
}

func (s *Store) RemoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	return observeErr(ctx, s, "RemoveChannel", func(ctx context.Context) error {
		return s.inner.RemoveChannel(ctx, orgID, groupID, channelID)
	})
}

func (s *Store) MoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	return observeErr(ctx, s, "MoveChannel", func(ctx context.Context) error {
		return s.inner.MoveChannel(ctx, orgID, groupID, channelID)
	})
}

func (s *Store) AssignChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return observeErr(ctx, s, "AssignChannels", func(ctx context.Context) error {
		return s.inner.AssignChannels(ctx, orgID, groupID, channelIDs)
	})
}

func (s *Store) RemoveChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return observeErr(ctx, s, "RemoveChannels", func(ctx context.Context) error {
		return s.inner.RemoveChannels(ctx, orgID, groupID, channelIDs)
	})
}

func (s *Store) MoveChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return observeErr(ctx, s, "MoveChannels", func(ctx context.Context) error {
		return s.inner.MoveChannels(ctx, orgID, groupID, channelIDs)
	})
}

func (s *Store) ReorderGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	return observeErr(ctx, s, "ReorderGroupChannels", func(ctx context.Context) error {
		return s.inner.ReorderGroupChannels(ctx, orgID, groupID, channelIDs)
	})
}

func (s *Store) ListGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	return observe(ctx, s, "ListGroupChannels", func(ctx context.Context) (grouping.Page[grouping.Channel], error) {
		return s.inner.ListGroupChannels(ctx, orgID, groupID, opts)
	})
}

func (s *Store) ListUngroupedChannels(ctx context.Context, orgID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	return observe(ctx, s, "ListUngroupedChannels", func(ctx context.Context) (grouping.Page[grouping.Channel], error) {
		return s.inner.ListUngroupedChannels(ctx, orgID, opts)
	})
}

func (s *Store) ListDiscoverableChannels(ctx context.Context, orgID, userID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	return observe(ctx, s, "ListDiscoverableChannels", func(ctx context.Context) (grouping.Page[grouping.Channel], error) {
		return s.inner.ListDiscoverableChannels(ctx, orgID, userID, opts)
	})
}

func (s *Store) AttachChannel(ctx context.Context, workspaceID, channelID uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	return observe(ctx, s, "AttachChannel", func(ctx context.Context) (grouping.ChannelGroup, error) {
		return s.inner.AttachChannel(ctx, workspaceID, channelID, a)
	})
}

func (s *Store) DetachChannel(ctx context.Context, workspaceID, channelID uuid.UUID) error {
	return observeErr(ctx, s, "DetachChannel", func(ctx context.Context) error {
		return s.inner.DetachChannel(ctx, workspaceID, channelID)
	})
}

func (s *Store) GetChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (grouping.ChannelGroup, error) {
	return observe(ctx, s, "GetChannelGroup", func(ctx context.Context) (grouping.ChannelGroup, error) {
		return s.inner.GetChannelGroup(ctx, workspaceID, channelGroupID)
	})
}

func (s *Store) ListChannelGroups(ctx context.Context, workspaceID uuid.UUID, opts grouping.ListChannelGroupsOptions) (grouping.Page[grouping.ChannelGroup], error) {
	return observe(ctx, s, "ListChannelGroups", func(ctx context.Context) (grouping.Page[grouping.ChannelGroup], error) {
		return s.inner.ListChannelGroups(ctx, workspaceID, opts)
	})
}

func (s *Store) DeleteChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) error {
	return observeErr(ctx, s, "DeleteChannelGroup", func(ctx context.Context) error {
		return s.inner.DeleteChannelGroup(ctx, workspaceID, channelGroupID)
	})
}
