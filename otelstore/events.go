package otelstore

import (
	"context"

	"github.com/channelgrouping/grouping"
)

var _ grouping.EventLog = (*Store)(nil)

// errNoEvents is what the event methods return when the wrapped store keeps
// no events.
var errNoEvents = &grouping.Error{Code: grouping.Internal, Message: "otelstore: the wrapped store keeps no events"}

// The methods of grouping.EventLog pass each call on to the wrapped store
// when it implements them (every store built on package engine does), in a
// span and timed like the Store methods; otherwise they fail with an
// Internal error. A WaitEvents span lasts as long as the wait.

func (s *Store) log() (grouping.EventLog, bool) {
	l, ok := s.inner.(grouping.EventLog)
	return l, ok
}

func (s *Store) Events(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	return observe(ctx, s, "Events", func(ctx context.Context) (grouping.EventPage, error) {
		if r, ok := s.inner.(grouping.EventReader); ok {
			return r.Events(ctx, tenant, after, limit)
		}
		return grouping.EventPage{}, errNoEvents
	})
}

func (s *Store) WaitEvents(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	return observe(ctx, s, "WaitEvents", func(ctx context.Context) (grouping.EventPage, error) {
		if r, ok := s.inner.(grouping.EventReader); ok {
			return r.WaitEvents(ctx, tenant, after, limit)
		}
		return grouping.EventPage{}, errNoEvents
	})
}

func (s *Store) EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (grouping.EventConsumer, error) {
	return observe(ctx, s, "EventConsumer", func(ctx context.Context) (grouping.EventConsumer, error) {
		if l, ok := s.log(); ok {
			return l.EventConsumer(ctx, name, tenant)
		}
		return grouping.EventConsumer{}, errNoEvents
	})
}

func (s *Store) SaveEventConsumer(ctx context.Context, c grouping.EventConsumer) error {
	return observeErr(ctx, s, "SaveEventConsumer", func(ctx context.Context) error {
		if l, ok := s.log(); ok {
			return l.SaveEventConsumer(ctx, c)
		}
		return errNoEvents
	})
}

func (s *Store) DeleteEventConsumer(ctx context.Context, name string, tenant grouping.Tenant) error {
	return observeErr(ctx, s, "DeleteEventConsumer", func(ctx context.Context) error {
		if l, ok := s.log(); ok {
			return l.DeleteEventConsumer(ctx, name, tenant)
		}
		return errNoEvents
	})
}

func (s *Store) PruneEvents(ctx context.Context, r grouping.Retention) (int64, error) {
	return observe(ctx, s, "PruneEvents", func(ctx context.Context) (int64, error) {
		if l, ok := s.log(); ok {
			return l.PruneEvents(ctx, r)
		}
		return 0, errNoEvents
	})
}
