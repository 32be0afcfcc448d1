package client

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/channelgrouping/grouping"
)

var _ grouping.EventReader = (*Client)(nil)

// orgEventPage is the data of an organisation's page of events.
type orgEventPage struct {
	Events  []grouping.Event `json:"events"`
	Next    int64            `json:"next"`
	HasMore bool             `json:"has_more"`
}

// workspaceEventPage is the body of a workspace's page of events.
type workspaceEventPage struct {
	Results []grouping.Event `json:"results"`
	Next    int64            `json:"next"`
	HasMore bool             `json:"hasMore"`
}

// orgNotFound is the API's message for an unknown organisation.
var orgNotFound = grouping.NotFoundError("Organisation").Message

// eventsPath is the events route of the tenant.
func eventsPath(tenant grouping.Tenant) string {
	if tenant.Kind == grouping.WorkspaceTenant {
		return workspacePath(tenant.ID) + "/events"
	}
	return orgPath(tenant.ID) + "/events"
}

// checkEventsQuery checks a read of events as the server would, so that a
// bad one fails with the same Invalid error, naming the same field, before
// anything is sent.
func checkEventsQuery(tenant grouping.Tenant, after int64, limit int) error {
	if err := tenant.Validate(); err != nil {
		return err
	}
	if after < 0 {
		return grouping.InvalidField("after", "after must not be negative")
	}
	if limit < 0 || limit > grouping.MaxEventLimit {
		return grouping.InvalidField("limit", "limit must be between 1 and %d", grouping.MaxEventLimit)
	}
	return nil
}

// Events implements [grouping.EventReader] with
// GET /organisations/{organisation_id}/events or
// GET /workspaces/{workspaceId}/events (extension routes). An organisation
// the server does not know has an empty page, as in a store.
func (c *Client) Events(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	if err := checkEventsQuery(tenant, after, limit); err != nil {
		return grouping.EventPage{}, err
	}
	q := url.Values{"after": {strconv.FormatInt(after, 10)}}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	r := request{method: http.MethodGet, path: eventsPath(tenant), query: q}
	var p grouping.EventPage
	if tenant.Kind == grouping.WorkspaceTenant {
		var body workspaceEventPage
		if err := c.workspaceCall(ctx, r, &body); err != nil {
			return grouping.EventPage{}, err
		}
		p = grouping.EventPage{Events: body.Results, Next: body.Next, More: body.HasMore}
	} else {
		var data orgEventPage
		_, _, err := c.orgCall(ctx, r, &data)
		switch {
		case grouping.ErrorCode(err) == grouping.NotFound && grouping.ErrorMessage(err) == orgNotFound:
			// The route answers 404 for an organisation it does not
			// know, which has no events: an empty page, as a store
			// gives. Any other 404 (a server that serves no events)
			// stays an error.
			return grouping.EventPage{Events: []grouping.Event{}, Next: after}, nil
		case err != nil:
			return grouping.EventPage{}, err
		}
		p = grouping.EventPage{Events: data.Events, Next: data.Next, More: data.HasMore}
	}
	if p.Events == nil {
		p.Events = []grouping.Event{}
	}
	return p, nil
}

// WaitEvents implements [grouping.EventReader]. While there is no event
// after after, it follows the route's Server-Sent Events stream until the
// server sends one (or ends the stream), then reads the page as Events
// does.
func (c *Client) WaitEvents(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	for {
		p, err := c.Events(ctx, tenant, after, limit)
		if err != nil || len(p.Events) > 0 {
			return p, err
		}
		if err := c.awaitEvent(ctx, tenant, after); err != nil {
			return grouping.EventPage{}, err
		}
	}
}

// awaitEvent opens the tenant's event stream after after and returns once
// the server sends an event or ends the stream.
func (c *Client) awaitEvent(ctx context.Context, tenant grouping.Tenant, after int64) error {
	if c.closed.Load() {
		return grouping.Errorf(grouping.Internal, "client: closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream when an event has come
	target := c.base + eventsPath(tenant) + "?after=" + strconv.FormatInt(after, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return grouping.WrapInternal("client: build request", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if err := c.credentialsFor(ctx).authorise(req); err != nil {
		return err
	}
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return grouping.WrapInternal("client: wait for events", ctx.Err())
		}
		return &grouping.Error{Code: grouping.Internal, Message: "client: request failed", Err: err}
	}
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		defer closeBody(res)
		return responseError(res, nil)
	}
	// A stream has no end to read up to: cancelling the request ends it.
	defer func() {
		cancel()
		_ = res.Body.Close()
	}()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data:") {
			return nil
		}
	}
	if ctx.Err() != nil {
		return grouping.WrapInternal("client: wait for events", ctx.Err())
	}
	return nil // the server ended the stream: read again
}
