package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// faultStore fails writes, once err is set, with the error of a store
// fault, as sqlite.Store does when its database is locked elsewhere,
// replaced, or on a full disk.
type faultStore struct {
	grouping.Store
	err error
}

func (s *faultStore) CreateGroup(ctx context.Context, org uuid.UUID, g grouping.NewGroup) (grouping.Group, error) {
	if s.err != nil {
		return grouping.Group{}, s.err
	}
	return s.Store.CreateGroup(ctx, org, g)
}

func (s *faultStore) DeleteChannelGroup(ctx context.Context, ws, id uuid.UUID) error {
	if s.err != nil {
		return s.err
	}
	return s.Store.DeleteChannelGroup(ctx, ws, id)
}

// TestStoreFaults checks how the API answers the store's fault codes: 503
// with Retry-After for Unavailable, 507 for InsufficientStorage, in both
// error shapes, with the store's message (these are not internal errors).
func TestStoreFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"busy", &grouping.Error{Code: grouping.Unavailable, Message: "The database is busy with another writer; try again shortly"}, http.StatusServiceUnavailable, "unavailable"},
		{"disk full", &grouping.Error{Code: grouping.InsufficientStorage, Message: "The database disk is full; free space and try again"}, http.StatusInsufficientStorage, "insufficient_storage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			store := &faultStore{Store: memstore.New()}
			e := newEnv(t, store, envConfig{})
			e.withTokens()
			store.err = tc.err
			a := e.fx.a
			res := e.do(t, request{method: "POST", path: "/organisations/" + a.org.String() + "/groups", as: a.token, body: `{"name":"New"}`})
			m := orgErrorShape(t, res, tc.status)
			is.Equal(m["message"], grouping.ErrorMessage(tc.err)) // the store's message, for people
			if tc.status == http.StatusServiceUnavailable {
				is.Equal(res.header.Get("Retry-After"), "1") // when to try again
			}
			res = e.do(t, request{method: "DELETE", path: "/workspaces/" + a.ws.String() + "/channel-groups/" + a.chGroup.String(), as: a.token})
			m = workspaceErrorShape(t, res, tc.status, tc.code)
			is.Equal(m["message"], grouping.ErrorMessage(tc.err)) // in the workspace shape too
		})
	}
}
