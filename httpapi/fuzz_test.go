package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// fuzzEnvs serves every store with the fixture, for the fuzz targets.
func fuzzEnvs(f *testing.F) []*env {
	var envs []*env
	for _, sc := range storeCases() {
		e := newEnv(f, sc.open(f), envConfig{prefix: "/api"})
		e.withTokens()
		envs = append(envs, e)
	}
	return envs
}

// expand replaces the placeholders of a fuzz input with the fixture's IDs:
// $O organisation, $G group, $C channel, $W workspace, $K channel group.
func (e *env) expand(s string) string {
	a := e.fx.a
	return strings.NewReplacer(
		"$O", a.org.String(), "$G", a.groups[1].String(), "$C", a.channels[2].String(),
		"$W", a.ws.String(), "$K", a.chGroup.String(),
	).Replace(s)
}

// bodyRoutes are the routes that read a body.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/organisations/$O/groups"},
	{"PATCH", "/organisations/$O/groups/$G"},
	{"PUT", "/organisations/$O"},
	{"PUT", "/organisations/$O/channels/$C"},
	{"PUT", "/organisations/$O/groups/order"},
	{"PUT", "/organisations/$O/groups/$G/channels/order"},
	{"PUT", "/workspaces/$W/channels/$C/channel-group"},
	{"POST", "/organisations/$O/groups/$G/channels"},
	{"DELETE", "/organisations/$O/groups/$G/channels"},
	{"PATCH", "/organisations/$O/groups/$G/channels"},
}

// FuzzRequestBody sends arbitrary bodies to every route that reads one:
// the API must never panic nor answer 5xx, and every answer must match the
// OpenAPI document.
func FuzzRequestBody(f *testing.F) {
	seeds := []struct {
		route       uint8
		contentType string
		body        string
	}{
		{0, "application/json", `{"name":"Fuzz","description":"d"}`},
		{0, "application/json", `{"name":"` + strings.Repeat("é", 300) + `"}`},
		{0, "application/json", `{"name":"\u0000"}`},
		{0, "application/json", `{"name":"x"}{"name":"y"}`},
		{0, "text/plain", `{"name":"x"}`},
		{0, "", `{"name":"no content type"}`},
		{1, "application/json", `{"archived":true,"name":"Fuzzed"}`},
		{1, "application/json", `{"name":null,"description":null,"archived":null}`},
		{1, "application/json; charset=UTF-8", `{"description":"` + strings.Repeat("d", 3000) + `"}`},
		{2, "application/json", `{"name":"Org"}`},
		{2, "application/json", `{"name":["Org"]}`},
		{3, "application/json", `{"name":"c","owner_id":"$O","users":["$O","$O"],"message_count":9007199254740993}`},
		{3, "application/json", `{"name":"c","owner_id":"$O","users":[]}`},
		{3, "application/json", `{"name":"c","owner_id":"00000000-0000-0000-0000-000000000000"}`},
		{4, "application/json", `{"group_ids":["$G","$G"]}`},
		{4, "application/json", `{"group_ids":null}`},
		{5, "application/json", `{"channel_ids":["$C"]}`},
		{5, "application/json", `{"channel_ids":[1,2,3]}`},
		{6, "application/json", `{"platformId":"whatsapp","platformGroupId":"acc","platformGroupName":"Name"}`},
		{6, "application/json", `{"platformId":"` + strings.Repeat("a", 300) + `","platformGroupId":"acc"}`},
		{6, "application/json", `{"platformId":"wa","platformGroupId":"a\tb"}`},
		{6, "application/json", "\xff\xfe{}"},
		{6, "application/json", `{"platformId":"wa","platformGroupId":"x",}`},
		{3, "application/json", `{"name":"c","owner_id":"$O","message_count":-0}`},
		{0, "application/json", "  \n\t"},
		{0, "application/json", `{"name":"x","name":"y"}`},
		{0, "application/json", `{"name":"x","organisation_id":"$O"}`},
		{3, "application/json", `{"name":"c","created_at":"2024-12-21T12:10:47.492Z","owner_id":null}`},
		{7, "application/json", `{"channels":["$C"]}`},
		{7, "application/json", `{"channels":["$C","$C","$G"]}`},
		{8, "application/json", `{"channels":[]}`},
		{9, "application/json", `{"channels":["$C",null]}`},
	}
	for _, s := range seeds {
		f.Add(s.route, s.contentType, []byte(s.body))
	}
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, route uint8, contentType string, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		if strings.ContainsFunc(contentType, func(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }) {
			t.Skip() // not a header value a client can send
		}
		for _, e := range envs {
			res := e.do(t, request{
				method: r.method,
				path:   e.expand(r.path),
				body:   []byte(e.expand(string(body))),
				header: map[string]string{"Content-Type": contentType},
				as:     e.fx.a.service, // allowed every action in A
			})
			if res.status >= 500 || res.status == 0 {
				t.Fatalf("%s %s with %q: status %d: %s", r.method, r.path, body, res.status, res.body)
			}
		}
	})
}

// pathShapes are path templates whose %s are filled with fuzzed segments.
var pathShapes = []string{
	"/organisations/%s/groups%s",
	"/organisations/%s/groups/%s",
	"/organisations/%s/groups/%s/channels",
	"/organisations/$O/groups/%s/channels/%s",
	"/organisations/$O/channels/%s/users/%s",
	"/workspaces/%s/channel-groups/%s",
	"/workspaces/$W/channels/%s/channel-group%s",
	"/organisations/$O/groups/channels/%s%s",
	"/%s/%s",
}

// FuzzPathParams sends arbitrary path segments and methods to every shape of
// route: the API must never panic nor answer 5xx.
func FuzzPathParams(f *testing.F) {
	seeds := []struct {
		shape  uint8
		method uint8
		p1, p2 string
	}{
		{0, 0, "$O", ""},
		{0, 1, "not-a-uuid", ""},
		{1, 0, "$O", "$G"},
		{1, 3, "$O", "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ"},
		{1, 4, "$O", "00000000-0000-0000-0000-000000000000"},
		{2, 0, "$O", "channels"},
		{3, 1, "$G", "$C"},
		{3, 3, "$G", "$C"},
		{3, 4, "$G", "$C"},
		{4, 2, "$C", "$O"},
		{5, 0, "$W", "$K"},
		{5, 4, "$W", "{$K}"},
		{6, 2, "$C", ""},
		{6, 4, "$C", "%2F"},
		{7, 0, "no-group", ""},
		{7, 0, "user-no-group", "?limit=1"},
		{8, 0, "organisations", "workspaces"},
		{1, 0, "..", "."},
		{1, 0, "%00", "\x00"},
		{1, 5, "$O", strings.Repeat("f", 300)},
		{0, 0, "urn:uuid:$O", ""},
		{1, 0, "$O", "é"},
		{1, 0, "$O", "a/b"},
		{1, 4, "$O", ""},
		{0, 4, "$O", ""},
		{5, 1, "$W", ""},
		{5, 4, "$W", "$K/"},
		{1, 0, "", "$G"},
		{2, 0, "$O/groups", "$G"},
		{8, 0, "organisations/$O", "groups"},
		{4, 5, "/", "0"},
		{4, 0, "$C", "/"},
	}
	for _, s := range seeds {
		f.Add(s.shape, s.method, s.p1, s.p2)
	}
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, shape, method uint8, p1, p2 string) {
		tmpl := pathShapes[int(shape)%len(pathShapes)]
		m := methods[int(method)%len(methods)]
		for _, e := range envs {
			path := e.expand(fmt.Sprintf(tmpl, url.PathEscape(e.expand(p1)), url.PathEscape(e.expand(p2))))
			var body any
			if m == "PUT" || m == "PATCH" || m == "POST" {
				body = `{}`
			}
			res := e.do(t, request{method: m, path: path, body: body, as: e.fx.a.service})
			if res.status >= 500 || res.status == 0 {
				t.Fatalf("%s %s: status %d: %s", m, path, res.status, res.body)
			}
		}
	})
}

// listRoutes are the routes that read a query string.
var listRoutes = []string{
	"/organisations/$O/groups",
	"/organisations/$O/groups/$G",
	"/organisations/$O/groups/$G/channels",
	"/organisations/$O/groups/channels/no-group",
	"/organisations/$O/groups/channels/user-no-group",
	"/workspaces/$W/channel-groups",
}

// FuzzQuery sends arbitrary query strings to every route that reads one:
// the API must never panic nor answer 5xx, and a query it cannot parse is
// 400.
func FuzzQuery(f *testing.F) {
	for i, q := range []string{
		"limit=1", "cursor=%%%", "limit=%zz", "limit=1;cursor=x", "%zz=1", "limit=1&&limit=2",
		"include=channels&archived=true", "pageToken=%41", "platformId=wa+", "include_archived=%74rue", "=&=",
	} {
		f.Add(uint8(i), q)
	}
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, route uint8, raw string) {
		if strings.ContainsAny(raw, "# ") || strings.ContainsFunc(raw, func(c rune) bool { return c < 0x21 || c >= 0x7f }) {
			t.Skip() // not a query string a client can send as is
		}
		_, parseErr := url.ParseQuery(raw)
		for _, e := range envs {
			path := e.expand(listRoutes[int(route)%len(listRoutes)]) + "?" + raw
			res := e.do(t, request{method: "GET", path: path, as: e.fx.a.token})
			if res.status >= 500 || res.status == 0 {
				t.Fatalf("GET %s: status %d: %s", path, res.status, res.body)
			}
			if parseErr != nil && res.status != 400 {
				t.Fatalf("GET %s: status %d for a query Go cannot parse either (%v)", path, res.status, parseErr)
			}
		}
	})
}
