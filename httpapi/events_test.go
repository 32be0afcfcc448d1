package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// orgEventPage is the body of GET …/organisations/{id}/events, with each
// event as it was written.
type orgEventPage struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
	Data       struct {
		Events  []json.RawMessage `json:"events"`
		Next    *int64            `json:"next"`
		HasMore *bool             `json:"has_more"`
	} `json:"data"`
}

// wsEventPage is the body of GET …/workspaces/{id}/events.
type wsEventPage struct {
	Results []json.RawMessage `json:"results"`
	Next    *int64            `json:"next"`
	HasMore *bool             `json:"hasMore"`
}

// wireEvent is the part of an event's JSON that the tests look at.
type wireEvent struct {
	ID       uuid.UUID       `json:"id"`
	Sequence int64           `json:"sequence"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
}

func decodeEvent(t testing.TB, raw []byte) wireEvent {
	t.Helper()
	var e wireEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("decode event %s: %v", raw, err)
	}
	return e
}

// storedEvents returns every event of the tenant, as the store has them,
// each with the JSON the API writes for it.
func storedEvents(t testing.TB, store grouping.Store, tenant grouping.Tenant) ([]grouping.Event, []string) {
	t.Helper()
	r := store.(grouping.EventReader)
	var all []grouping.Event
	var after int64
	for {
		p, err := r.Events(context.Background(), tenant, after, grouping.MaxEventLimit)
		if err != nil {
			t.Fatalf("read events: %v", err)
		}
		all = append(all, p.Events...)
		after = p.Next
		if !p.More {
			break
		}
	}
	raw := make([]string, len(all))
	for i, e := range all {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("encode event: %v", err)
		}
		raw[i] = string(b)
	}
	return all, raw
}

// TestEventPages reads an organisation's and a workspace's events page by
// page over HTTP, and checks them against what the store holds.
func TestEventPages(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{prefix: "/api"})
	e.withTokens()
	a := e.fx.a
	org := "/organisations/" + a.org.String()
	ws := "/workspaces/" + a.ws.String()

	// More changes, made through the store.
	g, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: "Events"})
	is.NoErr(err) // a group is created
	is.NoErr(e.store.AssignChannel(ctx, a.org, g.ID, a.channels[2]))
	is.NoErr(e.store.MoveChannel(ctx, a.org, a.groups[1], a.channels[2]))
	is.NoErr(e.store.DeleteGroup(ctx, a.org, g.ID, 0))
	_, err = e.store.AttachChannel(ctx, a.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "account-A", PlatformGroupName: "Renamed"})
	is.NoErr(err) // a channel attached under a new name

	stored, want := storedEvents(t, e.store, grouping.OrganisationOf(a.org))
	is.True(len(stored) > 12) // the fixture's events and these

	t.Run("organisation, page by page", func(t *testing.T) {
		is := is.New(t)
		var got []string
		after := int64(0)
		for pages := 0; ; pages++ {
			is.True(pages < 10) // the pages end
			res := e.do(t, request{method: "GET", path: org + "/events?limit=5&after=" + strconv.FormatInt(after, 10), as: a.token})
			orgEnvelope(t, res, "Events fetched successfully")
			var p orgEventPage
			is.NoErr(json.Unmarshal(res.body, &p))               // the page decodes
			is.True(p.Data.Next != nil && p.Data.HasMore != nil) // next and has_more are always there
			is.True(len(p.Data.Events) <= 5)                     // at most limit events
			for _, raw := range p.Data.Events {
				got = append(got, string(raw))
			}
			if n := len(p.Data.Events); n > 0 {
				is.Equal(*p.Data.Next, decodeEvent(t, p.Data.Events[n-1]).Sequence) // next is the last event's sequence
			} else {
				is.Equal(*p.Data.Next, after) // or the after asked for
			}
			if !*p.Data.HasMore {
				is.Equal(len(got), len(want)) // has_more is false at the end only
				break
			}
			is.Equal(len(p.Data.Events), 5) // a page that has more is full
			after = *p.Data.Next
		}
		is.Equal(got, want) // every event once, in order, as the store has it
		for i, raw := range got {
			ev := decodeEvent(t, []byte(raw))
			is.Equal(ev.Sequence, int64(i+1)) // numbered 1, 2, 3… with no gap
			var tenant struct {
				OrganisationID uuid.UUID `json:"organisation_id"`
			}
			is.NoErr(json.Unmarshal([]byte(raw), &tenant)) // the event names its organisation
			is.Equal(tenant.OrganisationID, a.org)         // which is A, never B
		}
	})

	t.Run("organisation, the default page and the end", func(t *testing.T) {
		is := is.New(t)
		res := e.do(t, request{method: "GET", path: org + "/events", as: a.token})
		var p orgEventPage
		orgEnvelope(t, res, "Events fetched successfully")
		is.NoErr(json.Unmarshal(res.body, &p))                 // the page decodes
		is.Equal(len(p.Data.Events), len(want))                // fewer than 100 events: all of them
		is.Equal(*p.Data.HasMore, false)                       // and no more
		is.Equal(*p.Data.Next, stored[len(stored)-1].Sequence) // next is the last sequence

		last := strconv.FormatInt(*p.Data.Next, 10)
		res = e.do(t, request{method: "GET", path: org + "/events?after=" + last, as: a.token})
		orgEnvelope(t, res, "Events fetched successfully")
		is.Equal(string(res.body), `{"status":"success","status_code":200,"message":"Events fetched successfully","data":{"events":[],"next":`+last+`,"has_more":false}}`+"\n") // an empty page, never null

		res = e.do(t, request{method: "GET", path: org + "/events?after=9223372036854775807&limit=1000", as: a.token})
		is.NoErr(json.Unmarshal(res.body, &p))                       // the page decodes
		is.Equal(*p.Data.Next, int64(9223372036854775807))           // after the end, next is after
		is.Equal(len(p.Data.Events), 0)                              // with no events
		is.Equal(res.header.Get("Vary"), "Accept")                   // the answer depends on Accept
		is.Equal(res.header.Get("Content-Type"), "application/json") // JSON
		_, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: "After"})
		is.NoErr(err) // one more change
		res = e.do(t, request{method: "GET", path: org + "/events?after=" + last, as: a.token})
		is.NoErr(json.Unmarshal(res.body, &p))                           // the page decodes
		is.Equal(len(p.Data.Events), 1)                                  // the new event, after the old end
		is.Equal(decodeEvent(t, p.Data.Events[0]).Type, "group.created") // of its type
	})

	t.Run("workspace", func(t *testing.T) {
		is := is.New(t)
		_, wsWant := storedEvents(t, e.store, grouping.WorkspaceOf(a.ws))
		is.Equal(len(wsWant), 3) // the fixture's attach, and one that renamed the channel group too
		res := e.do(t, request{method: "GET", path: ws + "/events?limit=2", as: a.token})
		is.Equal(res.status, http.StatusOK) // fetched
		var p wsEventPage
		is.NoErr(json.Unmarshal(res.body, &p)) // the bare page decodes
		is.Equal(len(p.Results), 2)            // a full page
		is.Equal(*p.Next, int64(2))            // next
		is.Equal(*p.HasMore, true)             // and more
		_, envelope := res.json()["status"]
		is.True(!envelope) // no organisation envelope
		res = e.do(t, request{method: "GET", path: ws + "/events?after=2", as: a.token})
		is.NoErr(json.Unmarshal(res.body, &p))                                    // the last page decodes
		is.Equal(len(p.Results), 1)                                               // the rest
		is.Equal(*p.HasMore, false)                                               // and no more
		is.Equal(string(p.Results[0]), wsWant[2])                                 // as the store has it
		is.True(strings.Contains(wsWant[2], `"workspaceId":"`+a.ws.String()+`"`)) // in the workspace's naming

		res = e.do(t, request{method: "GET", path: "/workspaces/" + uuid.NewString() + "/events", as: e.creds.valid(httpapi.Principal{UserID: a.user, Roles: []string{httpapi.RoleService}, AllTenants: true})})
		is.Equal(res.status, http.StatusOK)                                        // a workspace with no events
		is.Equal(string(res.body), `{"results":[],"next":0,"hasMore":false}`+"\n") // has an empty page, as it has an empty list
	})

	t.Run("an unknown organisation", func(t *testing.T) {
		is := is.New(t)
		service := e.creds.valid(httpapi.Principal{UserID: a.user, Roles: []string{httpapi.RoleService}, AllTenants: true})
		unknown := "/organisations/" + uuid.NewString()
		res := e.do(t, request{method: "GET", path: unknown + "/groups", as: service})
		groups := orgErrorShape(t, res, http.StatusNotFound) // its groups are not found
		res = e.do(t, request{method: "GET", path: unknown + "/events", as: service})
		m := orgErrorShape(t, res, http.StatusNotFound) // and neither are its events
		is.Equal(m["message"], groups["message"])       // in the same words
		res = e.do(t, request{method: "GET", path: unknown + "/events", as: service, header: map[string]string{"Accept": "text/event-stream"}})
		orgErrorShape(t, res, http.StatusNotFound) // nor its stream, which does not start
	})

	t.Run("HEAD", func(t *testing.T) {
		is := is.New(t)
		res := e.do(t, request{method: "HEAD", path: org + "/events", as: a.token, header: map[string]string{"Accept": "text/event-stream"}})
		is.Equal(res.status, http.StatusOK)                          // HEAD answers as GET
		is.Equal(res.header.Get("Content-Type"), "application/json") // of a page: HEAD never streams
		is.Equal(len(res.body), 0)                                   // without a body
	})
}

// TestEventQueryParameters checks the strict parsing of after, limit and
// Last-Event-ID: a bad value is 400 naming it, in both error shapes, for
// pages and streams alike.
func TestEventQueryParameters(t *testing.T) {
	e := newEnv(t, memstore.New(), envConfig{})
	e.withTokens()
	a := e.fx.a
	t.Cleanup(e.api.CloseStreams)
	paths := []string{"/organisations/" + a.org.String() + "/events", "/workspaces/" + a.ws.String() + "/events"}
	for _, tc := range []struct {
		query, field string
		header       map[string]string
		lines        http.Header
	}{
		{query: "after=-1", field: "after"},
		{query: "after=%2B1", field: "after"},
		{query: "after=1.0", field: "after"},
		{query: "after=1e3", field: "after"},
		{query: "after=x", field: "after"},
		{query: "after=", field: "after"},
		{query: "after=%201", field: "after"},
		{query: "after=9223372036854775808", field: "after"},
		{query: "after=1&after=2", field: "after"},
		{query: "limit=0", field: "limit"},
		{query: "limit=1001", field: "limit"},
		{query: "limit=-5", field: "limit"},
		{query: "limit=%2B5", field: "limit"},
		{query: "limit=", field: "limit"},
		{query: "limit=ten", field: "limit"},
		{query: "limit=1&limit=2", field: "limit"},
		{query: "after=x", field: "after", header: map[string]string{"Accept": "text/event-stream", "Last-Event-ID": "3"}},
		{query: "limit=0", field: "limit", header: map[string]string{"Accept": "text/event-stream"}},
		{field: "Last-Event-ID", header: map[string]string{"Accept": "text/event-stream", "Last-Event-ID": "-1"}},
		{field: "Last-Event-ID", header: map[string]string{"Accept": "text/event-stream", "Last-Event-ID": "abc"}},
		{field: "Last-Event-ID", header: map[string]string{"Accept": "text/event-stream", "Last-Event-ID": "99999999999999999999"}},
		{field: "Last-Event-ID", header: map[string]string{"Accept": "text/event-stream"}, lines: http.Header{"Last-Event-Id": {"1", "2"}}},
	} {
		for _, path := range paths {
			t.Run(path+"?"+tc.query+" "+tc.header["Last-Event-ID"], func(t *testing.T) {
				is := is.New(t)
				res := e.do(t, request{method: "GET", path: path + "?" + tc.query, as: a.token, header: tc.header, lines: tc.lines})
				if strings.HasPrefix(path, "/workspaces/") {
					m := workspaceErrorShape(t, res, http.StatusBadRequest, "invalid") // refused
					is.True(strings.Contains(m["message"].(string), tc.field))         // naming the parameter
					return
				}
				m := orgErrorShape(t, res, http.StatusBadRequest) // refused
				errs, _ := m["errors"].(map[string]any)
				is.Equal(errs[tc.field], m["message"]) // naming the parameter
			})
		}
	}

	t.Run("good values", func(t *testing.T) {
		is := is.New(t)
		for _, q := range []string{"after=0", "after=007", "limit=1", "limit=1000", "after=9223372036854775807", "after=%31"} {
			res := e.do(t, request{method: "GET", path: paths[0] + "?" + q, as: a.token})
			orgEnvelope(t, res, "Events fetched successfully") // accepted
		}
		res := e.do(t, request{method: "GET", path: paths[0] + "?after=2&limit=1", as: a.token, header: map[string]string{"Last-Event-ID": "x"}})
		var p orgEventPage
		is.NoErr(json.Unmarshal(res.body, &p))                        // a page
		is.Equal(decodeEvent(t, p.Data.Events[0]).Sequence, int64(3)) // after after: a page ignores Last-Event-ID
	})
}

// TestEventRoutesNeedAnEventReader checks that an API over a store that
// keeps no events serves no event routes and does not document them, and
// that one over a store wrapping an EventReader does.
func TestEventRoutesNeedAnEventReader(t *testing.T) {
	plain := struct{ grouping.Store }{memstore.New()}
	for _, tc := range []struct {
		name   string
		store  grouping.Store
		opts   []httpapi.Option
		served bool
	}{
		{"an EventReader", memstore.New(), nil, true},
		{"a store that wraps one", &writeCounter{Store: memstore.New()}, nil, true},
		{"a store without events", plain, nil, false},
		{"without extensions", memstore.New(), []httpapi.Option{httpapi.WithoutExtensions()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			e := newEnv(t, tc.store, envConfig{options: tc.opts})
			e.withTokens()
			a := e.fx.a
			res := e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/events", as: a.token})
			if tc.served {
				orgEnvelope(t, res, "Events fetched successfully") // served
			} else {
				orgErrorShape(t, res, http.StatusNotFound) // an unknown route
			}
			if !tc.served {
				res = e.do(t, request{method: "GET", path: "/workspaces/" + a.ws.String() + "/events", as: a.token, header: map[string]string{"Accept": "text/event-stream"}})
				workspaceErrorShape(t, res, http.StatusNotFound, "not_found") // an unknown route, streaming or not
			}
			doc := string(e.api.OpenAPI())
			is.Equal(strings.Contains(doc, `"/organisations/{organisation_id}/events"`), tc.served) // documented exactly when served
			is.Equal(strings.Contains(doc, `"/workspaces/{workspaceId}/events"`), tc.served)
			is.Equal(strings.Contains(doc, `"OrganisationEvent"`), tc.served)                              // with its schemas
			is.Equal(strings.Contains(doc, "Change events ("), tc.served)                                  // and its paragraph
			is.Equal(strings.Contains(doc, "keeps no change events"), tc.name == "a store without events") // or a word that it is off
			checkNoUnusedComponents(t, e.api.OpenAPI())
		})
	}
}

// TestEventsDocumentTypes checks that the document's event schemas name
// every event type, and that its conditions hold each type's data to the
// type's schema: real events pass, and an event whose data is another
// type's fails.
func TestEventsDocumentTypes(t *testing.T) {
	is := is.New(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []any `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	is.NoErr(json.Unmarshal(httpapi.OpenAPI(), &doc)) // the document parses
	types := append(doc.Components.Schemas["OrganisationEvent"].Properties["type"].Enum,
		doc.Components.Schemas["WorkspaceEvent"].Properties["type"].Enum...)
	every := []grouping.EventType{
		grouping.EventOrganisationCreated, grouping.EventOrganisationRenamed,
		grouping.EventChannelCreated, grouping.EventChannelUpdated, grouping.EventChannelDeleted,
		grouping.EventChannelMemberAdded, grouping.EventChannelMemberRemoved,
		grouping.EventGroupCreated, grouping.EventGroupUpdated, grouping.EventGroupArchived,
		grouping.EventGroupUnarchived, grouping.EventGroupDeleted, grouping.EventGroupsReordered,
		grouping.EventChannelAssigned, grouping.EventChannelMoved, grouping.EventChannelRemoved,
		grouping.EventGroupChannelsReordered,
		grouping.EventChannelGroupAttached, grouping.EventChannelGroupDetached,
		grouping.EventChannelGroupRenamed, grouping.EventChannelGroupDeleted,
	}
	is.Equal(len(types), len(every)) // one enum value per type
	for i, typ := range every {
		is.Equal(types[i], any(string(typ))) // in the order of the package's constants
	}

	// Make one event of every type, and read them over HTTP: each is
	// checked against the document by env.do.
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{noFixture: true, open: true})
	org, ws := uuid.New(), uuid.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "A"})
	must(err)
	_, err = e.store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "B"})
	must(err)
	ch, user := uuid.New(), uuid.New()
	_, err = e.store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "c", Users: []uuid.UUID{uuid.New()}})
	must(err)
	_, err = e.store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: org, Name: "c2"})
	must(err)
	g1, err := e.store.CreateGroup(ctx, org, grouping.NewGroup{Name: "g1"})
	must(err)
	g2, err := e.store.CreateGroup(ctx, org, grouping.NewGroup{Name: "g2"})
	must(err)
	name := "g1 renamed"
	_, err = e.store.UpdateGroup(ctx, org, g1.ID, grouping.GroupUpdate{Name: &name})
	must(err)
	ch2 := uuid.New()
	_, err = e.store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch2, OrganisationID: org, Name: "d"})
	must(err)
	must(e.store.AssignChannel(ctx, org, g2.ID, ch2))
	must(e.store.AssignChannel(ctx, org, g1.ID, ch))
	must(e.store.MoveChannel(ctx, org, g2.ID, ch))
	must(e.store.ReorderGroupChannels(ctx, org, g2.ID, []uuid.UUID{ch, ch2}))
	must(e.store.ReorderGroups(ctx, org, []uuid.UUID{g2.ID, g1.ID}))
	must(e.store.RemoveChannel(ctx, org, g2.ID, ch))
	yes, no := true, false
	_, err = e.store.UpdateGroup(ctx, org, g1.ID, grouping.GroupUpdate{Archived: &yes})
	must(err)
	_, err = e.store.UpdateGroup(ctx, org, g1.ID, grouping.GroupUpdate{Archived: &no})
	must(err)
	must(e.store.DeleteGroup(ctx, org, g2.ID, 0))
	must(e.store.AddChannelMember(ctx, org, ch, user))
	must(e.store.RemoveChannelMember(ctx, org, ch, user))
	must(e.store.DeleteChannel(ctx, org, ch))
	wsCh := uuid.New()
	cg, err := e.store.AttachChannel(ctx, ws, wsCh, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "a", PlatformGroupName: "A"})
	must(err)
	_, err = e.store.AttachChannel(ctx, ws, wsCh, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "a", PlatformGroupName: "B"})
	must(err)
	must(e.store.DetachChannel(ctx, ws, wsCh))
	must(e.store.DeleteChannelGroup(ctx, ws, cg.ID))

	seen := map[string]json.RawMessage{}
	res := e.do(t, request{method: "GET", path: "/organisations/" + org.String() + "/events"})
	var p orgEventPage
	is.NoErr(json.Unmarshal(res.body, &p)) // the organisation's page decodes
	for _, raw := range p.Data.Events {
		seen[decodeEvent(t, raw).Type] = raw
	}
	res = e.do(t, request{method: "GET", path: "/workspaces/" + ws.String() + "/events"})
	var wp wsEventPage
	is.NoErr(json.Unmarshal(res.body, &wp)) // the workspace's page decodes
	for _, raw := range wp.Results {
		seen[decodeEvent(t, raw).Type] = raw
	}
	for _, typ := range every {
		if seen[string(typ)] == nil {
			t.Errorf("no %s event was made, so its schema went unchecked", typ)
		}
	}

	// An event whose data is another type's breaks the document.
	var swapped map[string]any
	is.NoErr(json.Unmarshal(seen["group.created"], &swapped)) // an event
	swapped["type"] = "channel.assigned"
	body, err := json.Marshal(map[string]any{"status": "success", "status_code": 200, "message": "Events fetched successfully",
		"data": map[string]any{"events": []any{swapped}, "next": 1, "has_more": false}})
	is.NoErr(err) // the page is made
	req, err := http.NewRequest("GET", e.srv.URL+"/organisations/"+org.String()+"/events", nil)
	is.NoErr(err)                                                                                              // a request to check it for
	is.True(e.check.Check(req, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body) != nil) // is refused by the document
	swapped["type"] = "group.created"
	body, err = json.Marshal(map[string]any{"status": "success", "status_code": 200, "message": "Events fetched successfully",
		"data": map[string]any{"events": []any{swapped}, "next": 1, "has_more": false}})
	is.NoErr(err)                                                                                        // the page is made again
	is.NoErr(e.check.Check(req, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body)) // and passes with its own type
}
