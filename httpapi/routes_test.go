package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

var etagPattern = regexp.MustCompile(`^"[1-9][0-9]*"$`)

func TestNew(t *testing.T) {
	is := is.New(t)
	store := memstore.New()
	auth := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) { return httpapi.Principal{}, nil })

	_, err := httpapi.New(store)
	is.True(err != nil) // no authenticator and no open mode

	_, err = httpapi.New(nil, httpapi.WithoutAuthentication())
	is.True(err != nil) // no store

	for _, typedNil := range []grouping.Store{(*memstore.Store)(nil), (*sqlite.Store)(nil)} {
		api, err := httpapi.New(typedNil, httpapi.WithoutAuthentication())
		is.True(err != nil)                                                 // a nil pointer in the interface is no store either
		is.True(api == nil)                                                 // and no API is made that would panic on every request
		is.True(strings.Contains(err.Error(), fmt.Sprintf("%T", typedNil))) // the error names the type
	}

	_, err = httpapi.New(store, httpapi.WithoutAuthentication(), httpapi.WithAuthenticator(auth))
	is.True(err != nil) // open mode and an authenticator contradict each other

	_, err = httpapi.New(store, httpapi.WithoutAuthentication(), httpapi.WithAuthoriser(httpapi.MemberAuthoriser{}))
	is.True(err != nil) // open mode and an authoriser contradict each other

	for _, p := range []string{"api", "/a//b", "/a/../b", "/{x}", "/a b"} {
		_, err = httpapi.New(store, httpapi.WithAuthenticator(auth), httpapi.WithPrefix(p))
		is.True(err != nil) // invalid prefix
	}

	_, err = httpapi.New(store, httpapi.WithAuthenticator(nil))
	is.True(err != nil) // nil authenticator

	api, err := httpapi.New(store, httpapi.WithAuthenticator(auth), httpapi.WithPrefix("/api/v1/"))
	is.NoErr(err)       // valid options
	is.True(api != nil) // an API
}

// TestRoutes walks every route's happy path.
func TestRoutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		e := newEnv(t, store, envConfig{prefix: "/api"})
		e.withTokens()
		a := e.fx.a
		org := "/organisations/" + a.org.String()
		ws := "/workspaces/" + a.ws.String()

		var groupID, etag string
		t.Run("create group", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "POST", path: org + "/groups", as: a.token,
				body: `{"name":"C-Group","description":"This is a group for the C warriors"}`})
			m := orgEnvelope(t, res, "Group created successfully")
			d := m["data"].(map[string]any)
			is.Equal(d["name"], "C-Group")                                   // name
			is.Equal(d["description"], "This is a group for the C warriors") // description
			is.Equal(d["organisation_id"], a.org.String())                   // organisation
			is.Equal(d["channels"], nil)                                     // channels not asked for
			is.Equal(d["archived"], false)                                   // not archived
			is.Equal(d["deleted_at"], nil)                                   // not deleted
			is.True(d["created_at"] != nil && d["updated_at"] != nil)        // times
			etag = res.header.Get("ETag")
			is.True(etagPattern.MatchString(etag)) // strong ETag from the version
			groupID = d["id"].(string)
		})

		t.Run("list groups", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: org + "/groups", as: a.token})
			m := orgEnvelope(t, res, "Groups fetched successfully")
			is.Equal(len(m["data"].([]any)), 4) // three seeded and one created
			_, more := m["next_cursor"]
			is.True(!more) // a single page

			res = e.do(t, request{method: "GET", path: org + "/groups?archived=true", as: a.token})
			m = orgEnvelope(t, res, "Groups fetched successfully")
			is.Equal(len(m["data"].([]any)), 1) // the archived group only

			res = e.do(t, request{method: "GET", path: org + "/groups?include=channels&archived=false", as: a.token})
			m = orgEnvelope(t, res, "Groups fetched successfully")
			first := m["data"].([]any)[0].(map[string]any)
			is.Equal(len(first["channels"].([]any)), 2) // the first group's channels, included

			var ids []any
			path := org + "/groups?limit=1"
			for range 10 {
				res = e.do(t, request{method: "GET", path: path, as: a.token})
				m = orgEnvelope(t, res, "Groups fetched successfully")
				is.Equal(len(m["data"].([]any)), 1) // one group per page
				ids = append(ids, m["data"].([]any)[0].(map[string]any)["id"])
				next, ok := m["next_cursor"].(string)
				if !ok {
					break
				}
				path = org + "/groups?limit=1&cursor=" + next
			}
			is.Equal(len(ids), 4) // every group once across pages
		})

		t.Run("get group", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: org + "/groups/" + groupID, as: a.token})
			m := orgEnvelope(t, res, "Group fetched successfully")
			is.Equal(m["data"].(map[string]any)["id"], groupID) // the group asked for
			is.Equal(res.header.Get("ETag"), etag)              // same version, same ETag

			res = e.do(t, request{method: "GET", path: org + "/groups/" + a.groups[0].String() + "?include=channels", as: a.token})
			m = orgEnvelope(t, res, "Group fetched successfully")
			chs := m["data"].(map[string]any)["channels"].([]any)
			is.Equal(len(chs), 2)                                                    // both channels included
			is.Equal(chs[0].(map[string]any)["channels_id"], a.channels[0].String()) // in group order
		})

		t.Run("update group", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "PATCH", path: org + "/groups/" + groupID, as: a.token, header: map[string]string{"If-Match": etag},
				body: `{"name":"Updated Group Name","description":"Updated description"}`})
			m := orgEnvelope(t, res, "Group updated successfully")
			d := m["data"].(map[string]any)
			is.Equal(d["name"], "Updated Group Name")         // renamed
			is.Equal(d["description"], "Updated description") // described
			newTag := res.header.Get("ETag")
			is.True(etagPattern.MatchString(newTag) && newTag != etag) // a new version

			res = e.do(t, request{method: "PATCH", path: org + "/groups/" + groupID, as: a.token, header: map[string]string{"If-Match": etag},
				body: `{"archived":true}`})
			orgErrorShape(t, res, http.StatusPreconditionFailed) // the old ETag is stale

			res = e.do(t, request{method: "PATCH", path: org + "/groups/" + groupID, as: a.token, header: map[string]string{"If-Match": `"999999", ` + newTag},
				body: `{"archived":false}`})
			orgEnvelope(t, res, "Group updated successfully") // one of several tags matches
			etag = res.header.Get("ETag")

			res = e.do(t, request{method: "PATCH", path: org + "/groups/" + groupID, as: a.token, header: map[string]string{"If-Match": "*"},
				body: `{"description":""}`})
			m = orgEnvelope(t, res, "Group updated successfully")   // * matches an existing group
			is.Equal(m["data"].(map[string]any)["description"], "") // description cleared
			etag = res.header.Get("ETag")
		})

		t.Run("assign, move, remove channel", func(t *testing.T) {
			is := is.New(t)
			ch := a.channels[2].String()
			res := e.do(t, request{method: "POST", path: org + "/groups/" + groupID + "/channels/" + ch, as: a.token})
			m := orgEnvelope(t, res, "Group channel assigned successfully")
			_, hasData := m["data"]
			is.True(!hasData) // no data, as documented

			res = e.do(t, request{method: "GET", path: org + "/groups/" + groupID + "/channels", as: a.token})
			m = orgEnvelope(t, res, "Group channels fetched successfully")
			chs := m["data"].([]any)
			is.Equal(len(chs), 1) // the assigned channel
			c := chs[0].(map[string]any)
			is.Equal(c["channels_id"], ch)                 // it is the one
			is.Equal(c["group_id"], groupID)               // in this group
			is.Equal(c["users"], nil)                      // users are null in lists
			is.Equal(c["organisation_id"], a.org.String()) // organisation
			is.Equal(c["deleted_at"], nil)                 // not deleted

			res = e.do(t, request{method: "PATCH", path: org + "/groups/" + a.groups[1].String() + "/channels/" + ch, as: a.token})
			m = orgEnvelope(t, res, "Group channel moved successfully")
			_, hasData = m["data"]
			is.True(!hasData) // no data, as documented

			res = e.do(t, request{method: "DELETE", path: org + "/groups/" + a.groups[1].String() + "/channels/" + ch, as: a.token})
			m = orgEnvelope(t, res, "Group channel removed successfully")
			_, hasData = m["data"]
			is.True(!hasData) // no data, as documented
		})

		t.Run("ungrouped and discoverable channels", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: org + "/groups/channels/no-group", as: a.token})
			m := orgEnvelope(t, res, "Channels not in group fetched successfully")
			is.Equal(len(m["data"].([]any)), 1) // channel 2; channel 3 is archived
			c := m["data"].([]any)[0].(map[string]any)
			is.Equal(c["group_id"], nil) // in no group

			res = e.do(t, request{method: "GET", path: org + "/groups/channels/no-group?include_archived=true&limit=1", as: a.token})
			m = orgEnvelope(t, res, "Channels not in group fetched successfully")
			is.Equal(len(m["data"].([]any)), 1) // one per page
			is.True(m["next_cursor"] != nil)    // the archived channel is on the next page

			res = e.do(t, request{method: "GET", path: org + "/groups/channels/user-no-group", as: a.token})
			m = orgEnvelope(t, res, "Discoverable Channels for user fetched successfully")
			for _, c := range m["data"].([]any) {
				is.True(c.(map[string]any)["channels_id"] != a.channels[0].String()) // not the user's own channel
			}
			is.Equal(len(m["data"].([]any)), 2) // channels 1 and 2; 3 is archived
		})

		t.Run("delete group", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "DELETE", path: org + "/groups/" + groupID, as: a.token, header: map[string]string{"If-Match": etag}})
			m := orgEnvelope(t, res, "Group deleted successfully")
			_, hasData := m["data"]
			is.True(!hasData) // no data, as documented

			res = e.do(t, request{method: "GET", path: org + "/groups/" + groupID, as: a.token})
			m = orgErrorShape(t, res, http.StatusNotFound)
			is.Equal(m["message"], "Group not found") // gone
		})

		t.Run("channel groups", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: ws + "/channel-groups", as: a.token})
			is.Equal(res.status, http.StatusOK) // listed
			m := res.json()
			results := m["results"].([]any)
			is.Equal(len(results), 1) // the seeded channel group
			cg := results[0].(map[string]any)
			is.Equal(cg["id"], a.chGroup.String())                  // its ID
			is.Equal(cg["platformId"], "whatsapp")                  // platform
			is.Equal(cg["platformGroupId"], "account-A")            // account
			is.Equal(cg["platformGroupName"], "Account A")          // name
			is.Equal(cg["channelIds"], []any{a.wsChannel.String()}) // its channel
			_, more := m["nextPageToken"]
			is.True(!more) // one page

			res = e.do(t, request{method: "GET", path: ws + "/channel-groups/" + a.chGroup.String(), as: a.token})
			is.Equal(res.status, http.StatusOK)            // fetched
			is.Equal(res.json()["id"], a.chGroup.String()) // the bare object
		})

		t.Run("attach, detach, delete channel group", func(t *testing.T) {
			is := is.New(t)
			ch := uuid.NewString()
			res := e.do(t, request{method: "PUT", path: ws + "/channels/" + ch + "/channel-group", as: a.token,
				body: `{"platformId":"whatsapp","platformGroupId":"account-2","platformGroupName":"Second"}`})
			is.Equal(res.status, http.StatusOK) // attached
			cg := res.json()
			is.Equal(cg["channelIds"], []any{ch})       // holding the channel
			is.Equal(cg["platformGroupName"], "Second") // named

			res = e.do(t, request{method: "GET", path: ws + "/channel-groups?limit=1", as: a.token})
			is.Equal(res.status, http.StatusOK) // first page
			token, ok := res.json()["nextPageToken"].(string)
			is.True(ok) // more to come
			res = e.do(t, request{method: "GET", path: ws + "/channel-groups?limit=1&pageToken=" + token, as: a.token})
			is.Equal(res.status, http.StatusOK)                                         // second page
			is.Equal(res.json()["results"].([]any)[0].(map[string]any)["id"], cg["id"]) // the new channel group

			res = e.do(t, request{method: "GET", path: ws + "/channel-groups?platformId=telegram", as: a.token})
			is.Equal(res.status, http.StatusOK)      // filtered
			is.Equal(res.json()["results"], []any{}) // an empty list, never null

			res = e.do(t, request{method: "DELETE", path: ws + "/channels/" + ch + "/channel-group", as: a.token})
			is.Equal(res.status, http.StatusNoContent) // detached
			is.Equal(len(res.body), 0)                 // no body

			res = e.do(t, request{method: "DELETE", path: ws + "/channel-groups/" + cg["id"].(string), as: a.token})
			is.Equal(res.status, http.StatusNoContent) // deleted
			is.Equal(len(res.body), 0)                 // no body

			res = e.do(t, request{method: "GET", path: ws + "/channel-groups/" + cg["id"].(string), as: a.token})
			workspaceErrorShape(t, res, http.StatusNotFound, "not_found") // gone
		})

		t.Run("mirror", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "PUT", path: org, as: a.service, body: `{"name":"Renamed Org"}`})
			m := orgEnvelope(t, res, "Organisation saved successfully")
			is.Equal(m["data"].(map[string]any)["name"], "Renamed Org") // renamed
			is.Equal(m["data"].(map[string]any)["id"], a.org.String())  // same organisation

			ch := uuid.NewString()
			owner, member := uuid.NewString(), uuid.NewString()
			res = e.do(t, request{method: "PUT", path: org + "/channels/" + ch, as: a.service,
				body: `{"name":"general","description":"talk","owner_id":"` + owner + `","archived":false,"message_count":7,"users":["` + member + `"]}`})
			m = orgEnvelope(t, res, "Channel saved successfully")
			d := m["data"].(map[string]any)
			is.Equal(d["channels_id"], ch)           // the channel in the path
			is.Equal(d["users"], []any{member})      // with its members
			is.Equal(d["user_count"], float64(1))    // counted
			is.Equal(d["message_count"], float64(7)) // as sent
			is.Equal(d["owner_id"], owner)           // owner

			user := uuid.NewString()
			res = e.do(t, request{method: "PUT", path: org + "/channels/" + ch + "/users/" + user, as: a.service})
			orgEnvelope(t, res, "Channel member added successfully")
			res = e.do(t, request{method: "DELETE", path: org + "/channels/" + ch + "/users/" + user, as: a.service})
			orgEnvelope(t, res, "Channel member removed successfully")
			res = e.do(t, request{method: "DELETE", path: org + "/channels/" + ch + "/users/" + user, as: a.service})
			orgErrorShape(t, res, http.StatusNotFound) // no longer a member

			res = e.do(t, request{method: "DELETE", path: org + "/channels/" + ch, as: a.service})
			orgEnvelope(t, res, "Channel deleted successfully")
			res = e.do(t, request{method: "POST", path: org + "/groups/" + a.groups[1].String() + "/channels/" + ch, as: a.service})
			orgErrorShape(t, res, http.StatusNotFound) // a deleted channel cannot be assigned
		})

		t.Run("reorder", func(t *testing.T) {
			is := is.New(t)
			order := []string{a.archived.String(), a.groups[1].String(), a.groups[0].String()}
			res := e.do(t, request{method: "PUT", path: org + "/groups/order", as: a.token, body: map[string]any{"group_ids": order}})
			orgEnvelope(t, res, "Groups reordered successfully")
			res = e.do(t, request{method: "GET", path: org + "/groups", as: a.token})
			m := orgEnvelope(t, res, "Groups fetched successfully")
			var got []string
			for _, g := range m["data"].([]any) {
				got = append(got, g.(map[string]any)["id"].(string))
			}
			is.Equal(got, order) // in the new order

			chOrder := []string{a.channels[1].String(), a.channels[0].String()}
			res = e.do(t, request{method: "PUT", path: org + "/groups/" + a.groups[0].String() + "/channels/order", as: a.token, body: map[string]any{"channel_ids": chOrder}})
			orgEnvelope(t, res, "Group channels reordered successfully")
			res = e.do(t, request{method: "GET", path: org + "/groups/" + a.groups[0].String() + "/channels", as: a.token})
			m = orgEnvelope(t, res, "Group channels fetched successfully")
			got = nil
			for _, c := range m["data"].([]any) {
				got = append(got, c.(map[string]any)["channels_id"].(string))
			}
			is.Equal(got, chOrder) // in the new order
		})

		t.Run("openapi document", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "GET", path: "/openapi.json"})
			is.Equal(res.status, http.StatusOK)                 // served without credentials
			is.Equal(string(res.body), string(e.api.OpenAPI())) // the API's document
			res = e.do(t, request{method: "POST", path: "/openapi.json"})
			orgErrorShape(t, res, http.StatusMethodNotAllowed) // only GET
			is.Equal(res.header.Get("Allow"), "GET, HEAD")     // says which
		})

		t.Run("head", func(t *testing.T) {
			is := is.New(t)
			res := e.do(t, request{method: "HEAD", path: org + "/groups", as: a.token})
			is.Equal(res.status, http.StatusOK) // HEAD answers as GET
			is.Equal(len(res.body), 0)          // without a body
		})
	})
}

// TestUnknownRoutes checks 404 and 405 answers under the prefix.
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t, memstore.New(), envConfig{prefix: "/api"})
	e.withTokens()
	a := e.fx.a
	org := "/organisations/" + a.org.String()
	ws := "/workspaces/" + a.ws.String()

	is := is.New(t)
	res := e.do(t, request{method: "GET", path: "/nowhere", as: a.token})
	orgErrorShape(t, res, http.StatusNotFound) // unknown path, organisation shape

	res = e.do(t, request{method: "GET", path: org + "/groups/", as: a.token})
	orgErrorShape(t, res, http.StatusNotFound) // trailing slash is another path

	res = e.do(t, request{method: "GET", path: ws + "/nothing", as: a.token})
	workspaceErrorShape(t, res, http.StatusNotFound, "not_found") // workspace shape under /workspaces

	res = e.do(t, request{method: "PUT", path: org + "/groups", as: a.token})
	orgErrorShape(t, res, http.StatusMethodNotAllowed)   // wrong method
	is.Equal(res.header.Get("Allow"), "GET, HEAD, POST") // the methods the path has

	res = e.do(t, request{method: "POST", path: ws + "/channel-groups", as: a.token})
	workspaceErrorShape(t, res, http.StatusMethodNotAllowed, "method_not_allowed") // wrong method, workspace shape
	is.Equal(res.header.Get("Allow"), "GET, HEAD")                                 // the methods the path has

	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		res = e.do(t, request{method: m, path: org + "/groups/order", as: a.token})
		orgErrorShape(t, res, http.StatusMethodNotAllowed) // the order path with a method it lacks, not a bad group ID
		is.Equal(res.header.Get("Allow"), "PUT")           // "order" is a literal segment, not a group ID
		res = e.do(t, request{method: m, path: org + "/groups/" + e.fx.a.groups[0].String() + "/channels/order", as: a.token})
		orgErrorShape(t, res, http.StatusMethodNotAllowed) // likewise for a group's channel order
		is.Equal(res.header.Get("Allow"), "PUT")
	}

	res = e.do(t, request{method: "GET", path: "/nowhere"})
	orgErrorShape(t, res, http.StatusNotFound) // the surface is public: no credentials needed to learn a route is missing

	res = e.do(t, request{method: "GET", path: org + "/groups"})
	orgErrorShape(t, res, http.StatusUnauthorized) // but every route needs them

	res = e.do(t, request{method: "GET", path: org + "/groups/channels/no-group/x", as: a.token})
	orgErrorShape(t, res, http.StatusNotFound) // deeper than any route

	res = e.do(t, request{method: "GET", path: org + "/groups/channels", as: a.token})
	m := orgErrorShape(t, res, http.StatusBadRequest)        // "channels" is no group ID
	is.True(m["errors"].(map[string]any)["group_id"] != nil) // names group_id
}

// TestWithoutExtensions checks that only the documented routes remain.
func TestWithoutExtensions(t *testing.T) {
	is := is.New(t)
	e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithoutExtensions()}})
	e.withTokens()
	a := e.fx.a
	org := "/organisations/" + a.org.String()
	ws := "/workspaces/" + a.ws.String()
	before := snapshot(t, e.store, a)

	res := e.do(t, request{method: "PUT", path: org, as: a.token, body: `{"name":"x"}`})
	orgErrorShape(t, res, http.StatusNotFound) // no organisation upsert

	res = e.do(t, request{method: "PUT", path: org + "/channels/" + a.channels[0].String(), as: a.token, body: `{}`})
	orgErrorShape(t, res, http.StatusNotFound) // no channel upsert

	res = e.do(t, request{method: "PUT", path: org + "/groups/order", as: a.token, body: `{"group_ids":[]}`})
	orgErrorShape(t, res, http.StatusMethodNotAllowed) // the path is a group's, without PUT
	is.Equal(res.header.Get("Allow"), "GET, HEAD, PATCH, DELETE")

	res = e.do(t, request{method: "DELETE", path: ws + "/channel-groups/" + a.chGroup.String(), as: a.token})
	workspaceErrorShape(t, res, http.StatusMethodNotAllowed, "method_not_allowed") // no delete

	res = e.do(t, request{method: "PUT", path: ws + "/channels/" + a.wsChannel.String() + "/channel-group", as: a.token, body: `{}`})
	workspaceErrorShape(t, res, http.StatusNotFound, "not_found") // no attach

	res = e.do(t, request{method: "GET", path: org + "/groups", as: a.token})
	orgEnvelope(t, res, "Groups fetched successfully") // documented routes stay
	assertUnchanged(t, before, snapshot(t, e.store, a))
}

// TestOpenMode checks WithoutAuthentication.
func TestOpenMode(t *testing.T) {
	is := is.New(t)
	e := newEnv(t, memstore.New(), envConfig{open: true})
	a := e.fx.a
	org := "/organisations/" + a.org.String()

	res := e.do(t, request{method: "GET", path: org + "/groups"})
	orgEnvelope(t, res, "Groups fetched successfully") // no credentials needed

	res = e.do(t, request{method: "GET", path: "/organisations/" + e.fx.b.org.String() + "/groups"})
	orgEnvelope(t, res, "Groups fetched successfully") // in every organisation

	res = e.do(t, request{method: "GET", path: org + "/groups/channels/user-no-group"})
	m := orgErrorShape(t, res, http.StatusBadRequest)       // the user must be named
	is.True(m["errors"].(map[string]any)["user_id"] != nil) // as user_id

	res = e.do(t, request{method: "GET", path: org + "/groups/channels/user-no-group?user_id=nope"})
	orgErrorShape(t, res, http.StatusBadRequest) // as a UUID

	res = e.do(t, request{method: "GET", path: org + "/groups/channels/user-no-group?user_id=" + a.user.String()})
	m = orgEnvelope(t, res, "Discoverable Channels for user fetched successfully")
	is.Equal(len(m["data"].([]any)), 2) // channels 1 and 2: the user is in 0, 3 is archived
}
