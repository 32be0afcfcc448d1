package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// TestReferenceClients sends what clients of the reference implementation
// send (organisation_id in group bodies, channels without an owner), and
// uses the two channel routes a Go client of the API needs to be a
// grouping.Store: reading one channel, and setting a channel's creation
// time.
func TestReferenceClients(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		e := newEnv(t, store, envConfig{})
		e.withTokens()
		a := e.fx.a
		org := "/organisations/" + a.org.String()

		t.Run("organisation_id in group bodies", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "POST", path: org + "/groups", as: a.token,
				body: `{"name":"C-Group","description":"This is a group for the C warriors","organisation_id":"` + a.org.String() + `"}`})
			m := orgEnvelope(t, res, "Group created successfully") // the path's organisation is accepted
			d := m["data"].(map[string]any)
			is.Equal(d["organisation_id"], a.org.String()) // and is the group's
			group := d["id"].(string)

			res = e.do(t, request{method: "PATCH", path: org + "/groups/" + group, as: a.token,
				body: `{"name":"Updated Group Name","organisation_id":"` + strings.ToUpper(a.org.String()) + `"}`})
			m = orgEnvelope(t, res, "Group updated successfully")                   // in either case, as in paths
			is.Equal(m["data"].(map[string]any)["name"], "Updated Group Name")      // the update is made
			is.Equal(m["data"].(map[string]any)["organisation_id"], a.org.String()) // in the same organisation

			res = e.do(t, request{method: "POST", path: org + "/groups", as: a.token, body: `{"name":"Nulled","organisation_id":null}`})
			orgEnvelope(t, res, "Group created successfully") // null counts as absent

			before := snapshot(t, e.store, a, e.fx.b)
			res = e.do(t, request{method: "POST", path: org + "/groups", as: a.token,
				body: `{"name":"Elsewhere","organisation_id":"` + e.fx.b.org.String() + `"}`})
			m = orgErrorShape(t, res, http.StatusBadRequest) // another organisation
			is.True(errorsOf(m)["organisation_id"] != nil)   // names organisation_id
			res = e.do(t, request{method: "PATCH", path: org + "/groups/" + group, as: a.token,
				body: `{"archived":true,"organisation_id":"` + uuid.NewString() + `"}`})
			m = orgErrorShape(t, res, http.StatusBadRequest) // on update too
			is.True(errorsOf(m)["organisation_id"] != nil)
			assertUnchanged(t, before, snapshot(t, e.store, a, e.fx.b)) // and nothing changed
		})

		t.Run("channel without owner", func(t *testing.T) {
			is := is.New(t)
			ch := uuid.NewString()
			path := org + "/channels/" + ch
			res := e.do(t, request{method: "PUT", path: path, as: a.service, body: `{"name":"ownerless"}`})
			m := orgEnvelope(t, res, "Channel saved successfully")
			d := m["data"].(map[string]any)
			owner, present := d["owner_id"]
			is.True(present && owner == nil) // an unknown owner is null on the wire

			res = e.do(t, request{method: "GET", path: path, as: a.token})
			d = orgEnvelope(t, res, "Channel fetched successfully")["data"].(map[string]any)
			is.Equal(d["owner_id"], nil) // stored as unknown
			res = e.do(t, request{method: "GET", path: org + "/groups/channels/no-group", as: a.token})
			for _, c := range orgEnvelope(t, res, "Channels not in group fetched successfully")["data"].([]any) {
				if c := c.(map[string]any); c["channels_id"] == ch {
					is.Equal(c["owner_id"], nil) // and listed as unknown
				}
			}

			owned := uuid.NewString()
			res = e.do(t, request{method: "PUT", path: path, as: a.service, body: `{"name":"owned","owner_id":"` + owned + `"}`})
			is.Equal(orgEnvelope(t, res, "Channel saved successfully")["data"].(map[string]any)["owner_id"], owned) // an owner is given
			res = e.do(t, request{method: "PUT", path: path, as: a.service, body: `{"name":"owned","owner_id":null}`})
			is.Equal(orgEnvelope(t, res, "Channel saved successfully")["data"].(map[string]any)["owner_id"], nil) // and taken away with null
		})

		t.Run("get channel", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: org + "/channels/" + a.channels[0].String(), as: a.token})
			d := orgEnvelope(t, res, "Channel fetched successfully")["data"].(map[string]any)
			is.Equal(d["channels_id"], a.channels[0].String()) // the channel asked for
			is.Equal(d["group_id"], a.groups[0].String())      // with its group
			is.Equal(d["owner_id"], a.user.String())           // its owner
			is.Equal(d["user_count"], float64(2))              // and its members
			is.Equal(len(d["users"].([]any)), 2)               // listed, as for one channel

			res = e.do(t, request{method: "HEAD", path: org + "/channels/" + a.channels[0].String(), as: a.token})
			is.Equal(res.status, http.StatusOK) // HEAD answers as GET
			is.Equal(len(res.body), 0)          // without a body

			res = e.do(t, request{method: "GET", path: org + "/channels/" + uuid.NewString(), as: a.token})
			is.Equal(orgErrorShape(t, res, http.StatusNotFound)["message"], "Channel not found") // unknown
			res = e.do(t, request{method: "GET", path: org + "/channels/" + e.fx.b.channels[0].String(), as: a.token})
			is.Equal(orgErrorShape(t, res, http.StatusNotFound)["message"], "Channel not found") // another organisation's
			res = e.do(t, request{method: "DELETE", path: org + "/channels/" + a.channels[2].String(), as: a.service})
			orgEnvelope(t, res, "Channel deleted successfully")
			res = e.do(t, request{method: "GET", path: org + "/channels/" + a.channels[2].String(), as: a.token})
			orgErrorShape(t, res, http.StatusNotFound) // deleted
			res = e.do(t, request{method: "GET", path: org + "/channels/nope", as: a.token})
			is.True(errorsOf(orgErrorShape(t, res, http.StatusBadRequest))["channel_id"] != nil) // a bad ID names channel_id
		})

		t.Run("created_at", func(t *testing.T) {
			is := is.New(t)
			early, late := uuid.NewString(), uuid.NewString()
			for id, at := range map[string]string{late: "2024-12-21T12:10:47.492Z", early: "1999-01-02T03:04:05.006Z"} {
				res := e.do(t, request{method: "PUT", path: org + "/channels/" + id, as: a.service, body: `{"name":"dated","owner_id":"` + a.user.String() + `","created_at":"` + at + `"}`})
				d := orgEnvelope(t, res, "Channel saved successfully")["data"].(map[string]any)
				is.Equal(d["created_at"], at) // as given, to the millisecond
			}
			res := e.do(t, request{method: "PUT", path: org + "/channels/" + late, as: a.service, body: `{"name":"renamed","owner_id":"` + a.user.String() + `","created_at":null}`})
			d := orgEnvelope(t, res, "Channel saved successfully")["data"].(map[string]any)
			is.Equal(d["created_at"], "2024-12-21T12:10:47.492Z") // null leaves it unchanged
			res = e.do(t, request{method: "GET", path: org + "/groups/channels/no-group", as: a.token})
			first := orgEnvelope(t, res, "Channels not in group fetched successfully")["data"].([]any)[0].(map[string]any)
			is.Equal(first["channels_id"], early) // lists come in order of creation time
		})
	})
}
