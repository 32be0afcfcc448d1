package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// hostileCase is a malformed or unwelcome request and the answer it must
// get. None of them may change the stored state.
type hostileCase struct {
	name   string
	req    request
	anon   bool   // send no credentials (req.as is ignored)
	status int    // expected status
	field  string // for 400: the parameter or field the error must name
}

// TestHostileRequests sends malformed and unwelcome requests to every route
// and checks status, error shape, the named field, and that nothing
// changed in the store.
func TestHostileRequests(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		e := newEnv(t, store, envConfig{})
		e.withTokens()
		a, b := e.fx.a, e.fx.b
		ghostOrg := uuid.New()
		ghost := e.creds.valid(httpapi.Principal{UserID: a.user, Roles: []string{httpapi.RoleService}, Organisations: []uuid.UUID{a.org, ghostOrg}, Workspaces: []uuid.UUID{a.ws}})
		cases := hostileCases(t, e, ghostOrg, ghost)
		if len(cases) < 80 {
			t.Fatalf("only %d hostile cases", len(cases))
		}
		// Each case is compared with the state after the previous one,
		// which is the seeded state unless a case failed.
		before := snapshot(t, e.store, a, b)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				req := tc.req
				if req.as == "" && !tc.anon {
					req.as = a.token
					if mirrorRoute(req.method, req.path) {
						req.as = a.service // allowed to write the mirror
					}
				}
				if tc.anon {
					req.as = ""
				}
				res := e.do(t, req)
				is.Equal(res.status, tc.status) // status
				workspace := strings.HasPrefix(req.path, "/workspaces")
				var m map[string]any
				if workspace {
					m = workspaceErrorShape(t, res, tc.status, workspaceCode(tc.status))
				} else {
					m = orgErrorShape(t, res, tc.status)
				}
				if tc.field != "" {
					if workspace {
						is.True(strings.Contains(m["message"].(string), tc.field)) // message names the field
					} else {
						errs, _ := m["errors"].(map[string]any)
						_, named := errs[tc.field]
						is.True(named) // errors names the field
					}
				}
				switch tc.status {
				case http.StatusUnauthorized:
					challenge := res.header.Get("WWW-Authenticate")
					if req.as != "" || req.header["Authorization"] != "" {
						is.Equal(challenge, `Bearer error="invalid_token"`) // a token was presented and refused
					} else {
						is.Equal(challenge, "Bearer") // no credentials
					}
				case http.StatusMethodNotAllowed:
					is.True(res.header.Get("Allow") != "") // says which methods are allowed
				}
				after := snapshot(t, e.store, a, b)
				assertUnchanged(t, before, after)
				before = after
			})
		}
	})
}

func workspaceCode(status int) string {
	return map[int]string{
		400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
		409: "conflict", 412: "precondition_failed", 413: "payload_too_large", 415: "unsupported_media_type", 500: "internal",
	}[status]
}

func hostileCases(t testing.TB, e *env, ghostOrg uuid.UUID, ghost string) []hostileCase {
	a, b := e.fx.a, e.fx.b
	org := "/organisations/" + a.org.String()
	ws := "/workspaces/" + a.ws.String()
	g0, g1, gArch := a.groups[0].String(), a.groups[1].String(), a.archived.String()
	ch0, ch2 := a.channels[0].String(), a.channels[2].String()
	missing := uuid.NewString()
	huge := `{"name":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`
	long := strings.Repeat("a", 256)
	groupsCursor := func() string {
		p, err := e.store.ListGroups(context.Background(), a.org, grouping.ListGroupsOptions{Limit: 1})
		if err != nil || p.NextCursor == "" {
			t.Fatalf("cursor for groups: %v", err)
		}
		return p.NextCursor
	}()
	getGroup := func(path string) request { return request{method: "GET", path: path} }
	create := func(body any) request { return request{method: "POST", path: org + "/groups", body: body} }
	patch := func(body any) request { return request{method: "PATCH", path: org + "/groups/" + g1, body: body} }
	putChannel := func(body any) request {
		return request{method: "PUT", path: org + "/channels/" + uuid.NewString(), body: body}
	}
	attach := func(body any) request {
		return request{method: "PUT", path: ws + "/channels/" + uuid.NewString() + "/channel-group", body: body}
	}
	owner := uuid.NewString()
	bulk := func(method, group string, channels []string) request {
		return request{method: method, path: org + "/groups/" + group + "/channels", body: map[string]any{"channels": channels}}
	}
	tooMany := make([]string, grouping.MaxBulkChannels+1)
	for i := range tooMany {
		tooMany[i] = uuid.NewString()
	}
	withType := func(r request, ct string) request { r.header = map[string]string{"Content-Type": ct}; return r }
	withIfMatch := func(r request, v string) request { r.header = map[string]string{"If-Match": v}; return r }

	cases := []hostileCase{
		// Authentication.
		{name: "no credentials", req: getGroup(org + "/groups"), anon: true, status: 401},
		{name: "no credentials, create", req: create(`{"name":"x"}`), anon: true, status: 401},
		{name: "no credentials, delete group", req: request{method: "DELETE", path: org + "/groups/" + g1}, anon: true, status: 401},
		{name: "no credentials, workspace", req: getGroup(ws + "/channel-groups"), anon: true, status: 401},
		{name: "no credentials, bad path", req: getGroup("/organisations/nope/groups"), anon: true, status: 401},
		{name: "basic credentials", req: request{method: "GET", path: org + "/groups", header: map[string]string{"Authorization": "Basic YTpi"}}, anon: true, status: 401},
		{name: "empty bearer", req: request{method: "GET", path: org + "/groups", header: map[string]string{"Authorization": "Bearer"}}, anon: true, status: 401},
	}
	for what, tok := range e.creds.bad {
		cases = append(cases,
			hostileCase{name: "token " + what, req: request{method: "POST", path: org + "/groups", body: `{"name":"x"}`, as: tok}, status: 401},
			hostileCase{name: "token " + what + ", workspace", req: request{method: "DELETE", path: ws + "/channel-groups/" + a.chGroup.String(), as: tok}, status: 401},
		)
	}
	cases = append(cases, []hostileCase{
		// Path parameters.
		{name: "org not a UUID", req: getGroup("/organisations/nope/groups"), status: 400, field: "organisation_id"},
		{name: "org in braces", req: getGroup("/organisations/{" + a.org.String() + "}/groups"), status: 400, field: "organisation_id"},
		{name: "org as URN", req: getGroup("/organisations/urn:uuid:" + a.org.String() + "/groups"), status: 400, field: "organisation_id"},
		{name: "org without hyphens", req: getGroup("/organisations/" + strings.ReplaceAll(a.org.String(), "-", "") + "/groups"), status: 400, field: "organisation_id"},
		{name: "org with encoded space", req: getGroup("/organisations/a%20b/groups"), status: 400, field: "organisation_id"},
		{name: "org very long", req: getGroup("/organisations/" + strings.Repeat("9", 1000) + "/groups"), status: 400, field: "organisation_id"},
		{name: "org and group bad: org first", req: getGroup("/organisations/x/groups/y"), status: 400, field: "organisation_id"},
		{name: "group not a UUID", req: getGroup(org + "/groups/nope"), status: 400, field: "group_id"},
		{name: "group bad on patch", req: request{method: "PATCH", path: org + "/groups/nope", body: `{"name":"x"}`}, status: 400, field: "group_id"},
		{name: "group bad on delete", req: request{method: "DELETE", path: org + "/groups/nope"}, status: 400, field: "group_id"},
		{name: "group bad on channel list", req: getGroup(org + "/groups/nope/channels"), status: 400, field: "group_id"},
		{name: "group bad before tenant check", req: getGroup("/organisations/" + b.org.String() + "/groups/nope"), status: 400, field: "group_id"},
		{name: "channel bad on assign", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels/nope"}, status: 400, field: "channel_id"},
		{name: "channel bad on remove", req: request{method: "DELETE", path: org + "/groups/" + g0 + "/channels/nope"}, status: 400, field: "channel_id"},
		{name: "channel bad on move", req: request{method: "PATCH", path: org + "/groups/" + g1 + "/channels/nope"}, status: 400, field: "channel_id"},
		{name: "channel bad on upsert", req: request{method: "PUT", path: org + "/channels/nope", body: `{"name":"x","owner_id":"` + owner + `"}`}, status: 400, field: "channel_id"},
		{name: "channel bad on delete", req: request{method: "DELETE", path: org + "/channels/nope"}, status: 400, field: "channel_id"},
		{name: "user bad on member add", req: request{method: "PUT", path: org + "/channels/" + ch0 + "/users/nope"}, status: 400, field: "user_id"},
		{name: "workspace not a UUID", req: getGroup("/workspaces/nope/channel-groups"), status: 400, field: "workspaceId"},
		{name: "channel group not a UUID", req: getGroup(ws + "/channel-groups/nope"), status: 400, field: "channelGroupId"},
		{name: "channel bad on attach", req: request{method: "PUT", path: ws + "/channels/nope/channel-group", body: `{"platformId":"whatsapp","platformGroupId":"x"}`}, status: 400, field: "channelId"},

		// Authorisation.
		{name: "other organisation", req: getGroup("/organisations/" + b.org.String() + "/groups"), status: 403},
		{name: "other workspace", req: getGroup("/workspaces/" + b.ws.String() + "/channel-groups"), status: 403},
		{name: "unlisted organisation", req: create(`{"name":"x"}`), status: 403, anon: false},
		{name: "user renames organisation", req: request{method: "PUT", path: org, body: `{"name":"mine now"}`, as: a.token}, status: 403},
		{name: "user deletes channel", req: request{method: "DELETE", path: org + "/channels/" + ch2, as: a.token}, status: 403},
		{name: "user joins channel", req: request{method: "PUT", path: org + "/channels/" + ch2 + "/users/" + a.user.String(), as: a.token}, status: 403},
		{name: "user with invalid mirror body", req: request{method: "PUT", path: org + "/channels/" + ch2, body: `{"name":""}`, as: a.token}, status: 403},

		// Bodies.
		{name: "body not JSON", req: create(`{`), status: 400, field: "body"},
		{name: "body missing value", req: create(`{"name":}`), status: 400, field: "body"},
		{name: "body unknown field", req: create(`{"name":"x","colour":"red"}`), status: 400, field: "colour"},
		{name: "body field in other case", req: create(`{"name":"x","Description":"y"}`), status: 400, field: "Description"},
		{name: "body field twice", req: create(`{"name":"x","name":"y"}`), status: 400, field: "name"},
		{name: "body field twice in other case", req: create(`{"name":"x","NAME":"y"}`), status: 400, field: "NAME"},
		{name: "body invalid UTF-8", req: create("{\"name\":\"\xff\xfe\"}"), status: 400, field: "body"},
		{name: "body trailing object", req: create(`{"name":"x"} {}`), status: 400, field: "body"},
		{name: "body trailing garbage", req: create(`{"name":"x"}x`), status: 400, field: "body"},
		{name: "name wrong type", req: create(`{"name":5}`), status: 400, field: "name"},
		{name: "description wrong type", req: create(`{"name":"x","description":[]}`), status: 400, field: "description"},
		{name: "name empty", req: create(`{"name":""}`), status: 400, field: "name"},
		{name: "name blank", req: create(`{"name":"   "}`), status: 400, field: "name"},
		{name: "name missing", req: create(`{"description":"d"}`), status: 400, field: "name"},
		{name: "name too long", req: create(`{"name":"` + long + `"}`), status: 400, field: "name"},
		{name: "name control character", req: create(`{"name":"a\u0007b"}`), status: 400, field: "name"},
		{name: "description too long", req: create(`{"name":"x","description":"` + strings.Repeat("d", 2049) + `"}`), status: 400, field: "description"},
		{name: "body array", req: create(`[]`), status: 400, field: "body"},
		{name: "body null", req: create(`null`), status: 400, field: "body"},
		{name: "body string", req: create(`"name"`), status: 400, field: "body"},
		{name: "body empty", req: create(``), status: 400, field: "body"},
		{name: "body over 1 MiB", req: create(huge), status: 413},
		{name: "body over 1 MiB, chunked", req: create(io.MultiReader(strings.NewReader(huge))), status: 413},
		{name: "content type text", req: withType(create(`{"name":"x"}`), "text/plain"), status: 415},
		{name: "content type latin1", req: withType(create(`{"name":"x"}`), "application/json; charset=latin1"), status: 415},
		{name: "content type xml", req: withType(create(`{"name":"x"}`), "application/xml"), status: 415},
		{name: "content type form", req: withType(create(`name=x`), "application/x-www-form-urlencoded"), status: 415},
		{name: "duplicate name", req: create(`{"name":"A-group-0"}`), status: 409},
		{name: "duplicate name, case and space", req: create(`{"name":"  a-GROUP-0 "}`), status: 409},
		{name: "organisation not found", req: request{method: "POST", path: "/organisations/" + ghostOrg.String() + "/groups", body: `{"name":"x"}`, as: ghost}, status: 404},
		{name: "create in another organisation_id", req: create(`{"name":"x","organisation_id":"` + b.org.String() + `"}`), status: 400, field: "organisation_id"},
		{name: "create with organisation_id not a UUID", req: create(`{"name":"x","organisation_id":"acme"}`), status: 400, field: "organisation_id"},
		{name: "create with organisation_id in braces", req: create(`{"name":"x","organisation_id":"{` + a.org.String() + `}"}`), status: 400, field: "organisation_id"},
		{name: "create with organisation_id as URN", req: create(`{"name":"x","organisation_id":"urn:uuid:` + a.org.String() + `"}`), status: 400, field: "organisation_id"},
		{name: "create with organisation_id a number", req: create(`{"name":"x","organisation_id":7}`), status: 400, field: "organisation_id"},
		{name: "create with organisation_id in other case", req: create(`{"name":"x","Organisation_ID":"` + a.org.String() + `"}`), status: 400, field: "Organisation_ID"},
		{name: "create with organisation_id and bad name", req: create(`{"name":"","organisation_id":"` + a.org.String() + `"}`), status: 400, field: "name"},

		// Group updates and deletes.
		{name: "update empty", req: patch(`{}`), status: 400, field: "body"},
		{name: "update only nulls", req: patch(`{"name":null}`), status: 400, field: "body"},
		{name: "update archived wrong type", req: patch(`{"archived":"yes"}`), status: 400, field: "archived"},
		{name: "update name empty", req: patch(`{"name":""}`), status: 400, field: "name"},
		{name: "update unknown field", req: patch(`{"name":"x","id":"` + g0 + `"}`), status: 400, field: "id"},
		{name: "update over 1 MiB", req: patch(huge), status: 413},
		{name: "update content type", req: withType(patch(`{"name":"x"}`), "text/json"), status: 415},
		{name: "update to taken name", req: patch(`{"name":"A-group-0"}`), status: 409},
		{name: "update stale If-Match", req: withIfMatch(patch(`{"name":"x"}`), `"999"`), status: 412},
		{name: "update weak If-Match", req: withIfMatch(patch(`{"name":"x"}`), `W/"1"`), status: 412},
		{name: "update foreign If-Match", req: withIfMatch(patch(`{"name":"x"}`), `"abc"`), status: 412},
		{name: "update malformed If-Match", req: withIfMatch(patch(`{"name":"x"}`), `abc`), status: 400, field: "If-Match"},
		{name: "update unterminated If-Match", req: withIfMatch(patch(`{"name":"x"}`), `"1`), status: 400, field: "If-Match"},
		{name: "update in another organisation_id", req: patch(`{"name":"x","organisation_id":"` + b.org.String() + `"}`), status: 400, field: "organisation_id"},
		{name: "update with organisation_id only", req: patch(`{"organisation_id":"` + a.org.String() + `"}`), status: 400, field: "body"},
		{name: "update with organisation_id not a UUID", req: patch(`{"archived":true,"organisation_id":""}`), status: 400, field: "organisation_id"},
		{name: "update missing group", req: request{method: "PATCH", path: org + "/groups/" + missing, body: `{"name":"x"}`}, status: 404},
		{name: "delete stale If-Match", req: withIfMatch(request{method: "DELETE", path: org + "/groups/" + g1}, `"999"`), status: 412},
		{name: "delete malformed If-Match", req: withIfMatch(request{method: "DELETE", path: org + "/groups/" + g1}, `"1" "2"`), status: 400, field: "If-Match"},
		{name: "delete If-Match * in a list", req: withIfMatch(request{method: "DELETE", path: org + "/groups/" + g1}, `*, "1"`), status: 400, field: "If-Match"},
		{name: "delete If-Match lower-case weak", req: withIfMatch(request{method: "DELETE", path: org + "/groups/" + g1}, `w/"1"`), status: 400, field: "If-Match"},
		{name: "delete missing group", req: request{method: "DELETE", path: org + "/groups/" + missing}, status: 404},
		{name: "delete missing group, If-Match *", req: withIfMatch(request{method: "DELETE", path: org + "/groups/" + missing}, `*`), status: 404},

		// Group channels.
		{name: "assign to archived group", req: request{method: "POST", path: org + "/groups/" + gArch + "/channels/" + ch2}, status: 409},
		{name: "assign channel of another group", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels/" + ch0}, status: 409},
		{name: "assign missing channel", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels/" + missing}, status: 404},
		{name: "assign to missing group", req: request{method: "POST", path: org + "/groups/" + missing + "/channels/" + ch2}, status: 404},
		{name: "move to archived group", req: request{method: "PATCH", path: org + "/groups/" + gArch + "/channels/" + ch0}, status: 409},
		{name: "move missing channel", req: request{method: "PATCH", path: org + "/groups/" + g1 + "/channels/" + missing}, status: 404},
		{name: "remove channel not in group", req: request{method: "DELETE", path: org + "/groups/" + g0 + "/channels/" + ch2}, status: 404},

		// Group channels in bulk.
		{name: "bulk assign more than 1000", req: bulk("POST", g1, tooMany), status: 400, field: "channels"},
		{name: "bulk remove more than 1000", req: bulk("DELETE", g0, tooMany), status: 400, field: "channels"},
		{name: "bulk move more than 1000", req: bulk("PATCH", g1, tooMany), status: 400, field: "channels"},
		{name: "bulk assign none", req: bulk("POST", g1, []string{}), status: 400, field: "channels"},
		{name: "bulk assign repeated", req: bulk("POST", g1, []string{ch2, ch2}), status: 400, field: "channels"},
		{name: "bulk remove repeated", req: bulk("DELETE", g0, []string{ch0, ch0}), status: 400, field: "channels"},
		{name: "bulk assign nil UUID", req: bulk("POST", g1, []string{ch2, uuid.Nil.String()}), status: 400, field: "channels"},
		{name: "bulk assign in braces", req: bulk("POST", g1, []string{"{" + ch2 + "}"}), status: 400, field: "channels"},
		{name: "bulk assign as URN", req: bulk("POST", g1, []string{"urn:uuid:" + ch2}), status: 400, field: "channels"},
		{name: "bulk assign without hyphens", req: bulk("POST", g1, []string{strings.ReplaceAll(ch2, "-", "")}), status: 400, field: "channels"},
		{name: "bulk assign missing field", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: `{}`}, status: 400, field: "channels"},
		{name: "bulk assign null", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: `{"channels":null}`}, status: 400, field: "channels"},
		{name: "bulk assign wrong type", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: `{"channels":"` + ch2 + `"}`}, status: 400, field: "channels"},
		{name: "bulk assign numbers", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: `{"channels":[1]}`}, status: 400, field: "channels"},
		{name: "bulk assign unknown field", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: `{"channels":["` + ch2 + `"],"position":1}`}, status: 400, field: "position"},
		{name: "bulk assign no body", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels"}, status: 400, field: "body"},
		{name: "bulk assign bad group", req: bulk("POST", "nope", []string{ch2}), status: 400, field: "group_id"},
		{name: "bulk assign content type", req: withType(bulk("POST", g1, []string{ch2}), "text/plain"), status: 415},
		{name: "bulk assign over 1 MiB", req: request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: huge}, status: 413},
		{name: "bulk assign to archived group", req: bulk("POST", gArch, []string{ch2}), status: 409},
		{name: "bulk assign channel of another group", req: bulk("POST", g1, []string{ch2, ch0}), status: 409},
		{name: "bulk assign missing channel", req: bulk("POST", g1, []string{ch2, missing}), status: 404},
		{name: "bulk assign other tenant's channel", req: bulk("POST", g1, []string{ch2, b.channels[2].String()}), status: 404},
		{name: "bulk assign to missing group", req: bulk("POST", missing, []string{ch2}), status: 404},
		{name: "bulk assign to other tenant's group", req: bulk("POST", b.groups[1].String(), []string{ch2}), status: 404},
		{name: "bulk remove channel not in group", req: bulk("DELETE", g0, []string{ch0, ch2}), status: 404},
		{name: "bulk move to archived group", req: bulk("PATCH", gArch, []string{ch0}), status: 409},
		{name: "bulk move missing channel", req: bulk("PATCH", g1, []string{ch0, missing}), status: 404},

		// Query parameters.
		{name: "limit zero", req: getGroup(org + "/groups?limit=0"), status: 400, field: "limit"},
		{name: "limit too big", req: getGroup(org + "/groups?limit=1001"), status: 400, field: "limit"},
		{name: "limit not a number", req: getGroup(org + "/groups?limit=abc"), status: 400, field: "limit"},
		{name: "limit negative", req: getGroup(org + "/groups/" + g0 + "/channels?limit=-1"), status: 400, field: "limit"},
		{name: "limit empty", req: getGroup(org + "/groups/channels/no-group?limit="), status: 400, field: "limit"},
		{name: "limit twice", req: getGroup(org + "/groups/channels/user-no-group?limit=1&limit=2"), status: 400, field: "limit"},
		{name: "limit with plus", req: getGroup(org + "/groups?limit=%2B5"), status: 400, field: "limit"},
		{name: "limit fractional", req: getGroup(org + "/groups?limit=1.5"), status: 400, field: "limit"},
		{name: "archived yes", req: getGroup(org + "/groups?archived=yes"), status: 400, field: "archived"},
		{name: "archived upper case", req: getGroup(org + "/groups?archived=TRUE"), status: 400, field: "archived"},
		{name: "include users", req: getGroup(org + "/groups?include=users"), status: 400, field: "include"},
		{name: "include list", req: getGroup(org + "/groups/" + g0 + "?include=channels,users"), status: 400, field: "include"},
		{name: "include_archived one", req: getGroup(org + "/groups/" + g0 + "/channels?include_archived=1"), status: 400, field: "include_archived"},
		{name: "include_archived maybe", req: getGroup(org + "/groups/channels/no-group?include_archived=maybe"), status: 400, field: "include_archived"},
		{name: "cursor garbage", req: getGroup(org + "/groups?cursor=garbage!"), status: 400, field: "cursor"},
		{name: "cursor of another list", req: getGroup(org + "/groups/channels/no-group?cursor=" + groupsCursor), status: 400, field: "cursor"},
		{name: "cursor too long", req: getGroup(org + "/groups?cursor=" + strings.Repeat("A", 5000)), status: 400, field: "cursor"},
		{name: "workspace limit zero", req: getGroup(ws + "/channel-groups?limit=0"), status: 400, field: "limit"},
		{name: "page token garbage", req: getGroup(ws + "/channel-groups?pageToken=garbage"), status: 400, field: "pageToken"},
		{name: "page token of another list", req: getGroup(ws + "/channel-groups?pageToken=" + groupsCursor), status: 400, field: "pageToken"},
		{name: "platform id bad", req: getGroup(ws + "/channel-groups?platformId=what%20sapp"), status: 400, field: "platformId"},
		{name: "platform id empty", req: getGroup(ws + "/channel-groups?platformId="), status: 400, field: "platformId"},

		// Extension routes.
		{name: "organisation name empty", req: request{method: "PUT", path: org, body: `{"name":""}`}, status: 400, field: "name"},
		{name: "organisation unknown field", req: request{method: "PUT", path: org, body: `{"name":"x","plan":"gold"}`}, status: 400, field: "plan"},
		{name: "organisation over 1 MiB", req: request{method: "PUT", path: org, body: huge}, status: 413},
		{name: "channel owner empty", req: putChannel(`{"name":"x","owner_id":""}`), status: 400, field: "owner_id"},
		{name: "channel owner nil UUID", req: putChannel(`{"name":"x","owner_id":"00000000-0000-0000-0000-000000000000"}`), status: 400, field: "owner_id"},
		{name: "channel owner wrong type", req: putChannel(`{"name":"x","owner_id":5}`), status: 400, field: "owner_id"},
		{name: "channel owner not a UUID", req: putChannel(`{"name":"x","owner_id":"x"}`), status: 400, field: "owner_id"},
		{name: "channel users not UUIDs", req: putChannel(`{"name":"x","owner_id":"` + owner + `","users":["x"]}`), status: 400, field: "users"},
		{name: "channel owner in braces", req: putChannel(`{"name":"x","owner_id":"{` + owner + `}"}`), status: 400, field: "owner_id"},
		{name: "channel owner as URN", req: putChannel(`{"name":"x","owner_id":"urn:uuid:` + owner + `"}`), status: 400, field: "owner_id"},
		{name: "channel owner without hyphens", req: putChannel(`{"name":"x","owner_id":"` + strings.ReplaceAll(owner, "-", "") + `"}`), status: 400, field: "owner_id"},
		{name: "channel users in braces", req: putChannel(`{"name":"x","owner_id":"` + owner + `","users":["{` + owner + `}"]}`), status: 400, field: "users"},
		{name: "channel users as URN", req: putChannel(`{"name":"x","owner_id":"` + owner + `","users":["urn:uuid:` + owner + `"]}`), status: 400, field: "users"},
		{name: "channel users wrong type", req: putChannel(`{"name":"x","owner_id":"` + owner + `","users":"x"}`), status: 400, field: "users"},
		{name: "channel message count negative", req: putChannel(`{"name":"x","owner_id":"` + owner + `","message_count":-1}`), status: 400, field: "message_count"},
		{name: "channel message count fractional", req: putChannel(`{"name":"x","owner_id":"` + owner + `","message_count":1.5}`), status: 400, field: "message_count"},
		{name: "channel message count string", req: putChannel(`{"name":"x","owner_id":"` + owner + `","message_count":"7"}`), status: 400, field: "message_count"},
		{name: "channel message count huge", req: putChannel(`{"name":"x","owner_id":"` + owner + `","message_count":1e400}`), status: 400, field: "message_count"},
		{name: "channel name empty", req: putChannel(`{"name":"","owner_id":"` + owner + `"}`), status: 400, field: "name"},
		{name: "channel archived wrong type", req: putChannel(`{"name":"x","owner_id":"` + owner + `","archived":"no"}`), status: 400, field: "archived"},
		{name: "channel created_at without milliseconds", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"2024-12-21T12:10:47Z"}`), status: 400, field: "created_at"},
		{name: "channel created_at with microseconds", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"2024-12-21T12:10:47.492123Z"}`), status: 400, field: "created_at"},
		{name: "channel created_at with offset", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"2024-12-21T17:40:47.492+05:30"}`), status: 400, field: "created_at"},
		{name: "channel created_at with comma", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"2024-12-21T12:10:47,492Z"}`), status: 400, field: "created_at"},
		{name: "channel created_at lower case", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"2024-12-21t12:10:47.492z"}`), status: 400, field: "created_at"},
		{name: "channel created_at out of range", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"2024-02-30T12:10:47.492Z"}`), status: 400, field: "created_at"},
		{name: "channel created_at zero", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":"0001-01-01T00:00:00.000Z"}`), status: 400, field: "created_at"},
		{name: "channel created_at a number", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":1734783047492}`), status: 400, field: "created_at"},
		{name: "channel created_at empty", req: putChannel(`{"name":"x","owner_id":"` + owner + `","created_at":""}`), status: 400, field: "created_at"},
		{name: "channel organisation_id", req: putChannel(`{"name":"x","owner_id":"` + owner + `","organisation_id":"` + a.org.String() + `"}`), status: 400, field: "organisation_id"},
		{name: "channel over 1 MiB", req: putChannel(huge), status: 413},
		{name: "channel in missing organisation", req: request{method: "PUT", path: "/organisations/" + ghostOrg.String() + "/channels/" + uuid.NewString(), body: `{"name":"x","owner_id":"` + owner + `"}`, as: ghost}, status: 404},
		{name: "channel delete missing", req: request{method: "DELETE", path: org + "/channels/" + missing}, status: 404},
		{name: "member add to missing channel", req: request{method: "PUT", path: org + "/channels/" + missing + "/users/" + uuid.NewString()}, status: 404},
		{name: "member remove non-member", req: request{method: "DELETE", path: org + "/channels/" + ch0 + "/users/" + uuid.NewString()}, status: 404},
		{name: "reorder groups incomplete", req: request{method: "PUT", path: org + "/groups/order", body: map[string]any{"group_ids": []string{g0, g1}}}, status: 400, field: "group_ids"},
		{name: "reorder groups repeated", req: request{method: "PUT", path: org + "/groups/order", body: map[string]any{"group_ids": []string{g0, g1, g1, gArch}}}, status: 400, field: "group_ids"},
		{name: "reorder groups not UUIDs", req: request{method: "PUT", path: org + "/groups/order", body: `{"group_ids":["x"]}`}, status: 400, field: "group_ids"},
		{name: "reorder groups in braces", req: request{method: "PUT", path: org + "/groups/order", body: map[string]any{"group_ids": []string{"{" + g0 + "}", g1, gArch}}}, status: 400, field: "group_ids"},
		{name: "reorder groups as URNs", req: request{method: "PUT", path: org + "/groups/order", body: map[string]any{"group_ids": []string{g0, "urn:uuid:" + g1, gArch}}}, status: 400, field: "group_ids"},
		{name: "reorder groups missing field", req: request{method: "PUT", path: org + "/groups/order", body: `{}`}, status: 400, field: "group_ids"},
		{name: "reorder groups wrong type", req: request{method: "PUT", path: org + "/groups/order", body: `{"group_ids":"x"}`}, status: 400, field: "group_ids"},
		{name: "reorder groups of another organisation", req: request{method: "PUT", path: org + "/groups/order", body: map[string]any{"group_ids": []string{b.groups[0].String(), b.groups[1].String(), b.archived.String()}}}, status: 400, field: "group_ids"},
		{name: "reorder channels incomplete", req: request{method: "PUT", path: org + "/groups/" + g0 + "/channels/order", body: map[string]any{"channel_ids": []string{ch0}}}, status: 400, field: "channel_ids"},
		{name: "reorder channels in braces", req: request{method: "PUT", path: org + "/groups/" + g0 + "/channels/order", body: map[string]any{"channel_ids": []string{"{" + ch0 + "}", a.channels[1].String()}}}, status: 400, field: "channel_ids"},
		{name: "reorder channels as URNs", req: request{method: "PUT", path: org + "/groups/" + g0 + "/channels/order", body: map[string]any{"channel_ids": []string{ch0, "urn:uuid:" + a.channels[1].String()}}}, status: 400, field: "channel_ids"},
		{name: "reorder channels foreign", req: request{method: "PUT", path: org + "/groups/" + g0 + "/channels/order", body: map[string]any{"channel_ids": []string{ch0, ch2}}}, status: 400, field: "channel_ids"},
		{name: "attach platform id bad", req: attach(`{"platformId":"bad id!","platformGroupId":"x"}`), status: 400, field: "platformId"},
		{name: "attach platform group id missing", req: attach(`{"platformId":"whatsapp"}`), status: 400, field: "platformGroupId"},
		{name: "attach platform group id too long", req: attach(`{"platformId":"whatsapp","platformGroupId":"` + long + `"}`), status: 400, field: "platformGroupId"},
		{name: "attach field in other case", req: attach(`{"PlatformID":"whatsapp","platformGroupId":"x"}`), status: 400, field: "PlatformID"},
		{name: "attach unknown field", req: attach(`{"platformId":"whatsapp","platformGroupId":"x","workspaceId":"y"}`), status: 400, field: "workspaceId"},
		{name: "attach platform id wrong type", req: attach(`{"platformId":5,"platformGroupId":"x"}`), status: 400, field: "platformId"},
		{name: "attach content type", req: withType(attach(`{"platformId":"whatsapp","platformGroupId":"x"}`), "text/plain"), status: 415},
		{name: "attach over 1 MiB", req: attach(huge), status: 413},
		{name: "attach over 1 MiB, chunked", req: attach(io.MultiReader(strings.NewReader(huge))), status: 413},
		{name: "attach bad JSON", req: attach(`{"platformId":`), status: 400, field: "body"},
		{name: "detach not attached", req: request{method: "DELETE", path: ws + "/channels/" + missing + "/channel-group"}, status: 404},
		{name: "delete missing channel group", req: request{method: "DELETE", path: ws + "/channel-groups/" + missing}, status: 404},
		{name: "get missing channel group", req: getGroup(ws + "/channel-groups/" + missing), status: 404},

		// Routes and methods.
		{name: "wrong method on collection", req: request{method: "PUT", path: org + "/groups", body: `{}`}, status: 405},
		{name: "options", req: request{method: "OPTIONS", path: org + "/groups/" + g0}, status: 405},
		{name: "wrong method on workspace", req: request{method: "PATCH", path: ws + "/channel-groups/" + a.chGroup.String()}, status: 405},
		{name: "unknown route", req: getGroup(org + "/teams"), status: 404},
		{name: "unknown workspace route", req: getGroup(ws + "/channels"), status: 404},
	}...)
	// "unlisted organisation" uses a principal without the organisation.
	for i := range cases {
		if cases[i].name == "unlisted organisation" {
			cases[i].req.as = e.creds.valid(httpapi.Principal{UserID: a.user, Workspaces: []uuid.UUID{a.ws}})
		}
	}
	return cases
}
