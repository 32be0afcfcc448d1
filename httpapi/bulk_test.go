package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// bulkEnv is a served store with tenant A's user token, and helpers for
// the bulk routes.
type bulkEnv struct {
	*env
	org string // A's organisation path
}

func newBulkEnv(t *testing.T, store grouping.Store, cfg envConfig) bulkEnv {
	e := newEnv(t, store, cfg)
	e.withTokens()
	return bulkEnv{env: e, org: "/organisations/" + e.fx.a.org.String()}
}

// call sends a bulk request for group as A's user.
func (e bulkEnv) call(t *testing.T, method string, group uuid.UUID, channels ...string) response {
	t.Helper()
	return e.do(t, request{method: method, path: e.org + "/groups/" + group.String() + "/channels",
		body: map[string]any{"channels": channels}, as: e.fx.a.token})
}

// groupChannels lists the IDs of a group's channels over HTTP, archived
// ones included, in group order.
func (e bulkEnv) groupChannels(t *testing.T, group uuid.UUID) []string {
	t.Helper()
	res := e.do(t, request{method: "GET", path: e.org + "/groups/" + group.String() + "/channels?include_archived=true", as: e.fx.a.token})
	m := orgEnvelope(t, res, "Group channels fetched successfully")
	ids := []string{}
	for _, c := range m["data"].([]any) {
		ids = append(ids, c.(map[string]any)["channels_id"].(string))
	}
	return ids
}

// newChannels mirrors n more channels into tenant A.
func (e bulkEnv) newChannels(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		id := uuid.New()
		if _, err := e.store.UpsertChannel(context.Background(), grouping.ChannelUpsert{ID: id, OrganisationID: e.fx.a.org, Name: "more " + id.String()[:8], OwnerID: e.fx.a.user}); err != nil {
			t.Fatalf("upsert channel: %v", err)
		}
		ids = append(ids, id.String())
	}
	return ids
}

// errorsOf returns the "errors" object of an organisation error body.
func errorsOf(m map[string]any) map[string]any {
	errs, _ := m["errors"].(map[string]any)
	return errs
}

// keys returns the sorted keys of m.
func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sorted(ss ...string) []string {
	return slices.Sorted(slices.Values(ss))
}

// TestBulkRoutes walks the three bulk routes: what each does on success,
// and that an error changes nothing and names every offending channel in
// "errors", whatever its status.
func TestBulkRoutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		e := newBulkEnv(t, store, envConfig{})
		a := e.fx.a
		g0, g1 := a.groups[0], a.groups[1]
		ch0, ch1, ch2 := a.channels[0].String(), a.channels[1].String(), a.channels[2].String()
		more := e.newChannels(t, 3)

		t.Run("assign", func(t *testing.T) {
			is := is.New(t)
			res := e.call(t, "POST", g1, more[2], ch2, more[0])
			m := orgEnvelope(t, res, "Group channels assigned successfully")
			_, hasData := m["data"]
			is.True(!hasData)                                                          // no data, as the single-channel routes
			is.Equal(e.groupChannels(t, g1), []string{more[2], ch2, more[0]})          // appended in the order given
			res = e.call(t, "POST", g1, more[0], more[1])                              // one in the group already
			orgEnvelope(t, res, "Group channels assigned successfully")                // is no error
			is.Equal(e.groupChannels(t, g1), []string{more[2], ch2, more[0], more[1]}) // and stays where it was
		})

		t.Run("move", func(t *testing.T) {
			is := is.New(t)
			res := e.call(t, "PATCH", g0, more[0], ch1, more[2])
			orgEnvelope(t, res, "Group channels moved successfully")
			is.Equal(e.groupChannels(t, g0), []string{ch0, ch1, more[0], more[2]}) // from g1, and ch1 already there
			is.Equal(e.groupChannels(t, g1), []string{ch2, more[1]})               // gone from g1
		})

		t.Run("remove", func(t *testing.T) {
			is := is.New(t)
			res := e.call(t, "DELETE", g1, more[1], ch2)
			orgEnvelope(t, res, "Group channels removed successfully")
			is.Equal(e.groupChannels(t, g1), []string{}) // g1 is empty
			res = e.do(t, request{method: "GET", path: e.org + "/groups/channels/no-group", as: a.token})
			var ungrouped []string
			for _, c := range orgEnvelope(t, res, "Channels not in group fetched successfully")["data"].([]any) {
				ungrouped = append(ungrouped, c.(map[string]any)["channels_id"].(string))
			}
			is.True(slices.Contains(ungrouped, ch2) && slices.Contains(ungrouped, more[1])) // both ungrouped
		})

		// The state is now: g0 = ch0, ch1, more[0], more[2]; g1 empty;
		// ch2 and more[1] in no group.
		missing, foreign := uuid.NewString(), e.fx.b.channels[2].String()
		for _, tc := range []struct {
			name      string
			method    string
			group     uuid.UUID
			channels  []string
			status    int
			offending []string // the keys of "errors"
		}{
			{"assign unknown, foreign and grouped", "POST", g1, []string{ch2, missing, ch0, foreign}, http.StatusNotFound, sorted(missing, ch0, foreign)},
			{"assign grouped only", "POST", g1, []string{ch2, ch0, ch1}, http.StatusConflict, sorted(ch0, ch1)},
			{"remove not in group", "DELETE", g0, []string{ch0, ch2, missing}, http.StatusNotFound, sorted(ch2, missing)},
			{"move unknown", "PATCH", g1, []string{ch0, missing}, http.StatusNotFound, sorted(missing)},
			{"assign repeated", "POST", g1, []string{ch2, more[1], ch2}, http.StatusBadRequest, sorted("channels", ch2)},
			{"move repeated", "PATCH", g1, []string{ch0, ch0}, http.StatusBadRequest, sorted("channels", ch0)},
			{"assign to archived group", "POST", a.archived, []string{ch2}, http.StatusConflict, nil},
			{"remove from unknown group", "DELETE", uuid.New(), []string{ch0}, http.StatusNotFound, nil},
			{"assign none", "POST", g1, []string{}, http.StatusBadRequest, []string{"channels"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				before := snapshot(t, e.store, a, e.fx.b)
				m := orgErrorShape(t, e.call(t, tc.method, tc.group, tc.channels...), tc.status)
				is.Equal(keys(errorsOf(m)), tc.offending)                   // every offending ID, and only those
				assertUnchanged(t, before, snapshot(t, e.store, a, e.fx.b)) // nothing changed
			})
		}

		t.Run("problems", func(t *testing.T) {
			is := is.New(t)
			m := orgErrorShape(t, e.call(t, "POST", g1, ch2, ch0, missing), http.StatusNotFound)
			errs := errorsOf(m)
			is.Equal(errs[missing], "Channel not found")                                    // what is wrong with each
			is.Equal(errs[ch0], `Channel is already in group "A-group-0"; move it instead`) // as the store says
			m = orgErrorShape(t, e.call(t, "POST", g1, ch2, ch2), http.StatusBadRequest)
			is.Equal(errorsOf(m)["channels"], m["message"]) // the field carries the message
			is.Equal(errorsOf(m)[ch2], "Channel is listed more than once")
		})

		t.Run("more than 1000", func(t *testing.T) {
			is := is.New(t)
			ids := make([]string, grouping.MaxBulkChannels+1)
			for i := range ids {
				ids[i] = uuid.NewString()
			}
			before := snapshot(t, e.store, a)
			for _, method := range []string{"POST", "DELETE", "PATCH"} {
				m := orgErrorShape(t, e.call(t, method, g1, ids...), http.StatusBadRequest)
				is.Equal(keys(errorsOf(m)), []string{"channels"}) // names the list, not its 1001 IDs
			}
			assertUnchanged(t, before, snapshot(t, e.store, a))
			res := e.call(t, "POST", g1, ids[:grouping.MaxBulkChannels]...)
			m := orgErrorShape(t, res, http.StatusNotFound)      // 1000 is allowed, and these are unknown
			is.Equal(len(errorsOf(m)), grouping.MaxBulkChannels) // every one of them named
		})
	})
}

// TestBulkWithoutExtensions checks that the reference implementation's
// bulk routes are served without the extensions, and the bulk move is
// not.
func TestBulkWithoutExtensions(t *testing.T) {
	is := is.New(t)
	e := newBulkEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithoutExtensions()}})
	a := e.fx.a
	orgEnvelope(t, e.call(t, "POST", a.groups[1], a.channels[2].String()), "Group channels assigned successfully")  // served
	orgEnvelope(t, e.call(t, "DELETE", a.groups[1], a.channels[2].String()), "Group channels removed successfully") // served
	res := e.call(t, "PATCH", a.groups[1], a.channels[2].String())
	orgErrorShape(t, res, http.StatusMethodNotAllowed)           // the move is an extension
	is.Equal(res.header.Get("Allow"), "GET, HEAD, POST, DELETE") // the path's other methods
	res = e.do(t, request{method: "GET", path: e.org + "/channels/" + a.channels[0].String(), as: a.token})
	orgErrorShape(t, res, http.StatusNotFound) // reading a channel is an extension too
}
