package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// faultyStore panics or fails in some methods of a working store.
type faultyStore struct {
	grouping.Store
}

func (faultyStore) ListGroups(context.Context, uuid.UUID, grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	panic("store exploded")
}

func (faultyStore) GetChannelGroup(context.Context, uuid.UUID, uuid.UUID) (grouping.ChannelGroup, error) {
	panic("store exploded")
}

func (faultyStore) ListUngroupedChannels(context.Context, uuid.UUID, grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	return grouping.Page[grouping.Channel]{}, errors.New("disk on fire at /var/lib/secret.db")
}

// TestPanicRecovery checks that a panicking handler answers a logged 500
// without detail, and that the server keeps serving.
func TestPanicRecovery(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		is := is.New(t)
		e := newEnv(t, faultyStore{store}, envConfig{})
		e.withTokens()
		a := e.fx.a
		org := "/organisations/" + a.org.String()

		res := e.do(t, request{method: "GET", path: org + "/groups", as: a.token})
		m := orgErrorShape(t, res, http.StatusInternalServerError)
		is.Equal(m["message"], "Internal server error")          // no detail
		is.True(!strings.Contains(string(res.body), "exploded")) // the panic value stays inside
		logs := e.logs.String()
		is.True(strings.Contains(logs, "store exploded"))                                   // logged
		is.True(strings.Contains(logs, "method=GET"))                                       // with the method
		is.True(strings.Contains(logs, "path="+"/organisations/"+a.org.String()+"/groups")) // and the path

		res = e.do(t, request{method: "GET", path: "/workspaces/" + a.ws.String() + "/channel-groups/" + a.chGroup.String(), as: a.token})
		workspaceErrorShape(t, res, http.StatusInternalServerError, "internal") // workspace shape too

		res = e.do(t, request{method: "GET", path: org + "/groups/" + a.groups[0].String(), as: a.token})
		orgEnvelope(t, res, "Group fetched successfully") // the server keeps serving

		res = e.do(t, request{method: "GET", path: org + "/groups/channels/no-group", as: a.token})
		m = orgErrorShape(t, res, http.StatusInternalServerError)
		is.Equal(m["message"], "Internal server error")            // an internal error without detail
		is.True(!strings.Contains(string(res.body), "secret.db"))  // nothing of the cause
		is.True(strings.Contains(e.logs.String(), "disk on fire")) // but the cause is logged
	})
}

// abandoningStore runs some calls of a working store with a context that
// is already cancelled, as happens when a client hangs up mid-request.
type abandoningStore struct {
	grouping.Store
}

func (s abandoningStore) ListGroups(ctx context.Context, org uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return s.Store.ListGroups(ctx, org, opts)
}

func (s abandoningStore) ListChannelGroups(ctx context.Context, ws uuid.UUID, opts grouping.ListChannelGroupsOptions) (grouping.Page[grouping.ChannelGroup], error) {
	ctx, cancel := context.WithTimeout(ctx, -1)
	defer cancel()
	return s.Store.ListChannelGroups(ctx, ws, opts)
}

// TestAbandonedRequest checks that a store call cut short by its context is
// a 503, not a 500, and is not logged as an error.
func TestAbandonedRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		is := is.New(t)
		e := newEnv(t, abandoningStore{store}, envConfig{})
		e.withTokens()
		a := e.fx.a

		res := e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/groups", as: a.token})
		m := orgErrorShape(t, res, http.StatusServiceUnavailable)        // cancelled: try again
		is.Equal(m["message"], "The request was cancelled or timed out") // says why
		res = e.do(t, request{method: "GET", path: "/workspaces/" + a.ws.String() + "/channel-groups", as: a.token})
		workspaceErrorShape(t, res, http.StatusServiceUnavailable, "unavailable") // timed out, workspace shape
		is.True(!strings.Contains(e.logs.String(), "level=ERROR"))                // not a fault of the service
		is.True(strings.Contains(e.logs.String(), "request abandoned"))           // but still logged
	})
}

// leakyStore fails some calls of a working store with internal errors
// whose text must not reach the client.
type leakyStore struct {
	grouping.Store
	err error
}

func (s leakyStore) GetGroup(context.Context, uuid.UUID, uuid.UUID, grouping.GetGroupOptions) (grouping.Group, error) {
	return grouping.Group{}, s.err
}

func (s leakyStore) GetChannelGroup(context.Context, uuid.UUID, uuid.UUID) (grouping.ChannelGroup, error) {
	return grouping.ChannelGroup{}, s.err
}

// TestInternalErrorsHideDetail checks that a 500 says "Internal server
// error" and nothing else, whatever the internal error carries: a plain
// error, an internal *grouping.Error with a Message of its own, one
// wrapped, or a *grouping.Error whose code the HTTP layer does not know.
// The detail is logged instead.
func TestInternalErrorsHideDetail(t *testing.T) {
	const secret = "SELECT failed on /var/lib/secret.db"
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"plain error", errors.New(secret)},
		{"internal error with a message", &grouping.Error{Code: grouping.Internal, Message: secret}},
		{"internal error with a message, wrapped", fmt.Errorf("get group: %w", &grouping.Error{Code: grouping.Internal, Message: secret, Err: errors.New("cause")})},
		{"internal error with a cause", &grouping.Error{Code: grouping.Internal, Message: "query", Err: errors.New(secret)}},
		{"unknown code with a message", &grouping.Error{Code: "disk_on_fire", Message: secret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			e := newEnv(t, leakyStore{Store: memstore.New(), err: tc.err}, envConfig{})
			e.withTokens()
			a := e.fx.a
			res := e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/groups/" + a.groups[0].String(), as: a.token})
			m := orgErrorShape(t, res, http.StatusInternalServerError)
			is.Equal(m["message"], "Internal server error")        // the generic message only
			is.True(!strings.Contains(string(res.body), "SELECT")) // nothing of the error's text
			res = e.do(t, request{method: "GET", path: "/workspaces/" + a.ws.String() + "/channel-groups/" + a.chGroup.String(), as: a.token})
			m = workspaceErrorShape(t, res, http.StatusInternalServerError, "internal")
			is.Equal(m["message"], "Internal server error")        // in the workspace shape too
			is.True(!strings.Contains(string(res.body), "SELECT")) // nothing of the error's text
			is.True(strings.Contains(e.logs.String(), secret))     // but it is logged
		})
	}
}
