package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestSeed seeds a server of the real API and checks what it holds: the
// organisation's channels, all ungrouped, and its two empty groups; and
// that vars.lua names them.
func TestSeed(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	store := memstore.New()
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		if r.Header.Get("Authorization") != "Bearer service" {
			return httpapi.Principal{}, httpapi.ErrUnauthenticated
		}
		return httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, AllTenants: true}, nil
	})
	api, err := httpapi.New(store, httpapi.WithAuthenticator(auth))
	is.NoErr(err) // the API
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	w, err := seed(ctx, client{base: srv.URL, token: "service", http: srv.Client()}, 120, 4)
	is.NoErr(err) // seed
	var ungrouped []uuid.UUID
	for cursor := ""; ; {
		p, err := store.ListUngroupedChannels(ctx, w.org, grouping.ListChannelsOptions{Limit: 50, Cursor: cursor})
		is.NoErr(err) // list the ungrouped channels
		for _, c := range p.Items {
			ungrouped = append(ungrouped, c.ID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	is.Equal(len(ungrouped), 120) // every channel, in no group
	groups, err := store.ListGroups(ctx, w.org, grouping.ListGroupsOptions{IncludeChannels: true})
	is.NoErr(err)                                                              // list the groups
	is.Equal(len(groups.Items), 2)                                             // two groups
	is.Equal([]uuid.UUID{groups.Items[0].ID, groups.Items[1].ID}, w.groups[:]) // the groups seed reports
	is.Equal(len(groups.Items[0].Channels)+len(groups.Items[1].Channels), 0)   // both empty

	path := filepath.Join(t.TempDir(), "vars.lua")
	is.NoErr(os.WriteFile(path, w.lua(5, 2), 0o644))
	b, err := os.ReadFile(path)
	is.NoErr(err) // read vars.lua
	lua := string(b)
	is.True(strings.Contains(lua, `org = "`+w.org.String()+`"`))     // the organisation
	is.True(strings.Contains(lua, `"`+w.groups[1].String()+`"`))     // the groups
	is.True(strings.Contains(lua, `"`+w.channels[9].String()+`"`))   // the mixed channels
	is.True(!strings.Contains(lua, `"`+w.channels[10].String()+`"`)) // and no more
}
