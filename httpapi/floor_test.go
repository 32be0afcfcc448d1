package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// The HTTP floor: every route measured against a bare net/http handler that
// parses the same path and query, calls the same store method and writes the
// same JSON with encoding/json, without authentication, authorisation,
// strict parsing, telemetry or logging. TestHTTPFloorMatchesLibrary checks
// that both answer the same; BenchmarkHTTPFloor times both, in process
// (httptest.ResponseRecorder), so that the network does not drown the
// difference:
//
//	go test -run '^$' -bench HTTPFloor -count 8 ./httpapi | tee http.txt
//	benchstat -col /impl http.txt

// floorWorld is the fixture: an organisation with 200 channels, 50 of them
// in one group of three, and a workspace with 60 channel groups.
type floorWorld struct {
	store     grouping.Store
	org, ws   uuid.UUID
	user      uuid.UUID
	group     grouping.Group
	other     grouping.Group
	channel   grouping.Channel // in group
	loose     grouping.Channel // in no group
	chanGroup grouping.ChannelGroup
	library   http.Handler
	floor     http.Handler
	// paths of the write cases, made once
	paths struct{ update, assign string }
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
	_, err = store.CreateGroup(ctx, w.org, grouping.NewGroup{Name: "Support"})
	must(err)
	ids := make([]uuid.UUID, 50)
	for i := range ids {
		ids[i] = chs[i].ID
	}
	must(store.AssignChannels(ctx, w.org, w.group.ID, ids))
	w.channel, w.loose = chs[0], chs[199]
	for i := range 60 {
		cg, err := store.AttachChannel(ctx, w.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: fmt.Sprint("account-", i), PlatformGroupName: fmt.Sprint("Account ", i)})
		must(err)
		if i == 0 {
			w.chanGroup = cg
		}
	}
	principal := httpapi.Principal{UserID: w.user, Organisations: []uuid.UUID{w.org}, Workspaces: []uuid.UUID{w.ws}}
	api, err := httpapi.New(store,
		httpapi.WithAuthenticator(httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) { return principal, nil })),
		httpapi.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	must(err)
	w.library = api
	w.floor = floorHandler(store, w.user)
	w.paths.update = "/organisations/" + w.org.String() + "/groups/" + w.other.ID.String()
	w.paths.assign = w.paths.update + "/channels/" + w.loose.ID.String()
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

// floorHandler is the bare handler of every route of the benchmark.
func floorHandler(store grouping.Store, user uuid.UUID) http.Handler {
	mux := http.NewServeMux()
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
	ok := func(msg string, data any, next string) floorEnvelope {
		return floorEnvelope{Status: "success", StatusCode: 200, Message: msg, Data: data, NextCursor: next}
	}
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/{group_id}", func(w http.ResponseWriter, r *http.Request) {
		g, err := store.GetGroup(r.Context(), id(r, "organisation_id"), id(r, "group_id"), grouping.GetGroupOptions{IncludeChannels: r.URL.Query().Get("include") == "channels"})
		write(w, ok("Group fetched successfully", g, ""), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListGroups(r.Context(), id(r, "organisation_id"), grouping.ListGroupsOptions{Limit: limit(r)})
		write(w, ok("Groups fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/{group_id}/channels", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListGroupChannels(r.Context(), id(r, "organisation_id"), id(r, "group_id"), grouping.ListChannelsOptions{Limit: limit(r)})
		write(w, ok("Group channels fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/channels/no-group", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListUngroupedChannels(r.Context(), id(r, "organisation_id"), grouping.ListChannelsOptions{Limit: limit(r)})
		write(w, ok("Channels not in group fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/groups/channels/user-no-group", func(w http.ResponseWriter, r *http.Request) {
		p, err := store.ListDiscoverableChannels(r.Context(), id(r, "organisation_id"), user, grouping.ListChannelsOptions{Limit: limit(r)})
		write(w, ok("Discoverable Channels for user fetched successfully", p.Items, p.NextCursor), err)
	})
	mux.HandleFunc("GET /organisations/{organisation_id}/channels/{channel_id}", func(w http.ResponseWriter, r *http.Request) {
		ch, err := store.GetChannel(r.Context(), id(r, "organisation_id"), id(r, "channel_id"))
		write(w, ok("Channel fetched successfully", ch, ""), err)
	})
	mux.HandleFunc("PATCH /organisations/{organisation_id}/groups/{group_id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Description *string `json:"description"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g, err := store.UpdateGroup(r.Context(), id(r, "organisation_id"), id(r, "group_id"), grouping.GroupUpdate{Description: body.Description})
		write(w, ok("Group updated successfully", g, ""), err)
	})
	mux.HandleFunc("POST /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", func(w http.ResponseWriter, r *http.Request) {
		err := store.AssignChannel(r.Context(), id(r, "organisation_id"), id(r, "group_id"), id(r, "channel_id"))
		write(w, ok("Group channel assigned successfully", nil, ""), err)
	})
	mux.HandleFunc("DELETE /organisations/{organisation_id}/groups/{group_id}/channels/{channel_id}", func(w http.ResponseWriter, r *http.Request) {
		err := store.RemoveChannel(r.Context(), id(r, "organisation_id"), id(r, "group_id"), id(r, "channel_id"))
		write(w, ok("Group channel removed successfully", nil, ""), err)
	})
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
	return mux
}

// floorCase is one route: the requests of one operation (writes come in
// pairs that undo each other, so that every iteration does the same).
type floorCase struct {
	name     string
	requests func(w *floorWorld, i int) []*http.Request
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

func floorCases() []floorCase {
	return []floorCase{
		{"GetGroup", get("/organisations/{org}/groups/{group}")},
		{"GetGroupWithChannels", get("/organisations/{org}/groups/{group}?include=channels")},
		{"ListGroups", get("/organisations/{org}/groups?limit=50")},
		{"ListGroupChannels", get("/organisations/{org}/groups/{group}/channels?limit=50")},
		{"ListUngroupedChannels", get("/organisations/{org}/groups/channels/no-group?limit=50")},
		{"ListDiscoverableChannels", get("/organisations/{org}/groups/channels/user-no-group?limit=50")},
		{"GetChannel", get("/organisations/{org}/channels/{channel}")},
		{"ListChannelGroups", get("/workspaces/{ws}/channel-groups?limit=50")},
		{"GetChannelGroup", get("/workspaces/{ws}/channel-groups/{cg}")},
		{"UpdateGroup", func(w *floorWorld, i int) []*http.Request {
			r := httptest.NewRequest(http.MethodPatch, w.paths.update,
				strings.NewReader(fmt.Sprintf(`{"description":"round %d"}`, i)))
			r.Header.Set("Content-Type", "application/json")
			return []*http.Request{r}
		}},
		{"AssignChannel+RemoveChannel", func(w *floorWorld, _ int) []*http.Request {
			p := w.paths.assign
			return []*http.Request{httptest.NewRequest(http.MethodPost, p, nil), httptest.NewRequest(http.MethodDelete, p, nil)}
		}},
	}
}

// serve runs the requests through h and returns the last body.
func serveAll(tb testing.TB, h http.Handler, reqs []*http.Request) []byte {
	var body []byte
	for _, r := range reqs {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			tb.Fatalf("%s %s: %d %s", r.Method, r.URL, rec.Code, rec.Body)
		}
		body = rec.Body.Bytes()
	}
	return body
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

// TestHTTPFloorMatchesLibrary checks that the floor answers every case of
// the benchmark as the API does.
func TestHTTPFloorMatchesLibrary(t *testing.T) {
	for _, st := range floorStores(t) {
		w := newFloorWorld(t, st.store)
		for i, c := range floorCases() {
			t.Run(st.name+"/"+c.name, func(t *testing.T) {
				is := is.New(t)
				var lib, floor any
				is.NoErr(json.Unmarshal(serveAll(t, w.library, c.requests(w, 2*i)), &lib))   // the API's answer is JSON
				is.NoErr(json.Unmarshal(serveAll(t, w.floor, c.requests(w, 2*i+1)), &floor)) // so is the floor's
				if c.name == "UpdateGroup" {
					// The two calls are two updates: versions and times differ.
					lib.(map[string]any)["data"].(map[string]any)["updated_at"] = nil
					floor.(map[string]any)["data"].(map[string]any)["updated_at"] = nil
					lib.(map[string]any)["data"].(map[string]any)["description"] = nil
					floor.(map[string]any)["data"].(map[string]any)["description"] = nil
				}
				is.Equal(lib, floor) // the floor does the same work and writes the same JSON
			})
		}
	}
}

// BenchmarkHTTPFloor times every case through the API and through the
// floor, for memstore (where the HTTP layer's share is largest) and sqlite.
func BenchmarkHTTPFloor(b *testing.B) {
	for _, st := range floorStores(b) {
		w := newFloorWorld(b, st.store)
		for _, c := range floorCases() {
			for _, impl := range []struct {
				name string
				h    http.Handler
			}{{"library", w.library}, {"floor", w.floor}} {
				b.Run("store="+st.name+"/op="+c.name+"/impl="+impl.name, func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						serveAll(b, impl.h, c.requests(w, i))
						i++
					}
				})
			}
		}
	}
}
