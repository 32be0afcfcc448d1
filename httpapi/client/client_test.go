package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/client"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		base string
		opts []client.Option
	}{
		{"RelativeURL", "/api", nil},
		{"NoHost", "http:///api", nil},
		{"OtherScheme", "ftp://example.com", nil},
		{"Query", "http://example.com/api?x=1", nil},
		{"Fragment", "http://example.com/api#top", nil},
		{"UserInfo", "http://me:secret@example.com/api", nil},
		{"Unparsable", "http://exa mple.com", nil},
		{"TwoCredentials", "http://example.com", []client.Option{
			client.WithBearerToken("t"),
			client.WithAuthorization(func(*http.Request) error { return nil }),
		}},
		{"EmptyToken", "http://example.com", []client.Option{client.WithBearerToken("")}},
		{"TokenWithNewline", "http://example.com", []client.Option{client.WithBearerToken("a\r\nX-Evil: 1")}},
		{"NilFunction", "http://example.com", []client.Option{client.WithAuthorization(nil)}},
		{"NilHTTPClient", "http://example.com", []client.Option{client.WithHTTPClient(nil)}},
		{"NilUser", "http://example.com", []client.Option{client.WithUser(uuid.Nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(tc.base, tc.opts...)
			is.New(t).True(err != nil && c == nil) // refused
		})
	}
	c, err := client.New("https://example.com/api/v1/", client.WithBearerToken("t"), nil)
	is.New(t).NoErr(err) // a trailing slash and a nil option are fine
	c.Close()
}

// TestRoutes checks the method, path, query and body of each call against
// the OpenAPI document's routes.
func TestRoutes(t *testing.T) {
	org, g, ch, user, ws, cg := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	o := "/api/organisations/" + org.String()
	w := "/api/workspaces/" + ws.String()
	groupJSON := `{"status":"success","status_code":200,"message":"m","data":{"id":"` + g.String() + `","name":"n","organisation_id":"` + org.String() + `","channels":null}}`
	channelJSON := `{"status":"success","status_code":200,"message":"m","data":{"channels_id":"` + ch.String() + `"}}`
	orgJSON := `{"status":"success","status_code":200,"message":"m","data":{"id":"` + org.String() + `","name":"n"}}`
	cgJSON := `{"id":"` + cg.String() + `","platformId":"p","platformGroupId":"a","platformGroupName":"","channelIds":[]}`
	ctx := t.Context()
	cases := []struct {
		name, body  string // name of the case; the fake server's answer
		status      int
		call        func(c *client.Client) error
		method      string
		path, query string
		sent        string // the request body, "" for none
	}{
		{"UpsertOrganisation", orgJSON, 200, func(c *client.Client) error {
			_, err := c.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme", CreatedAt: time.Now()})
			return err
		}, "PUT", o, "", `{"name":"Acme"}`},
		{"UpsertChannel", channelJSON, 200, func(c *client.Client) error {
			_, err := c.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "general", OwnerID: user, MessageCount: 3})
			return err
		}, "PUT", o + "/channels/" + ch.String(), "", `{"name":"general","description":"","owner_id":"` + user.String() + `","archived":false,"message_count":3}`},
		{"UpsertChannel/UsersAndCreatedAt", channelJSON, 200, func(c *client.Client) error {
			at := time.Date(2024, 12, 21, 17, 40, 47, 492_734_901, time.FixedZone("IST", 5*3600+1800))
			_, err := c.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "g", OwnerID: user, Users: []uuid.UUID{}, CreatedAt: at})
			return err
		}, "PUT", o + "/channels/" + ch.String(), "", `{"name":"g","description":"","owner_id":"` + user.String() + `","archived":false,"message_count":0,"users":[],"created_at":"2024-12-21T12:10:47.492Z"}`},
		{"UpsertChannel/WithoutOwner", channelJSON, 200, func(c *client.Client) error {
			_, err := c.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "ownerless"})
			return err
		}, "PUT", o + "/channels/" + ch.String(), "", `{"name":"ownerless","description":"","archived":false,"message_count":0}`},
		{"GetChannel", channelJSON, 200, func(c *client.Client) error {
			_, err := c.GetChannel(ctx, org, ch)
			return err
		}, "GET", o + "/channels/" + ch.String(), "", ""},
		{"DeleteChannel", okMessage, 200, func(c *client.Client) error { return c.DeleteChannel(ctx, org, ch) },
			"DELETE", o + "/channels/" + ch.String(), "", ""},
		{"AddChannelMember", okMessage, 200, func(c *client.Client) error { return c.AddChannelMember(ctx, org, ch, user) },
			"PUT", o + "/channels/" + ch.String() + "/users/" + user.String(), "", ""},
		{"RemoveChannelMember", okMessage, 200, func(c *client.Client) error { return c.RemoveChannelMember(ctx, org, ch, user) },
			"DELETE", o + "/channels/" + ch.String() + "/users/" + user.String(), "", ""},
		{"CreateGroup", groupJSON, 200, func(c *client.Client) error {
			_, err := c.CreateGroup(ctx, org, grouping.NewGroup{Name: "C-Group", Description: "d"})
			return err
		}, "POST", o + "/groups", "", `{"name":"C-Group","description":"d"}`},
		{"GetGroup", groupJSON, 200, func(c *client.Client) error {
			_, err := c.GetGroup(ctx, org, g, grouping.GetGroupOptions{IncludeChannels: true})
			return err
		}, "GET", o + "/groups/" + g.String(), "include=channels", ""},
		{"ListGroups", emptyList, 200, func(c *client.Client) error {
			_, err := c.ListGroups(ctx, org, grouping.ListGroupsOptions{Archived: ptr(false), IncludeChannels: true, Limit: 5, Cursor: "c1"})
			return err
		}, "GET", o + "/groups", "archived=false&cursor=c1&include=channels&limit=5", ""},
		{"UpdateGroup", groupJSON, 200, func(c *client.Client) error {
			_, err := c.UpdateGroup(ctx, org, g, grouping.GroupUpdate{Archived: ptr(true)})
			return err
		}, "PATCH", o + "/groups/" + g.String(), "", `{"archived":true}`},
		{"DeleteGroup", okMessage, 200, func(c *client.Client) error { return c.DeleteGroup(ctx, org, g, 0) },
			"DELETE", o + "/groups/" + g.String(), "", ""},
		{"ReorderGroups", okMessage, 200, func(c *client.Client) error { return c.ReorderGroups(ctx, org, nil) },
			"PUT", o + "/groups/order", "", `{"group_ids":[]}`},
		{"AssignChannel", okMessage, 200, func(c *client.Client) error { return c.AssignChannel(ctx, org, g, ch) },
			"POST", o + "/groups/" + g.String() + "/channels/" + ch.String(), "", ""},
		{"RemoveChannel", okMessage, 200, func(c *client.Client) error { return c.RemoveChannel(ctx, org, g, ch) },
			"DELETE", o + "/groups/" + g.String() + "/channels/" + ch.String(), "", ""},
		{"MoveChannel", okMessage, 200, func(c *client.Client) error { return c.MoveChannel(ctx, org, g, ch) },
			"PATCH", o + "/groups/" + g.String() + "/channels/" + ch.String(), "", ""},
		{"AssignChannels", okMessage, 200, func(c *client.Client) error { return c.AssignChannels(ctx, org, g, []uuid.UUID{ch, user}) },
			"POST", o + "/groups/" + g.String() + "/channels", "", `{"channels":["` + ch.String() + `","` + user.String() + `"]}`},
		{"RemoveChannels", okMessage, 200, func(c *client.Client) error { return c.RemoveChannels(ctx, org, g, []uuid.UUID{ch}) },
			"DELETE", o + "/groups/" + g.String() + "/channels", "", `{"channels":["` + ch.String() + `"]}`},
		{"MoveChannels", okMessage, 200, func(c *client.Client) error { return c.MoveChannels(ctx, org, g, nil) },
			"PATCH", o + "/groups/" + g.String() + "/channels", "", `{"channels":[]}`},
		{"ReorderGroupChannels", okMessage, 200, func(c *client.Client) error { return c.ReorderGroupChannels(ctx, org, g, []uuid.UUID{ch}) },
			"PUT", o + "/groups/" + g.String() + "/channels/order", "", `{"channel_ids":["` + ch.String() + `"]}`},
		{"ListGroupChannels", emptyList, 200, func(c *client.Client) error {
			_, err := c.ListGroupChannels(ctx, org, g, grouping.ListChannelsOptions{IncludeArchived: true, Limit: 2, Cursor: "c"})
			return err
		}, "GET", o + "/groups/" + g.String() + "/channels", "cursor=c&include_archived=true&limit=2", ""},
		{"ListUngroupedChannels", emptyList, 200, func(c *client.Client) error {
			_, err := c.ListUngroupedChannels(ctx, org, grouping.ListChannelsOptions{})
			return err
		}, "GET", o + "/groups/channels/no-group", "", ""},
		{"ListDiscoverableChannels", emptyList, 200, func(c *client.Client) error {
			_, err := c.ListDiscoverableChannels(ctx, org, user, grouping.ListChannelsOptions{IncludeArchived: true})
			return err
		}, "GET", o + "/groups/channels/user-no-group", "include_archived=true", ""},
		{"AttachChannel", cgJSON, 200, func(c *client.Client) error {
			_, err := c.AttachChannel(ctx, ws, ch, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "104532291937162", PlatformGroupName: "Acme EU"})
			return err
		}, "PUT", w + "/channels/" + ch.String() + "/channel-group", "", `{"platformId":"whatsapp","platformGroupId":"104532291937162","platformGroupName":"Acme EU"}`},
		{"DetachChannel", "", 204, func(c *client.Client) error { return c.DetachChannel(ctx, ws, ch) },
			"DELETE", w + "/channels/" + ch.String() + "/channel-group", "", ""},
		{"GetChannelGroup", cgJSON, 200, func(c *client.Client) error {
			_, err := c.GetChannelGroup(ctx, ws, cg)
			return err
		}, "GET", w + "/channel-groups/" + cg.String(), "", ""},
		{"ListChannelGroups", `{"results":[]}`, 200, func(c *client.Client) error {
			_, err := c.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{PlatformID: "whatsapp", Limit: 10, Cursor: "t/+="})
			return err
		}, "GET", w + "/channel-groups", "limit=10&pageToken=t%2F%2B%3D&platformId=whatsapp", ""},
		{"DeleteChannelGroup", "", 204, func(c *client.Client) error { return c.DeleteChannelGroup(ctx, ws, cg) },
			"DELETE", w + "/channel-groups/" + cg.String(), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			c, rec := fake(t, answer(tc.status, tc.body), client.WithBearerToken("tok"), client.WithUser(user))
			is.NoErr(tc.call(c)) // the call succeeds
			r := rec.last(t)
			is.Equal(rec.count(), 1)                              // one request
			is.Equal(r.Method, tc.method)                         // method
			is.Equal(r.Path, tc.path)                             // path
			is.Equal(r.Query, tc.query)                           // query
			is.Equal(r.Body, tc.sent)                             // body
			is.Equal(r.Header.Get("Authorization"), "Bearer tok") // credentials
			is.Equal(r.Header.Get("Accept"), "application/json")  // accepts JSON
			if tc.sent != "" {
				is.Equal(r.Header.Get("Content-Type"), "application/json") // the body's type
			}
		})
	}
}

// TestCredentials checks that a call's credentials replace the client's.
func TestCredentials(t *testing.T) {
	org := uuid.New()
	list := func(c *client.Client, ctx context.Context) error {
		_, err := c.ListGroups(ctx, org, grouping.ListGroupsOptions{})
		return err
	}
	byFunction := client.WithAuthorization(func(r *http.Request) error {
		r.Header.Set("Authorization", "Bearer from-function")
		r.Header.Set("X-Tenant", "acme")
		return nil
	})
	cases := []struct {
		name   string
		opts   []client.Option
		ctx    context.Context
		header string // Authorization sent
	}{
		{"ClientToken", []client.Option{client.WithBearerToken("client")}, t.Context(), "Bearer client"},
		{"ClientFunction", []client.Option{byFunction}, t.Context(), "Bearer from-function"},
		{"None", nil, t.Context(), ""},
		{"CallTokenOverToken", []client.Option{client.WithBearerToken("client")}, client.WithToken(t.Context(), "call"), "Bearer call"},
		{"CallTokenOverFunction", []client.Option{byFunction}, client.WithToken(t.Context(), "call"), "Bearer call"},
		{"CallTokenWithoutClientCredentials", nil, client.WithToken(t.Context(), "call"), "Bearer call"},
		{"CallUserToken", []client.Option{byFunction}, client.WithUserToken(t.Context(), uuid.New(), "user"), "Bearer user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			c, rec := fake(t, answer(200, emptyList), tc.opts...)
			is.NoErr(list(c, tc.ctx))                                    // the call succeeds
			is.Equal(rec.last(t).Header.Get("Authorization"), tc.header) // the credentials sent
			is.NoErr(list(c, t.Context()))                               // a call without its own credentials
			if tc.name == "CallTokenOverFunction" {
				is.Equal(rec.last(t).Header.Get("Authorization"), "Bearer from-function") // gets the client's again
				is.Equal(rec.last(t).Header.Get("X-Tenant"), "acme")                      // and all the function sets
			}
		})
	}

	t.Run("FunctionError", func(t *testing.T) {
		is := is.New(t)
		refused := errors.New("token service down")
		c, rec := fake(t, answer(200, emptyList), client.WithAuthorization(func(*http.Request) error { return refused }))
		err := list(c, t.Context())
		is.Equal(grouping.ErrorCode(err), grouping.Internal) // a failing function fails the call
		is.True(errors.Is(err, refused))                     // with its error
		is.Equal(rec.count(), 0)                             // and sends nothing
		mine := grouping.Errorf(grouping.Unavailable, "try later")
		c, _ = fake(t, answer(200, emptyList), client.WithAuthorization(func(*http.Request) error { return mine }))
		is.Equal(list(c, t.Context()), error(mine)) // a *grouping.Error is returned as it is
	})
	t.Run("BadCallToken", func(t *testing.T) {
		is := is.New(t)
		c, rec := fake(t, answer(200, emptyList), client.WithBearerToken("client"))
		for _, token := range []string{"", "a b", "a\nb"} {
			err := list(c, client.WithToken(t.Context(), token))
			is.Equal(grouping.ErrorCode(err), grouping.Internal) // refused
		}
		is.Equal(rec.count(), 0) // without a request
	})
}

// TestCredentialsEndToEnd checks per-call credentials against httpapi:
// one client, many users.
func TestCredentialsEndToEnd(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	store := memstore.New()
	srv := serve(t, store)
	org := uuid.New()
	_, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
	is.NoErr(err) // organisation
	alice, bob := uuid.New(), uuid.New()
	_, err = store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "alice's", OwnerID: alice, Users: []uuid.UUID{alice}})
	is.NoErr(err) // a channel of alice's

	c, err := client.New(srv.URL+"/api", client.WithBearerToken(outsiderToken))
	is.NoErr(err) // a client whose own credentials may not act in the organisation
	defer c.Close()
	_, err = c.ListUngroupedChannels(ctx, org, grouping.ListChannelsOptions{})
	is.True(errors.Is(err, client.ErrForbidden)) // the client's credentials are used
	for user, want := range map[uuid.UUID]int{alice: 0, bob: 1} {
		p, err := c.ListDiscoverableChannels(client.WithUserToken(ctx, user, userToken(user)), org, user, grouping.ListChannelsOptions{})
		is.NoErr(err)                // the call's credentials are used
		is.Equal(len(p.Items), want) // and the list is the user's own
	}
	_, err = c.CreateGroup(client.WithToken(ctx, serviceToken), org, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err) // another call, other credentials
}

// TestDiscoverableUser checks which user ListDiscoverableChannels may be
// asked about with which credentials.
func TestDiscoverableUser(t *testing.T) {
	org, me, other := uuid.New(), uuid.New(), uuid.New()
	var actingUser atomic.Value
	byFunction := client.WithAuthorization(func(r *http.Request) error {
		if u, ok := client.ActingUser(r); ok {
			actingUser.Store(u)
		}
		r.Header.Set("Authorization", "Bearer f")
		return nil
	})
	cases := []struct {
		name   string
		opts   []client.Option
		ctx    context.Context
		user   uuid.UUID
		sent   bool   // a request is made
		userID string // the user_id query parameter sent
	}{
		{"DeclaredUser", []client.Option{client.WithBearerToken("t"), client.WithUser(me)}, t.Context(), me, true, ""},
		{"OtherThanDeclared", []client.Option{client.WithBearerToken("t"), client.WithUser(me)}, t.Context(), other, false, ""},
		{"TokenOfUnknownUser", []client.Option{client.WithBearerToken("t")}, t.Context(), me, false, ""},
		{"FunctionActsForAnyone", []client.Option{byFunction}, t.Context(), other, true, ""},
		{"FunctionWithDeclaredUser", []client.Option{byFunction, client.WithUser(me)}, t.Context(), other, false, ""},
		{"CallUserToken", []client.Option{client.WithBearerToken("t")}, client.WithUserToken(t.Context(), other, "u"), other, true, ""},
		{"CallUserTokenOtherUser", []client.Option{client.WithBearerToken("t"), client.WithUser(other)}, client.WithUserToken(t.Context(), me, "u"), other, false, ""},
		{"CallTokenOfUnknownUser", []client.Option{client.WithUser(me), byFunction}, client.WithToken(t.Context(), "u"), me, false, ""},
		{"NoCredentials", nil, t.Context(), other, true, other.String()},
		{"DeclaredUserWithoutCredentials", []client.Option{client.WithUser(me)}, t.Context(), me, true, me.String()},
		{"OtherThanDeclaredWithoutCredentials", []client.Option{client.WithUser(me)}, t.Context(), other, false, ""},
		{"NilUser", []client.Option{byFunction}, t.Context(), uuid.Nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			actingUser.Store(uuid.Nil)
			c, rec := fake(t, answer(200, emptyList), tc.opts...)
			_, err := c.ListDiscoverableChannels(tc.ctx, org, tc.user, grouping.ListChannelsOptions{})
			is.Equal(rec.count() == 1, tc.sent) // a request is made only when the credentials name the user
			if !tc.sent {
				is.Equal(grouping.ErrorCode(err), grouping.Invalid) // otherwise the call is invalid
				is.Equal(grouping.ErrorField(err), "user_id")       // because of the user
				return
			}
			is.NoErr(err) // the call succeeds
			q, _ := url.ParseQuery(rec.last(t).Query)
			is.Equal(q.Get("user_id"), tc.userID) // the user is in the query only for a server without authentication
			if tc.name == "FunctionActsForAnyone" {
				is.Equal(actingUser.Load(), tc.user) // the function is told the user
			}
		})
	}

	t.Run("OpenServer", func(t *testing.T) {
		is := is.New(t)
		ctx := t.Context()
		store := memstore.New()
		_, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
		is.NoErr(err) // organisation
		ch, err := store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "mine", OwnerID: me, Users: []uuid.UUID{me}})
		is.NoErr(err) // a channel of mine
		c, err := client.New(openServer(t, store))
		is.NoErr(err) // client without credentials
		defer c.Close()
		mine, err := c.ListDiscoverableChannels(ctx, org, me, grouping.ListChannelsOptions{})
		is.NoErr(err)                // an open server reads the user from the query
		is.Equal(len(mine.Items), 0) // I am a member of the only channel
		theirs, err := c.ListDiscoverableChannels(ctx, org, other, grouping.ListChannelsOptions{})
		is.NoErr(err)                       // another user
		is.Equal(len(theirs.Items), 1)      // who may discover it
		is.Equal(theirs.Items[0].ID, ch.ID) // the channel
	})
}

// openServer serves store WithoutAuthentication and returns its base URL.
func openServer(t *testing.T, store grouping.Store) string {
	t.Helper()
	api, err := httpapi.New(store, httpapi.WithoutAuthentication())
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestContextCancellation checks that cancelling a call's context stops
// its request.
func TestContextCancellation(t *testing.T) {
	org := uuid.New()
	arrived := make(chan struct{}, 1)
	gone := make(chan struct{}, 1)
	block := func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
			gone <- struct{}{}
		case <-time.After(10 * time.Second):
		}
	}

	t.Run("WhileWaiting", func(t *testing.T) {
		is := is.New(t)
		c, _ := fake(t, block)
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-arrived
			cancel()
		}()
		start := time.Now()
		_, err := c.ListGroups(ctx, org, grouping.ListGroupsOptions{})
		is.True(time.Since(start) < 5*time.Second)           // the call returns when cancelled
		is.True(errors.Is(err, context.Canceled))            // saying so
		is.Equal(grouping.ErrorCode(err), grouping.Internal) // as an Internal error, as stores do
		select {
		case <-gone: // the server saw the request go away
		case <-time.After(5 * time.Second):
			t.Fatal("the server never saw the request cancelled")
		}
	})
	t.Run("Deadline", func(t *testing.T) {
		is := is.New(t)
		c, _ := fake(t, block)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		err := c.AssignChannel(ctx, org, uuid.New(), uuid.New())
		is.True(errors.Is(err, context.DeadlineExceeded)) // the deadline stops the call
		<-gone
	})
	t.Run("AlreadyCancelled", func(t *testing.T) {
		is := is.New(t)
		c, rec := fake(t, answer(200, okMessage))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := c.DeleteGroup(ctx, org, uuid.New(), 0)
		is.True(errors.Is(err, context.Canceled)) // a done context fails the call
		is.Equal(rec.count(), 0)                  // without a request
	})
}

// TestServerGone checks that a network failure is an Internal error that
// wraps the cause.
func TestServerGone(t *testing.T) {
	is := is.New(t)
	c, rec := fake(t, answer(200, okMessage))
	rec.srv.Close()
	err := c.AssignChannel(t.Context(), uuid.New(), uuid.New(), uuid.New())
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // Internal
	var ue *url.Error
	is.True(errors.As(err, &ue)) // wrapping the transport's error
}

// TestCursors walks lists of both route families page by page.
func TestCursors(t *testing.T) {
	org, ws := uuid.New(), uuid.New()
	pages := map[string]string{ // the cursor asked for → the next one
		"":   "p2",
		"p2": "p3",
		"p3": "",
	}
	// answerPage answers one item and, when there is one, the cursor of
	// the next page under cursorName, in the JSON that frame makes.
	answerPage := func(query, cursorName, item string, frame func(items, next string) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			next := ""
			if n := pages[r.URL.Query().Get(query)]; n != "" {
				next = `,"` + cursorName + `":"` + n + `"`
			}
			answer(200, frame(strings.ReplaceAll(item, "ID", uuid.NewString()), next))(w, r)
		}
	}
	t.Run("Organisation", func(t *testing.T) {
		is := is.New(t)
		c, _ := fake(t, answerPage("cursor", "next_cursor", `{"channels_id":"ID"}`, func(items, next string) string {
			return `{"status":"success","status_code":200,"message":"m","data":[` + items + `]` + next + `}`
		}))
		seen := walkPages(t, func(cursor string) (string, error) {
			p, err := c.ListUngroupedChannels(t.Context(), org, grouping.ListChannelsOptions{Limit: 1, Cursor: cursor})
			is.Equal(len(p.Items), 1) // one item a page
			return p.NextCursor, err
		})
		is.Equal(seen, []string{"", "p2", "p3"}) // next_cursor leads through every page
	})
	t.Run("Workspace", func(t *testing.T) {
		is := is.New(t)
		c, _ := fake(t, answerPage("pageToken", "nextPageToken", `{"id":"ID","platformId":"p","platformGroupId":"a","channelIds":null}`, func(items, next string) string {
			return `{"results":[` + items + `]` + next + `}`
		}))
		seen := walkPages(t, func(cursor string) (string, error) {
			p, err := c.ListChannelGroups(t.Context(), ws, grouping.ListChannelGroupsOptions{Limit: 1, Cursor: cursor})
			is.Equal(len(p.Items), 1)             // one item a page
			is.Equal(p.Items[0].WorkspaceID, ws)  // in the workspace asked about
			is.True(p.Items[0].ChannelIDs != nil) // ChannelIDs is never nil
			return p.NextCursor, err
		})
		is.Equal(seen, []string{"", "p2", "p3"}) // nextPageToken leads through every page
	})
	t.Run("EmptyListIsNotNil", func(t *testing.T) {
		is := is.New(t)
		c, _ := fake(t, answer(200, emptyList))
		p, err := c.ListGroups(t.Context(), org, grouping.ListGroupsOptions{})
		is.NoErr(err)           // empty list
		is.True(p.Items != nil) // never nil
	})
}

// walkPages calls list with each next cursor until there is none, and
// returns the cursors it was called with.
func walkPages(t *testing.T, list func(cursor string) (next string, err error)) []string {
	t.Helper()
	var seen []string
	cursor := ""
	for range 10 {
		seen = append(seen, cursor)
		next, err := list(cursor)
		is.New(t).NoErr(err) // page
		if next == "" {
			break
		}
		cursor = next
	}
	return seen
}

// TestVersions checks that group versions travel as ETag and If-Match.
func TestVersions(t *testing.T) {
	org, g := uuid.New(), uuid.New()
	groupJSON := `{"status":"success","status_code":200,"message":"m","data":{"id":"` + g.String() + `","name":"n"}}`
	t.Run("ReadFromETag", func(t *testing.T) {
		is := is.New(t)
		for tag, want := range map[string]int64{`"7"`: 7, ` "12" `: 12, `W/"7"`: 0, `"x"`: 0, ``: 0, `"-3"`: 0} {
			c, _ := fake(t, answer(200, groupJSON, "ETag", tag))
			got, err := c.GetGroup(t.Context(), org, g, grouping.GetGroupOptions{})
			is.NoErr(err)               // get group
			is.Equal(got.Version, want) // Version is the strong ETag's number, else 0
			got, err = c.UpdateGroup(t.Context(), org, g, grouping.GroupUpdate{Name: ptr("n")})
			is.NoErr(err)               // update group
			is.Equal(got.Version, want) // from the update's ETag too
		}
	})
	t.Run("SentAsIfMatch", func(t *testing.T) {
		is := is.New(t)
		c, rec := fake(t, answer(200, groupJSON, "ETag", `"4"`))
		_, err := c.UpdateGroup(t.Context(), org, g, grouping.GroupUpdate{Name: ptr("n"), IfVersion: 3})
		is.NoErr(err)                                       // conditional update
		is.Equal(rec.last(t).Header.Get("If-Match"), `"3"`) // the version as ETag
		_, err = c.UpdateGroup(t.Context(), org, g, grouping.GroupUpdate{Name: ptr("n")})
		is.NoErr(err)                                        // unconditional update
		is.Equal(rec.last(t).Header.Values("If-Match"), nil) // no If-Match
		is.NoErr(c.DeleteGroup(t.Context(), org, g, 9))      // conditional delete
		is.Equal(rec.last(t).Header.Get("If-Match"), `"9"`)  // the version as ETag
		is.NoErr(c.DeleteGroup(t.Context(), org, g, 0))      // unconditional delete
		is.Equal(rec.last(t).Header.Values("If-Match"), nil) // no If-Match
		n := rec.count()
		_, err = c.UpdateGroup(t.Context(), org, g, grouping.GroupUpdate{Name: ptr("n"), IfVersion: -1})
		is.Equal(grouping.ErrorField(err), "version") // a negative version is invalid
		is.Equal(grouping.ErrorField(c.DeleteGroup(t.Context(), org, g, -2)), "version")
		is.Equal(rec.count(), n) // and is refused without a request
	})
	t.Run("EndToEnd", func(t *testing.T) {
		is := is.New(t)
		s := throughHTTP(t, func() grouping.Store { return memstore.New() })
		ctx := t.Context()
		o, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Acme"})
		is.NoErr(err) // organisation
		created, err := s.CreateGroup(ctx, o.ID, grouping.NewGroup{Name: "Sales"})
		is.NoErr(err)                       // create
		is.Equal(created.Version, int64(1)) // the first version
		got, err := s.GetGroup(ctx, o.ID, created.ID, grouping.GetGroupOptions{})
		is.NoErr(err)                          // get
		is.Equal(got.Version, created.Version) // the same version
		updated, err := s.UpdateGroup(ctx, o.ID, created.ID, grouping.GroupUpdate{Description: ptr("x"), IfVersion: got.Version})
		is.NoErr(err)                          // conditional update with the current version
		is.True(updated.Version > got.Version) // a new version
		_, err = s.UpdateGroup(ctx, o.ID, created.ID, grouping.GroupUpdate{Description: ptr("y"), IfVersion: got.Version})
		is.True(errors.Is(err, grouping.ErrPreconditionFailed))                                               // the old one is stale
		is.True(errors.Is(s.DeleteGroup(ctx, o.ID, created.ID, got.Version), grouping.ErrPreconditionFailed)) // for deletes too
		listed, err := s.ListGroups(ctx, o.ID, grouping.ListGroupsOptions{})
		is.NoErr(err)                               // list
		is.Equal(listed.Items[0].Version, int64(0)) // listed groups carry no version
	})
}

// TestTimes checks that times are read from the wire and normalised as
// stores do: UTC, milliseconds.
func TestTimes(t *testing.T) {
	is := is.New(t)
	org, g, ch := uuid.New(), uuid.New(), uuid.New()
	c, _ := fake(t, answer(200, `{"status":"success","status_code":200,"message":"m","data":{"id":"`+g.String()+`","name":"n",`+
		`"created_at":"2024-12-21T17:40:47.492734+05:30","updated_at":"2024-12-21T12:10:48.000Z","deleted_at":null,`+
		`"channels":[{"channels_id":"`+ch.String()+`","created_at":"2024-12-21T12:10:47.492Z","deleted_at":"2024-12-22T00:00:00Z"}]}}`))
	got, err := c.GetGroup(t.Context(), org, g, grouping.GetGroupOptions{IncludeChannels: true})
	is.NoErr(err) // get group
	want := time.Date(2024, 12, 21, 12, 10, 47, 492_000_000, time.UTC)
	is.Equal(got.CreatedAt, want)                                                       // in UTC, to the millisecond
	is.Equal(got.CreatedAt.Location(), time.UTC)                                        // UTC
	is.Equal(got.UpdatedAt, want.Add(508*time.Millisecond))                             // another time
	is.True(got.DeletedAt == nil)                                                       // null is nil
	is.Equal(got.Channels[0].CreatedAt, want)                                           // the channels' times too
	is.Equal(*got.Channels[0].DeletedAt, time.Date(2024, 12, 22, 0, 0, 0, 0, time.UTC)) // and their deletion
}

// TestUnsendableText checks that text JSON cannot carry is refused
// without a request, with the error a store gives.
func TestUnsendableText(t *testing.T) {
	is := is.New(t)
	c, rec := fake(t, answer(200, okMessage))
	ctx, org, bad := t.Context(), uuid.New(), "a\xffb"
	for field, err := range map[string]error{
		"name":              discard(c.CreateGroup(ctx, org, grouping.NewGroup{Name: bad})),
		"description":       discard(c.UpdateGroup(ctx, org, uuid.New(), grouping.GroupUpdate{Description: &bad})),
		"platformGroupName": discard(c.AttachChannel(ctx, uuid.New(), uuid.New(), grouping.ChannelGroupAttach{PlatformID: "p", PlatformGroupID: "a", PlatformGroupName: bad})),
	} {
		is.Equal(grouping.ErrorCode(err), grouping.Invalid) // invalid
		is.Equal(grouping.ErrorField(err), field)           // naming the field
	}
	_, err := c.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "ok", Description: bad, OwnerID: org})
	is.Equal(grouping.ErrorField(err), "description") // channels too
	_, err = c.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: bad})
	is.Equal(grouping.ErrorField(err), "name") // and organisations
	is.Equal(rec.count(), 0)                   // no request was made
}

func discard[T any](_ T, err error) error { return err }

// TestMalformedSuccess checks that a success the client cannot read is an
// Internal error.
func TestMalformedSuccess(t *testing.T) {
	for name, body := range map[string]string{
		"NotJSON":     "<html>",
		"NoData":      okMessage,
		"WrongStatus": `{"status":"error","status_code":200,"message":"m","data":{}}`,
		"WrongType":   `{"status":"success","status_code":200,"message":"m","data":[1,2]}`,
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			c, _ := fake(t, answer(200, body))
			_, err := c.GetGroup(t.Context(), uuid.New(), uuid.New(), grouping.GetGroupOptions{})
			is.Equal(grouping.ErrorCode(err), grouping.Internal) // Internal
			var se *client.StatusError
			is.True(errors.As(err, &se)) // wrapping what was wrong
		})
	}
}

// closeCounter is a transport that counts CloseIdleConnections.
type closeCounter struct {
	http.RoundTripper
	closed atomic.Int32
}

func (c *closeCounter) CloseIdleConnections() { c.closed.Add(1) }

func TestClose(t *testing.T) {
	is := is.New(t)
	tr := &closeCounter{RoundTripper: http.DefaultTransport}
	_, rec := fake(t, answer(200, okMessage))
	c, err := client.New(rec.srv.URL, client.WithHTTPClient(&http.Client{Transport: tr}))
	is.NoErr(err)                                                   // client
	is.NoErr(c.DeleteGroup(t.Context(), uuid.New(), uuid.New(), 0)) // a call
	is.NoErr(c.Close())                                             // close
	is.Equal(tr.closed.Load(), int32(1))                            // releases idle connections
	err = c.DeleteGroup(t.Context(), uuid.New(), uuid.New(), 0)
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // a closed client fails calls
	is.Equal(rec.count(), 1)                             // without a request
	is.True(strings.Contains(err.Error(), "closed"))     // saying why
}
