package httpapi

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/channelgrouping/grouping"
)

// Defaults of the event streams.
const (
	// DefaultEventHeartbeat is how often an event stream sends a comment
	// line when it has nothing else to send, so that proxies keep it open
	// and dead clients are found.
	DefaultEventHeartbeat = 15 * time.Second
	// DefaultEventBuffer is how many events an event stream may have
	// waiting to be written to its client before it is ended as too slow:
	// four of the largest batches a stream is handed at once.
	DefaultEventBuffer = 4 * grouping.MaxEventLimit
	// EventRetry is the reconnection delay an event stream asks its client
	// for, in its retry: field.
	EventRetry = 2 * time.Second
)

// WithEventHeartbeat sets how often an event stream sends a comment line
// (": heartbeat") when it has sent nothing else for that long; the default
// is [DefaultEventHeartbeat]. A stream whose writes wait on its client for
// that long (between one and one and a half intervals) ends, as the client
// is gone or too slow. d must be positive.
func WithEventHeartbeat(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("httpapi: WithEventHeartbeat: the interval must be positive")
		}
		o.heartbeat = d
		return nil
	}
}

// WithEventBuffer sets how many events an event stream may have waiting to
// be written before it is ended as too slow; the default is
// [DefaultEventBuffer]. The events themselves are shared by every stream of
// a tenant, so a larger buffer costs little memory per stream. n must be at
// least 1.
func WithEventBuffer(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("httpapi: WithEventBuffer: the buffer must hold at least one event")
		}
		o.eventBuffer = n
		return nil
	}
}

// eventReader returns the EventReader to read events through: the
// outermost one of store and the stores it wraps (through Unwrap()
// grouping.Store), so that a wrapper that records calls (otelstore) records
// event reads too, provided that the innermost store keeps events; nil
// when it does not, or when no store of the chain is an EventReader.
func eventReader(store grouping.Store) grouping.EventReader {
	var outer grouping.EventReader
	for range 16 { // a chain of wrappers this long is a cycle
		r, isReader := store.(grouping.EventReader)
		if isReader && outer == nil {
			outer = r
		}
		u, ok := store.(interface{ Unwrap() grouping.Store })
		var next grouping.Store
		if ok {
			next = u.Unwrap()
		}
		if next == nil || isNil(next) {
			if isReader {
				return outer // the innermost store keeps events
			}
			return nil
		}
		store = next
	}
	return nil
}

// servesEvents reports whether the API serves the event routes: they are
// extension routes, and need a store that keeps events.
func (a *API) servesEvents() bool {
	return a.extensions && a.events != nil
}

// eventPage is the data of GET /organisations/{organisation_id}/events.
type eventPage struct {
	Events  []grouping.Event `json:"events"`
	Next    int64            `json:"next"`
	HasMore bool             `json:"has_more"`
}

// workspaceEventPage is the body of GET /workspaces/{workspaceId}/events,
// named as the workspace list is.
type workspaceEventPage struct {
	Results []grouping.Event `json:"results"`
	Next    int64            `json:"next"`
	HasMore bool             `json:"hasMore"`
}

// appendJSON writes the pages as encoding/json would.
func (p eventPage) appendJSON(b []byte) ([]byte, error) {
	return appendEventPage(b, `{"events":`, p.Events, p.Next, `,"has_more":`, p.HasMore)
}

func (p workspaceEventPage) appendJSON(b []byte) ([]byte, error) {
	return appendEventPage(b, `{"results":`, p.Results, p.Next, `,"hasMore":`, p.HasMore)
}

func appendEventPage(b []byte, open string, evs []grouping.Event, next int64, moreKey string, more bool) ([]byte, error) {
	b = append(b, open...)
	b, err := appendList(b, evs)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"next":`...)
	b = strconv.AppendInt(b, next, 10)
	b = append(b, moreKey...)
	b = strconv.AppendBool(b, more)
	return append(b, '}'), nil
}

// handleEvents serves a tenant's events: a JSON page, or a Server-Sent
// Events stream when the request accepts text/event-stream.
func (a *API) handleEvents(kind TenantKind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		var tenant grouping.Tenant
		if kind == TenantWorkspace {
			tenant = grouping.WorkspaceOf(pathID(r, "workspaceId"))
		} else {
			tenant = grouping.OrganisationOf(pathID(r, "organisation_id"))
		}
		q := query(r)
		after, err := querySequence(q, "after")
		if err != nil {
			writeError(w, r, a.logger, err)
			return
		}
		limit, err := queryEventLimit(q)
		if err != nil {
			writeError(w, r, a.logger, err)
			return
		}
		if acceptsEventStream(r) {
			start, ok, err := lastEventID(r.Header)
			if err != nil {
				writeError(w, r, a.logger, err)
				return
			}
			if !ok {
				start = after
			}
			a.streams.serve(w, r, tenant, start, a.tenantExists)
			return
		}
		page, err := a.events.Events(r.Context(), tenant, after, limit)
		if err == nil && len(page.Events) == 0 {
			err = a.tenantExists(r.Context(), tenant)
		}
		if err != nil {
			writeError(w, r, a.logger, err)
			return
		}
		if kind == TenantWorkspace {
			encode(w, r, a.logger, http.StatusOK, workspaceEventPage{Results: nonNil(page.Events), Next: page.Next, HasMore: page.More})
			return
		}
		respond(w, r, a.logger, "Events fetched successfully", eventPage{Events: nonNil(page.Events), Next: page.Next, HasMore: page.More}, "")
	})
}

// tenantExists returns the NotFound error of an organisation that does not
// exist, as its list of groups does, and nil for one that does. A
// workspace always exists, as its list of channel groups says. It is asked
// only when a tenant has no event to show: an organisation with events
// exists, since organisations are never deleted.
func (a *API) tenantExists(ctx context.Context, t grouping.Tenant) error {
	if t.Kind != grouping.OrganisationTenant {
		return nil
	}
	_, err := a.store.ListGroups(ctx, t.ID, grouping.ListGroupsOptions{Limit: 1})
	return err
}

// acceptsEventStream reports whether a GET request's Accept header lists
// text/event-stream (with a quality above 0), which makes the events
// routes stream. HEAD requests never stream.
func acceptsEventStream(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	for _, line := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "text/event-stream" {
				continue
			}
			if q, ok := params["q"]; ok {
				if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// parseSequence parses a sequence number as the API takes it: decimal
// digits only, at least 0, within int64.
func parseSequence(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// querySequence reads a sequence number query parameter; absent means 0.
func querySequence(q url.Values, name string) (int64, error) {
	s, ok, err := queryParam(q, name)
	if err != nil || !ok {
		return 0, err
	}
	n, ok := parseSequence(s)
	if !ok {
		return 0, grouping.InvalidField(name, "%s must be an integer from 0 to %d", name, int64(1<<63-1))
	}
	return n, nil
}

// queryEventLimit reads the page size of an event page: absent means
// grouping.DefaultEventLimit, otherwise an integer from 1 to
// grouping.MaxEventLimit.
func queryEventLimit(q url.Values) (int, error) {
	s, ok, err := queryParam(q, "limit")
	if err != nil {
		return 0, err
	}
	if !ok {
		return grouping.DefaultEventLimit, nil
	}
	n, ok := parseSequence(s)
	if !ok || n < 1 || n > grouping.MaxEventLimit {
		return 0, grouping.InvalidField("limit", "limit must be an integer from 1 to %d", grouping.MaxEventLimit)
	}
	return int(n), nil
}

// lastEventID reads the Last-Event-ID header of a stream request: the
// sequence of the last event the client received. Empty counts as absent,
// as an EventSource with no last event ID sends none; two of them, or
// anything but a sequence number, is invalid.
func lastEventID(h http.Header) (int64, bool, error) {
	values := h.Values("Last-Event-ID")
	switch {
	case len(values) == 0:
		return 0, false, nil
	case len(values) > 1:
		return 0, false, grouping.InvalidField("Last-Event-ID", "Last-Event-ID must be given at most once")
	case values[0] == "":
		return 0, false, nil
	}
	n, ok := parseSequence(values[0])
	if !ok {
		return 0, false, grouping.InvalidField("Last-Event-ID", "Last-Event-ID must be the id of an event: an integer from 0 to %d", int64(1<<63-1))
	}
	return n, true, nil
}
