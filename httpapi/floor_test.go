package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/internal/benchkit"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// The HTTP floor: every route measured against a bare net/http handler that
// parses the same path and query, decodes the same body as strictly as the
// API's decoder where it matters to encoding/json (one JSON object, no
// unknown field, nothing after it, at most MaxBodyBytes, UUIDs and times
// parsed), calls the same store method and writes the same JSON with
// encoding/json, without authentication, authorisation, the API's further
// checks of keys, telemetry or logging. TestHTTPFloorMatchesLibrary checks
// that both answer every request with the same status and the same bytes;
// TestHTTPFloorCoversEveryRoute that the cases reach every route the API
// documents. BenchmarkHTTPFloor times both, in process
// (httptest.ResponseRecorder), so that the network does not drown the
// difference:
//
//	go test ./httpapi -run '^$' -bench HTTPFloor -benchtime 3000x -count 6 | tee http.txt
//	benchstat -col '/impl@(floor library)' -row '/store /op' http.txt
//
// -count runs each benchmark so many times in a row; on a machine whose
// load varies, running the test binary several times with -count 1 makes
// the library's runs and the floor's alternate.
//
// The event stream (GET …/events with Accept: text/event-stream) is left
// out: it is not one request and one answer. So is GET /openapi.json,
// which serves a document made once.

// floorWorld is the fixture: an organisation with 200 channels, 50 of them
// in the first of its three groups and 11 in the second, and a workspace
// with 60 channel groups.
type floorWorld struct {
	store     grouping.Store
	org, ws   uuid.UUID
	user      uuid.UUID
	group     grouping.Group // 50 channels
	other     grouping.Group // the channels moved, 11
	support   grouping.Group // empty between operations
	channel   grouping.Channel
	chanGroup grouping.ChannelGroup
	library   http.Handler
	floor     http.Handler
	// The paths and bodies of the write cases, made once.
	paths  map[string]string
	bodies map[string]string
}

func newFloorWorld(tb testing.TB, store grouping.Store) *floorWorld {
	tb.Helper()
	ctx := context.Background()
	w := &floorWorld{store: store, org: uuid.New(), ws: uuid.New(), user: uuid.New()}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	_, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: w.org, Name: "Floor"})
	must(err)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var chs []grouping.Channel
	for i := range 200 {
		ch, err := store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: w.org,
			Name: fmt.Sprint("channel ", i), OwnerID: w.user, CreatedAt: base.Add(time.Duration(i) * time.Second),
			Users: []uuid.UUID{w.user, uuid.New()}})
		must(err)
		chs = append(chs, ch)
	}
	w.group, err = store.CreateGroup(ctx, w.org, grouping.NewGroup{Name: "Engineering", Description: "builds"})
	must(err)
	w.other, err = store.CreateGroup(ctx, w.org, grouping.NewGroup{Name: "Sales"})
	must(err)
	w.support, err = store.CreateGroup(ctx, w.org, grouping.NewGroup{Name: "Support"})
	must(err)
	ids := func(chs []grouping.Channel) []uuid.UUID {
		out := make([]uuid.UUID, len(chs))
		for i, ch := range chs {
			out[i] = ch.ID
		}
		return out
	}
	must(store.AssignChannels(ctx, w.org, w.group.ID, ids(chs[:50])))
	must(store.AssignChannels(ctx, w.org, w.other.ID, ids(chs[180:191])))
	w.channel = chs[0]
	for i := range 60 {
		cg, err := store.AttachChannel(ctx, w.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: fmt.Sprint("account-", i), PlatformGroupName: fmt.Sprint("Account ", i)})
		must(err)
		if i == 0 {
			w.chanGroup = cg
		}
	}
	principal := httpapi.Principal{UserID: w.user, Organisations: []uuid.UUID{w.org}, Workspaces: []uuid.UUID{w.ws},
		Roles: []string{httpapi.RoleService}} // the mirror routes need the host's role
	api, err := httpapi.New(store,
		httpapi.WithAuthenticator(httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) { return principal, nil })),
		httpapi.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	must(err)
	w.library = api
	w.floor = floorHandler(store, w.user)

	org := "/organisations/" + w.org.String()
	ws := "/workspaces/" + w.ws.String()
	other := org + "/groups/" + w.other.ID.String()
	support := org + "/groups/" + w.support.ID.String()
	wsChannel := uuid.New() // attached and detached again
	w.paths = map[string]string{
		"groups":         org + "/groups",
		"update":         other,
		"assign":         other + "/channels/" + chs[199].ID.String(),
		"move out":       support + "/channels/" + chs[190].ID.String(),
		"move back":      other + "/channels/" + chs[190].ID.String(),
		"bulk":           support + "/channels",
		"bulk back":      other + "/channels",
		"group order":    org + "/groups/order",
		"channel order":  org + "/groups/" + w.group.ID.String() + "/channels/order",
		"organisation":   org,
		"channel":        org + "/channels/" + chs[197].ID.String(),
		"channels":       org + "/channels/",
		"member":         org + "/channels/" + chs[196].ID.String() + "/users/" + uuid.NewString(),
		"attach":         ws + "/channels/" + wsChannel.String() + "/channel-group",
		"channel-groups": ws + "/channel-groups/",
	}
	list := func(key string, ids []uuid.UUID) string {
		b, err := json.Marshal(map[string][]uuid.UUID{key: ids})
		must(err)
		return string(b)
	}
	reversed := func(ids []uuid.UUID) []uuid.UUID {
		r := slices.Clone(ids)
		slices.Reverse(r)
		return r
	}
	// Each reorder is undone by the next: reversed, then as it was.
	groupOrder := []uuid.UUID{w.group.ID, w.other.ID, w.support.ID}
	channelOrder := ids(chs[:50])
	w.bodies = map[string]string{
		"bulk assign":        list("channels", ids(chs[150:160])),
		"bulk move":          list("channels", ids(chs[180:190])),
		"group order":        list("group_ids", reversed(groupOrder)),
		"group order back":   list("group_ids", groupOrder),
		"channel order":      list("channel_ids", reversed(channelOrder)),
		"channel order back": list("channel_ids", channelOrder),
		"channel":            `{"name":"channel 197","description":"","owner_id":"` + w.user.String() + `","archived":false,"message_count":%d,"users":["` + w.user.String() + `"],"created_at":"2025-01-01T00:03:17.000Z"}`,
		"new channel":        `{"name":"a new channel","owner_id":"` + w.user.String() + `","users":["` + w.user.String() + `"]}`,
		"attach":             `{"platformId":"whatsapp","platformGroupId":"account-0","platformGroupName":"Account 0"}`,
		"attach new":         `{"platformId":"telegram","platformGroupId":"floor","platformGroupName":"Floor"}`,
	}
	return w
}

// floorEnvelope is the organisation routes' success body.
type floorEnvelope struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
	Data       any    `json:"data,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// floorDecode reads the body of r into v as the API's decoder requires it:
// no Content-Type or application/json, at most MaxBodyBytes, one JSON
// object without unknown fields and with nothing after it. It answers the
// request itself when the body is refused.
func floorDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, httpapi.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		http.Error(w, "data after the object", http.StatusBadRequest)
		return false
	}
	return true
}

// floorIDs parses a list of UUIDs of a body.
func floorIDs(ss []string) ([]uuid.UUID, error) {
	if ss == nil {
		return nil, fmt.Errorf("list required")
	}
	ids := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// floorIDList decodes a body of type T, one list of UUIDs that list
// returns, and parses the list. It answers the request itself when the
// body is refused.
func floorIDList[T any](w http.ResponseWriter, r *http.Request, list func(*T) []string) ([]uuid.UUID, bool) {
	var body T
	if !floorDecode(w, r, &body) {
		return nil, false
	}
	ids, err := floorIDs(list(&body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return ids, true
}

// floorHandler is the bare handler of every route of the benchmark.
func floorHandler(store grouping.Store, user uuid.UUID) http.Handler {
	mux := http.NewServeMux()
	events := store.(grouping.EventReader)
	id := func(r *http.Request, name string) uuid.UUID { return uuid.MustParse(r.PathValue(name)) }
	limit := func(r *http.Request) int { n, _ := strconv.Atoi(r.URL.Query().Get("limit")); return n }
	write := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	noContent := func(w http.ResponseWriter, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	ok := func(msg string, data any, next string) floorEnvelope {
		return floorEnvelope{Status: "success", StatusCode: 200, Message: msg, Data: data, NextCursor: next}
	}
	// done answers a call that returns no data with msg.
	done := func(msg string, call func(r *http.Request) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { write(w, ok(msg, nil, ""), call(r)) }
	}
	etag := func(w http.ResponseWriter, g grouping.Group) {
		w.Header().Set("ETag", `"`+strconv.FormatInt(g.Version, 10)+`"`)
	}
	bulk := func(call func(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) error, msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			type body struct {
				Channels []string `json:"channels"`
			}
			ids, valid := floorIDList(w, r, func(b *body) []string { return b.Channels })
			if !valid {
				return
			}
			err := call(r.Context(), id(r, "organisation_id"), id(r, "group_id"), ids)
			write(w, ok(msg, nil, ""), err)
		}
	}

	// Groups.
	mux.HandleFunc("POST /organisations/{organisation_id}/groups", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name           string  `json:"name"`
			Description    string  `json:"description"`
			OrganisationID *string `json:"organisation_id"`
		}
		if !floorDecode(w, r, &body) {
			return
		}
		if body.OrganisationID != nil && *body.OrganisationID != r.PathValue("organisation_id") {
			http.Error(w, "another organisation", http.StatusBadRequest)
			return
		}
		g, err := store.CreateGroup(r.Context(), id(r, "organisation_id"), grouping.NewGroup{Name: body.Name, Description: body.Description})
		etag(w, g)
		write(w, ok("Group created successfully", g, ""), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListGroups(r.Context(), id(r, "organisation_id"), grouping.ListGroupsOptions{Limit: limit(r)})
		write(w, ok("Groups fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/{group_id}", func(w http.ResponseWriter, r *http.Request) {
		g, err := store.GetGroup(r.Context(), id(r, "organisation_id"), id(r, "group_id"), grouping.GetGroupOptions{IncludeChannels: r.URL.Query().Get("include") == "channels"})
		etag(w, g)
		write(w, ok("Group fetched successfully", g, ""), err)
	})
	mux.HandleFunc("PATCH /organisations/{organisation_id}/groups/{group_id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name           *string `json:"name"`
			Description    *string `json:"description"`
			Archived       *bool   `json:"archived"`
			OrganisationID *string `json:"organisation_id"`
		}
		if !floorDecode(w, r, &body) {
			return
		}
		if body.OrganisationID != nil && *body.OrganisationID != r.PathValue("organisation_id") {
			http.Error(w, "another organisation", http.StatusBadRequest)
			return
		}
		g, err := store.UpdateGroup(r.Context(), id(r, "organisation_id"), id(r, "group_id"), grouping.GroupUpdate{Name: body.Name, Description: body.Description, Archived: body.Archived})
		etag(w, g)
		write(w, ok("Group updated successfully", g, ""), err)
	})
	mux.HandleFunc("DELETE /organisations/{organisation_id}/groups/{group_id}", done("Group deleted successfully", func(r *http.Request) error {
		return store.DeleteGroup(r.Context(), id(r, "organisation_id"), id(r, "group_id"), 0)
	}))
	mux.HandleFunc("PUT /organisations/{organisation_id}/groups/order", func(w http.ResponseWriter, r *http.Request) {
		type body struct {
			GroupIDs []string `json:"group_ids"`
		}
		ids, valid := floorIDList(w, r, func(b *body) []string { return b.GroupIDs })
		if !valid {
			return
		}
		err := store.ReorderGroups(r.Context(), id(r, "organisation_id"), ids)
		write(w, ok("Groups reordered successfully", nil, ""), err)
	})

	// Channels in groups.
	mux.HandleFunc("POST /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", done("Group channel assigned successfully", func(r *http.Request) error {
		return store.AssignChannel(r.Context(), id(r, "organisation_id"), id(r, "group_id"), id(r, "channel_id"))
	}))
	mux.HandleFunc("DELETE /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", done("Group channel removed successfully", func(r *http.Request) error {
		return store.RemoveChannel(r.Context(), id(r, "organisation_id"), id(r, "group_id"), id(r, "channel_id"))
	}))
	mux.HandleFunc("PATCH /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", done("Group channel moved successfully", func(r *http.Request) error {
		return store.MoveChannel(r.Context(), id(r, "organisation_id"), id(r, "group_id"), id(r, "channel_id"))
	}))
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/{group_id}/channels", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListGroupChannels(r.Context(), id(r, "organisation_id"), id(r, "group_id"), grouping.ListChannelsOptions{Limit: limit(r)})
		write(w, ok("Group channels fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.Handle("POST /organisations/{organisation_id}/groups/{group_id}/channels", bulk(store.AssignChannels, "Group channels assigned successfully"))
	mux.Handle("DELETE /organisations/{organisation_id}/groups/{group_id}/channels", bulk(store.RemoveChannels, "Group channels removed successfully"))
	mux.Handle("PATCH /organisations/{organisation_id}/groups/{group_id}/channels", bulk(store.MoveChannels, "Group channels moved successfully"))
	mux.HandleFunc("PUT /organisations/{organisation_id}/groups/{group_id}/channels/order", func(w http.ResponseWriter, r *http.Request) {
		type body struct {
			ChannelIDs []string `json:"channel_ids"`
		}
		ids, valid := floorIDList(w, r, func(b *body) []string { return b.ChannelIDs })
		if !valid {
			return
		}
		err := store.ReorderGroupChannels(r.Context(), id(r, "organisation_id"), id(r, "group_id"), ids)
		write(w, ok("Group channels reordered successfully", nil, ""), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/channels/no-group", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListUngroupedChannels(r.Context(), id(r, "organisation_id"), grouping.ListChannelsOptions{Limit: limit(r)})
		write(w, ok("Channels not in group fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/channels/user-no-group", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListDiscoverableChannels(r.Context(), id(r, "organisation_id"), user, grouping.ListChannelsOptions{Limit: limit(r)})
		write(w, ok("Discoverable Channels for user fetched successfully", p.Items, p.NextCursor), err)
	})

	// The mirror.
	mux.HandleFunc("PUT /organisations/{organisation_id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name string `json:"name"`
		}
		if !floorDecode(w, r, &body) {
			return
		}
		org, err := store.UpsertOrganisation(r.Context(), grouping.Organisation{ID: id(r, "organisation_id"), Name: body.Name})
		write(w, ok("Organisation saved successfully", org, ""), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/channels/{channel_id}", func(w http.ResponseWriter, r *http.Request) {
		ch, err := store.GetChannel(r.Context(), id(r, "organisation_id"), id(r, "channel_id"))
		write(w, ok("Channel fetched successfully", ch, ""), err)
	})
	mux.HandleFunc("PUT /organisations/{organisation_id}/channels/{channel_id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name         string   `json:"name"`
			Description  string   `json:"description"`
			OwnerID      *string  `json:"owner_id"`
			Archived     bool     `json:"archived"`
			MessageCount int64    `json:"message_count"`
			Users        []string `json:"users"`
			CreatedAt    *string  `json:"created_at"`
		}
		if !floorDecode(w, r, &body) {
			return
		}
		up := grouping.ChannelUpsert{ID: id(r, "channel_id"), OrganisationID: id(r, "organisation_id"), Name: body.Name,
			Description: body.Description, Archived: body.Archived, MessageCount: body.MessageCount}
		var err error
		if body.OwnerID != nil {
			up.OwnerID, err = uuid.Parse(*body.OwnerID)
		}
		if err == nil && body.Users != nil {
			up.Users, err = floorIDs(body.Users)
		}
		if err == nil && body.CreatedAt != nil {
			up.CreatedAt, err = time.Parse("2006-01-02T15:04:05.000Z", *body.CreatedAt)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ch, err := store.UpsertChannel(r.Context(), up)
		write(w, ok("Channel saved successfully", ch, ""), err)
	})
	mux.HandleFunc("DELETE /organisations/{organisation_id}/channels/{channel_id}", done("Channel deleted successfully", func(r *http.Request) error {
		return store.DeleteChannel(r.Context(), id(r, "organisation_id"), id(r, "channel_id"))
	}))
	mux.HandleFunc("PUT /organisations/{organisation_id}/channels/{channel_id}/users/{user_id}", done("Channel member added successfully", func(r *http.Request) error {
		return store.AddChannelMember(r.Context(), id(r, "organisation_id"), id(r, "channel_id"), id(r, "user_id"))
	}))
	mux.HandleFunc("DELETE /organisations/{organisation_id}/channels/{channel_id}/users/{user_id}", done("Channel member removed successfully", func(r *http.Request) error {
		return store.RemoveChannelMember(r.Context(), id(r, "organisation_id"), id(r, "channel_id"), id(r, "user_id"))
	}))

	// Workspaces.
	mux.HandleFunc("GET /workspaces/{workspaceId}/channel-groups", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListChannelGroups(r.Context(), id(r, "workspaceId"), grouping.ListChannelGroupsOptions{Limit: limit(r)})
		type list struct {
			Results       []grouping.ChannelGroup `json:"results"`
			NextPageToken string                  `json:"nextPageToken,omitempty"`
		}
		write(w, list{p.Items, p.NextCursor}, err)
	})
	mux.HandleFunc("GET /workspaces/{workspaceId}/channel-groups/{channelGroupId}", func(w http.ResponseWriter, r *http.Request) {
		cg, err := store.GetChannelGroup(r.Context(), id(r, "workspaceId"), id(r, "channelGroupId"))
		write(w, cg, err)
	})
	mux.HandleFunc("DELETE /workspaces/{workspaceId}/channel-groups/{channelGroupId}", func(w http.ResponseWriter, r *http.Request) {
		noContent(w, store.DeleteChannelGroup(r.Context(), id(r, "workspaceId"), id(r, "channelGroupId")))
	})
	mux.HandleFunc("PUT /workspaces/{workspaceId}/channels/{channelId}/channel-group", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			PlatformID        string `json:"platformId"`
			PlatformGroupID   string `json:"platformGroupId"`
			PlatformGroupName string `json:"platformGroupName"`
		}
		if !floorDecode(w, r, &body) {
			return
		}
		cg, err := store.AttachChannel(r.Context(), id(r, "workspaceId"), id(r, "channelId"),
			grouping.ChannelGroupAttach{PlatformID: body.PlatformID, PlatformGroupID: body.PlatformGroupID, PlatformGroupName: body.PlatformGroupName})
		write(w, cg, err)
	})
	mux.HandleFunc("DELETE /workspaces/{workspaceId}/channels/{channelId}/channel-group", func(w http.ResponseWriter, r *http.Request) {
		noContent(w, store.DetachChannel(r.Context(), id(r, "workspaceId"), id(r, "channelId")))
	})

	// Event pages.
	page := func(r *http.Request, t grouping.Tenant) (grouping.EventPage, error) {
		q := r.URL.Query()
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		n, _ := strconv.Atoi(q.Get("limit"))
		p, err := events.Events(r.Context(), t, after, n)
		if err == nil && len(p.Events) == 0 && t.Kind == grouping.OrganisationTenant {
			_, err = store.ListGroups(r.Context(), t.ID, grouping.ListGroupsOptions{Limit: 1}) // the organisation exists
		}
		return p, err
	}
	mux.HandleFunc("GET /organisations/{organisation_id}/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		p, err := page(r, grouping.OrganisationOf(id(r, "organisation_id")))
		type data struct {
			Events  []grouping.Event `json:"events"`
			Next    int64            `json:"next"`
			HasMore bool             `json:"has_more"`
		}
		write(w, ok("Events fetched successfully", data{p.Events, p.Next, p.More}, ""), err)
	})
	mux.HandleFunc("GET /workspaces/{workspaceId}/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		p, err := page(r, grouping.WorkspaceOf(id(r, "workspaceId")))
		type data struct {
			Results []grouping.Event `json:"results"`
			Next    int64            `json:"next"`
			HasMore bool             `json:"hasMore"`
		}
		write(w, data{p.Events, p.Next, p.More}, err)
	})
	return mux
}

// floorCase is one route, or a pair of routes that undo each other's
// writes so that every iteration does the same: the requests of one
// operation, and the JSON keys whose values differ from one run of them to
// the next.
type floorCase struct {
	name     string
	requests func(w *floorWorld, i int) []*http.Request
	// then, when set, makes a last request from the answer to the others:
	// the deletion of what they created.
	then func(w *floorWorld, answer []byte) *http.Request
	// varies lists the keys whose values differ between runs (times,
	// versions, the run's number); newIDs says that the runs make
	// different IDs, which the comparison replaces by their order.
	varies []string
	newIDs bool
}

// get is a GET of path with the world's IDs in it. The path is made once
// per world, outside the timed requests.
func get(path string) func(w *floorWorld, i int) []*http.Request {
	paths := map[*floorWorld]string{}
	return func(w *floorWorld, _ int) []*http.Request {
		p, ok := paths[w]
		if !ok {
			p = strings.NewReplacer("{org}", w.org.String(), "{group}", w.group.ID.String(), "{channel}", w.channel.ID.String(),
				"{ws}", w.ws.String(), "{cg}", w.chanGroup.ID.String()).Replace(path)
			paths[w] = p
		}
		return []*http.Request{httptest.NewRequest(http.MethodGet, p, nil)}
	}
}

// req is one request with a JSON body, which may be empty.
func req(method, path, body string) *http.Request {
	if body == "" {
		return httptest.NewRequest(method, path, nil)
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// reqs is a fixed sequence of requests, by keys of the world's paths and
// bodies (a body key of "" for none): method, path, body, method, ….
func reqs(spec ...string) func(w *floorWorld, i int) []*http.Request {
	return func(w *floorWorld, _ int) []*http.Request {
		out := make([]*http.Request, 0, len(spec)/3)
		for k := 0; k < len(spec); k += 3 {
			out = append(out, req(spec[k], w.paths[spec[k+1]], w.bodies[spec[k+2]]))
		}
		return out
	}
}

// createdID returns the first "id" of a JSON answer: that of the group
// or the channel group just created.
func createdID(answer []byte) string {
	const key = `"id":"`
	i := bytes.Index(answer, []byte(key))
	if i < 0 || len(answer) < i+len(key)+36 {
		return "no-id"
	}
	return string(answer[i+len(key) : i+len(key)+36])
}

func floorCases() []floorCase {
	return []floorCase{
		{name: "GetGroup", requests: get("/organisations/{org}/groups/{group}")},
		{name: "GetGroupWithChannels", requests: get("/organisations/{org}/groups/{group}?include=channels")},
		{name: "ListGroups", requests: get("/organisations/{org}/groups?limit=50")},
		{name: "ListGroupChannels", requests: get("/organisations/{org}/groups/{group}/channels?limit=50")},
		{name: "ListUngroupedChannels", requests: get("/organisations/{org}/groups/channels/no-group?limit=50")},
		{name: "ListDiscoverableChannels", requests: get("/organisations/{org}/groups/channels/user-no-group?limit=50")},
		{name: "GetChannel", requests: get("/organisations/{org}/channels/{channel}")},
		{name: "ListChannelGroups", requests: get("/workspaces/{ws}/channel-groups?limit=50")},
		{name: "GetChannelGroup", requests: get("/workspaces/{ws}/channel-groups/{cg}")},
		{name: "OrganisationEvents", requests: get("/organisations/{org}/events?after=0&limit=50")},
		{name: "WorkspaceEvents", requests: get("/workspaces/{ws}/events?after=0&limit=50")},
		{name: "CreateGroup+DeleteGroup", requests: func(w *floorWorld, i int) []*http.Request {
			return []*http.Request{req(http.MethodPost, w.paths["groups"], fmt.Sprintf(`{"name":"Floor %d","description":"made and deleted"}`, i))}
		}, then: func(w *floorWorld, answer []byte) *http.Request {
			return req(http.MethodDelete, w.paths["groups"]+"/"+createdID(answer), "")
		}, varies: []string{"name", "position", "created_at", "updated_at"}, newIDs: true},
		{name: "UpdateGroup", requests: func(w *floorWorld, i int) []*http.Request {
			return []*http.Request{req(http.MethodPatch, w.paths["update"], fmt.Sprintf(`{"description":"round %d"}`, i))}
		}, varies: []string{"description", "updated_at"}},
		{name: "AssignChannel+RemoveChannel", requests: reqs(
			http.MethodPost, "assign", "",
			http.MethodDelete, "assign", "")},
		{name: "MoveChannel+MoveChannel", requests: reqs(
			http.MethodPatch, "move out", "",
			http.MethodPatch, "move back", "")},
		{name: "AssignChannels+RemoveChannels", requests: reqs(
			http.MethodPost, "bulk", "bulk assign",
			http.MethodDelete, "bulk", "bulk assign")},
		{name: "MoveChannels+MoveChannels", requests: reqs(
			http.MethodPatch, "bulk", "bulk move",
			http.MethodPatch, "bulk back", "bulk move")},
		{name: "ReorderGroups+ReorderGroups", requests: reqs(
			http.MethodPut, "group order", "group order",
			http.MethodPut, "group order", "group order back")},
		{name: "ReorderGroupChannels+ReorderGroupChannels", requests: reqs(
			http.MethodPut, "channel order", "channel order",
			http.MethodPut, "channel order", "channel order back")},
		{name: "UpsertOrganisation", requests: func(w *floorWorld, i int) []*http.Request {
			return []*http.Request{req(http.MethodPut, w.paths["organisation"], fmt.Sprintf(`{"name":"Floor %d"}`, i))}
		}, varies: []string{"name"}},
		{name: "UpsertChannel", requests: func(w *floorWorld, i int) []*http.Request {
			return []*http.Request{req(http.MethodPut, w.paths["channel"], fmt.Sprintf(w.bodies["channel"], i))}
		}, varies: []string{"message_count"}},
		{name: "CreateChannel+DeleteChannel", requests: func(w *floorWorld, _ int) []*http.Request {
			p := w.paths["channels"] + uuid.NewString() // a deleted channel is not created again
			return []*http.Request{req(http.MethodPut, p, w.bodies["new channel"]), req(http.MethodDelete, p, "")}
		}, varies: []string{"created_at"}, newIDs: true},
		{name: "AddChannelMember+RemoveChannelMember", requests: reqs(
			http.MethodPut, "member", "",
			http.MethodDelete, "member", "")},
		{name: "AttachChannel+DetachChannel", requests: reqs(
			http.MethodPut, "attach", "attach",
			http.MethodDelete, "attach", ""),
			varies: []string{"updatedAt"}},
		{name: "AttachChannel+DeleteChannelGroup", requests: reqs(
			http.MethodPut, "attach", "attach new"),
			then: func(w *floorWorld, answer []byte) *http.Request {
				return req(http.MethodDelete, w.paths["channel-groups"]+createdID(answer), "")
			}, varies: []string{"createdAt", "updatedAt"}, newIDs: true},
	}
}

// serve runs the requests of one operation of c through h and returns the
// answers. Every one must succeed.
func serve(tb testing.TB, h http.Handler, w *floorWorld, c floorCase, i int) []*httptest.ResponseRecorder {
	reqs := c.requests(w, i)
	out := make([]*httptest.ResponseRecorder, 0, len(reqs)+1)
	do := func(r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
			tb.Fatalf("%s %s: %d %s", r.Method, r.URL, rec.Code, rec.Body)
		}
		out = append(out, rec)
	}
	for _, r := range reqs {
		do(r)
	}
	if c.then != nil {
		do(c.then(w, out[len(out)-1].Body.Bytes()))
	}
	return out
}

func floorStores(tb testing.TB) []struct {
	name  string
	store grouping.Store
} {
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "floor.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return []struct {
		name  string
		store grouping.Store
	}{{"memstore", memstore.New()}, {"sqlite", s}}
}

// comparable returns an answer's status line, Content-Type and body, with
// the values of the keys in varies replaced and, when newIDs is set, its
// UUIDs replaced by their order of first appearance.
func comparable(rec *httptest.ResponseRecorder, c floorCase) string {
	body := rec.Body.String()
	for _, key := range c.varies {
		re := regexp.MustCompile(`"` + regexp.QuoteMeta(key) + `":("(?:[^"\\]|\\.)*"|-?[0-9]+|true|false|null)`)
		body = re.ReplaceAllString(body, `"`+key+`":"(varies)"`)
	}
	if c.newIDs {
		body = benchkit.Canonical(body)
	}
	return fmt.Sprintf("%d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), body)
}

// TestHTTPFloorMatchesLibrary checks that the floor answers every request
// of every case of the benchmark as the API does: the same status and,
// but for what varies from one run to the next, the same bytes.
func TestHTTPFloorMatchesLibrary(t *testing.T) {
	for _, st := range floorStores(t) {
		w := newFloorWorld(t, st.store)
		for i, c := range floorCases() {
			t.Run(st.name+"/"+c.name, func(t *testing.T) {
				is := is.New(t)
				lib := serve(t, w.library, w, c, 2*i)
				floor := serve(t, w.floor, w, c, 2*i+1)
				is.Equal(len(lib), len(floor)) // as many answers
				for k := range lib {
					is.Equal(comparable(lib[k], c), comparable(floor[k], c)) // the floor does the same work and writes the same JSON
				}
			})
		}
	}
}

// TestHTTPFloorCoversEveryRoute checks that the cases send a request to
// every operation of the API's OpenAPI document, which lists every route
// the API serves with its extensions and events on, but for the document
// itself.
func TestHTTPFloorCoversEveryRoute(t *testing.T) {
	is := is.New(t)
	w := newFloorWorld(t, memstore.New())
	rec := httptest.NewRecorder()
	w.library.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	is.NoErr(json.Unmarshal(rec.Body.Bytes(), &doc)) // the API serves its document
	type op struct{ method, path string }
	want := map[op]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if m := strings.ToUpper(method); m != "PARAMETERS" && path != "/openapi.json" {
				want[op{m, path}] = false
			}
		}
	}
	is.True(len(want) >= 29) // routes.go registers 29 routes with extensions and events
	// template returns the documented path a request path is for: of
	// those it matches, the one with most literal segments (…/groups/order
	// rather than …/groups/{group_id}).
	template := func(p string) string {
		segs := strings.Split(p, "/")
		best, most := "", -1
	paths:
		for path := range doc.Paths {
			tsegs := strings.Split(path, "/")
			if len(tsegs) != len(segs) {
				continue
			}
			literals := 0
			for k, s := range tsegs {
				switch {
				case strings.HasPrefix(s, "{"):
				case s == segs[k]:
					literals++
				default:
					continue paths
				}
			}
			if literals > most {
				best, most = path, literals
			}
		}
		return best
	}
	seen := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		want[op{r.Method, template(r.URL.Path)}] = true
		w.library.ServeHTTP(rw, r)
	})
	for i, c := range floorCases() {
		serve(t, seen, w, c, i)
	}
	var missing []string
	for o, covered := range want {
		if !covered {
			missing = append(missing, o.method+" "+o.path)
		}
	}
	is.Equal(missing, []string(nil)) // every route has a case
}

// BenchmarkHTTPFloor times every case through the API and through the
// floor, for memstore (where the HTTP layer's share is largest) and sqlite.
// cpu-ns/op is the processor time of the process per operation, which
// other work on the machine disturbs less than the time. Which of the
// library and the floor runs first is drawn for each case; each starts on
// a collected heap, and with memstore on an event log pruned to each
// tenant's newest 1,024 events.
func BenchmarkHTTPFloor(b *testing.B) {
	for _, st := range floorStores(b) {
		w := newFloorWorld(b, st.store)
		for _, c := range floorCases() {
			impls := []struct {
				name string
				h    http.Handler
			}{{"library", w.library}, {"floor", w.floor}}
			if rand.IntN(2) == 0 {
				slices.Reverse(impls)
			}
			for _, impl := range impls {
				b.Run("store="+st.name+"/op="+c.name+"/impl="+impl.name, func(b *testing.B) {
					b.ReportAllocs()
					if mem, ok := st.store.(*memstore.Store); ok {
						// memstore keeps its event log in the heap, which
						// every collection marks: grown through the run,
						// it makes a side of a late case pay for a whole
						// collection or none on a few hundred bytes more
						// or less. It is pruned, as a store that runs for
						// long prunes it (sqlite keeps its log on disk).
						_, err := mem.PruneEvents(context.Background(), grouping.Retention{MaxCount: 1024})
						if err != nil {
							b.Fatal(err)
						}
					}
					// The garbage of the runs before is collected now, not
					// while this side runs, which would pay for it in both
					// the time and cpu-ns/op.
					runtime.GC()
					cpu := benchkit.ProcessCPU()
					i := 0
					for b.Loop() {
						serve(b, impl.h, w, c, i)
						i++
					}
					if cpu := benchkit.ProcessCPU() - cpu; cpu > 0 {
						b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
				})
			}
		}
	}
}
