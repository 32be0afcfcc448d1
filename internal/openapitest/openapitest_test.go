package openapitest_test

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/channelgrouping/grouping/internal/openapitest"
	"github.com/matryer/is"
)

// The API's document is read from its file rather than through package
// httpapi, so that these tests exercise the validator on their own.
var apiDocument = filepath.Join("..", "..", "httpapi", "openapi.json")

const (
	orgID     = "4a3c1d8e-0f5b-4c2a-9d7e-1b2c3d4e5f60"
	groupID   = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	channelID = "0e1d2c3b-4a59-4876-a5b4-c3d2e1f0a9b8"
	userID    = "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293"
	stamp     = "2024-12-21T12:10:47.492Z"
)

// newValidator returns a Validator for the API's document.
func newValidator(t *testing.T, opts ...openapitest.Option) *openapitest.Validator {
	t.Helper()
	is := is.New(t)
	doc, err := os.ReadFile(apiDocument)
	is.NoErr(err) // the document is readable
	v, err := openapitest.New(doc, opts...)
	is.NoErr(err) // the document loads
	return v
}

// channel, group and channelGroup return valid wire forms to start from.
func channel() map[string]any {
	return map[string]any{
		"channels_id":     channelID,
		"name":            "Channel-4",
		"description":     "Channel-4",
		"organisation_id": orgID,
		"owner_id":        userID,
		"users":           nil,
		"user_count":      0,
		"message_count":   0,
		"archived":        false,
		"group_id":        groupID,
		"created_at":      stamp,
		"deleted_at":      nil,
	}
}

func group() map[string]any {
	return map[string]any{
		"id":              groupID,
		"name":            "C-Group",
		"description":     "This is a group for the C warriors",
		"organisation_id": orgID,
		"channels":        nil,
		"archived":        false,
		"position":        0,
		"created_at":      stamp,
		"updated_at":      stamp,
		"deleted_at":      nil,
	}
}

func channelGroup() map[string]any {
	return map[string]any{
		"id":                groupID,
		"platformId":        "whatsapp",
		"platformGroupId":   "1234567890",
		"platformGroupName": "Support line",
		"channelIds":        []any{channelID},
		"createdAt":         stamp,
		"updatedAt":         stamp,
	}
}

// success and orgError build organisation envelopes; success leaves data out
// when it is nil.
func success(message string, data any) map[string]any {
	m := map[string]any{"status": "success", "status_code": 200, "message": message}
	if data != nil {
		m["data"] = data
	}
	return m
}

func orgError(status int, message string) map[string]any {
	return map[string]any{"status": "error", "status_code": status, "message": message}
}

// must returns v, and panics on err, which only malformed test data causes.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// with returns a copy of m with key set to value.
func with(m map[string]any, key string, value any) map[string]any {
	c := maps.Clone(m)
	c[key] = value
	return c
}

// without returns a copy of m without key.
func without(m map[string]any, key string) map[string]any {
	c := maps.Clone(m)
	delete(c, key)
	return c
}

// jsonHeader returns a JSON Content-Type and the given header key/value
// pairs.
func jsonHeader(kv ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// exchange is a request and the response it got.
type exchange struct {
	name   string
	method string
	path   string
	status int
	header http.Header
	body   any // marshalled to JSON unless it is a string
}

// check runs v.Check on the exchange.
func (e exchange) check(v *openapitest.Validator) error {
	var body []byte
	switch b := e.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		body = must(json.Marshal(b))
	}
	req := httptest.NewRequest(e.method, e.path, nil)
	return v.Check(req, e.status, e.header, body)
}

const (
	groups       = "/organisations/" + orgID + "/groups"
	oneGroup     = groups + "/" + groupID
	groupChannel = oneGroup + "/channels/" + channelID
	workspace    = "/workspaces/" + orgID
)

func TestCheckAccepts(t *testing.T) {
	v := newValidator(t)
	withChannels := with(group(), "channels", []any{channel()})
	archivedChannel := with(with(channel(), "archived", true), "users", []any{userID})
	for _, e := range []exchange{
		{"group created", "POST", groups, 200, jsonHeader("ETag", `"1"`), success("Group created successfully", group())},
		{"content type with charset", "POST", groups, 200, http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Etag": {`W/"7"`}}, success("Group created successfully", group())},
		{"groups listed", "GET", groups, 200, jsonHeader(), success("Groups fetched successfully", []any{group(), withChannels})},
		{"groups listed, cut short", "GET", groups + "?limit=1", 200, jsonHeader(), with(success("Groups fetched successfully", []any{group()}), "next_cursor", "abc")},
		{"empty list", "GET", groups, 200, jsonHeader(), success("Groups fetched successfully", []any{})},
		{"group fetched", "GET", oneGroup, 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", group())},
		{"group updated", "PATCH", oneGroup, 200, jsonHeader("ETag", `"3"`), success("Group updated successfully", with(group(), "archived", true))},
		{"group deleted", "DELETE", oneGroup, 200, jsonHeader(), success("Group deleted successfully", nil)},
		{"channel assigned", "POST", groupChannel, 200, jsonHeader(), success("Group channel assigned successfully", nil)},
		{"channel removed", "DELETE", groupChannel, 200, jsonHeader(), success("Group channel removed successfully", nil)},
		{"channel moved", "PATCH", groupChannel, 200, jsonHeader(), success("Group channel moved successfully", nil)},
		{"group channels", "GET", oneGroup + "/channels", 200, jsonHeader(), success("Group channels fetched successfully", []any{channel(), archivedChannel})},
		{"ungrouped channels", "GET", groups + "/channels/no-group", 200, jsonHeader(), success("Channels not in group fetched successfully", []any{with(channel(), "group_id", nil)})},
		{"discoverable channels", "GET", groups + "/channels/user-no-group", 200, jsonHeader(), success("Discoverable Channels for user fetched successfully", []any{})},
		{"groups reordered", "PUT", groups + "/order", 200, jsonHeader(), success("Groups reordered successfully", nil)},
		{"group channels reordered", "PUT", oneGroup + "/channels/order", 200, jsonHeader(), success("Group channels reordered successfully", nil)},
		{"organisation upserted", "PUT", "/organisations/" + orgID, 200, jsonHeader(), success("Organisation saved successfully", map[string]any{"id": orgID, "name": "Acme", "created_at": stamp})},
		{"channel upserted", "PUT", "/organisations/" + orgID + "/channels/" + channelID, 200, jsonHeader(), success("Channel saved successfully", archivedChannel)},
		{"channel deleted", "DELETE", "/organisations/" + orgID + "/channels/" + channelID, 200, jsonHeader(), success("Channel deleted successfully", nil)},
		{"member added", "PUT", "/organisations/" + orgID + "/channels/" + channelID + "/users/" + userID, 200, jsonHeader(), success("Channel member added successfully", nil)},
		{"validation error", "POST", groups, 400, jsonHeader(), with(orgError(400, "invalid input"), "errors", map[string]any{"name": "name is required"})},
		{"unauthenticated", "GET", groups, 401, jsonHeader("WWW-Authenticate", "Bearer"), orgError(401, "unauthenticated")},
		{"not found", "GET", oneGroup, 404, jsonHeader(), orgError(404, "Group not found")},
		{"stale If-Match", "PATCH", oneGroup, 412, jsonHeader(), orgError(412, "the group has changed")},
		{"internal", "DELETE", oneGroup, 500, jsonHeader(), orgError(500, "internal error")},
		{"channel groups", "GET", workspace + "/channel-groups", 200, jsonHeader(), map[string]any{"results": []any{channelGroup()}}},
		{"channel groups, cut short", "GET", workspace + "/channel-groups?limit=1", 200, jsonHeader(), map[string]any{"results": []any{channelGroup()}, "nextPageToken": "t"}},
		{"channel group", "GET", workspace + "/channel-groups/" + groupID, 200, jsonHeader(), channelGroup()},
		{"channel group deleted", "DELETE", workspace + "/channel-groups/" + groupID, 204, nil, nil},
		{"channel attached", "PUT", workspace + "/channels/" + channelID + "/channel-group", 200, jsonHeader(), channelGroup()},
		{"channel detached", "DELETE", workspace + "/channels/" + channelID + "/channel-group", 204, http.Header{}, nil},
		{"workspace error", "GET", workspace + "/channel-groups/" + groupID, 404, jsonHeader(), map[string]any{"code": "not_found", "message": "channel group not found"}},
		{"workspace 401", "GET", workspace + "/channel-groups", 401, jsonHeader("WWW-Authenticate", `Bearer realm="api"`), map[string]any{"code": "unauthorized", "message": "unauthenticated"}},
		{"document", "GET", "/openapi.json", 200, jsonHeader(), map[string]any{"openapi": "3.1.0"}},
		{"HEAD without body", "HEAD", oneGroup, 200, jsonHeader("ETag", `"2"`), nil},
		{"unknown organisation path", "GET", "/organisations/" + orgID + "/nothing", 404, jsonHeader(), orgError(404, "not found")},
		{"unknown root path", "GET", "/nothing", 404, jsonHeader(), orgError(404, "not found")},
		{"unknown workspace path", "GET", workspace + "/nothing", 404, jsonHeader(), map[string]any{"code": "not_found", "message": "not found"}},
		{"method not allowed", "PUT", groups, 405, jsonHeader(), orgError(405, "method not allowed")},
		{"HEAD on an unknown path", "HEAD", "/nothing", 404, jsonHeader(), nil},
		{"workspace method not allowed", "POST", workspace + "/channel-groups", 405, jsonHeader(), map[string]any{"code": "method_not_allowed", "message": "method not allowed"}},
	} {
		t.Run(e.name, func(t *testing.T) {
			is := is.New(t)
			is.NoErr(e.check(v)) // the response conforms
		})
	}
}

func TestCheckRejects(t *testing.T) {
	v := newValidator(t)
	created := func(data any) map[string]any { return success("Group created successfully", data) }
	etag := jsonHeader("ETag", `"1"`)
	for _, e := range []exchange{
		{"missing required field", "POST", groups, 200, etag, created(without(group(), "position"))},
		{"missing null field", "POST", groups, 200, etag, created(without(group(), "deleted_at"))},
		{"wrong type", "POST", groups, 200, etag, created(with(group(), "archived", "no"))},
		{"string for integer", "POST", groups, 200, etag, created(with(group(), "position", "1"))},
		{"unknown field", "POST", groups, 200, etag, created(with(group(), "version", 3))},
		{"undocumented status", "POST", groups, 201, etag, created(group())},
		{"undocumented error status", "GET", groups, 409, jsonHeader(), orgError(409, "conflict")},
		{"unknown route", "GET", "/nothing", 200, jsonHeader(), map[string]any{}},
		{"wrong message", "POST", groups, 200, etag, success("Group created", group())},
		{"data on delete", "DELETE", oneGroup, 200, jsonHeader(), success("Group deleted successfully", group())},
		{"no data on get", "GET", oneGroup, 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", nil)},
		{"missing ETag", "POST", groups, 200, jsonHeader(), created(group())},
		{"unquoted ETag", "POST", groups, 200, jsonHeader("ETag", "1"), created(group())},
		{"missing Content-Type", "POST", groups, 200, http.Header{"Etag": {`"1"`}}, created(group())},
		{"text body", "POST", groups, 200, http.Header{"Content-Type": {"text/plain"}, "Etag": {`"1"`}}, "Group created successfully"},
		{"empty body", "POST", groups, 200, etag, ""},
		{"trailing data", "POST", groups, 200, etag, string(must(json.Marshal(created(group())))) + " {}"},
		{"uppercase UUID", "POST", groups, 200, etag, created(with(group(), "id", "9B8A7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D"))},
		{"braced UUID", "POST", groups, 200, etag, created(with(group(), "id", "{"+groupID+"}"))},
		{"not a UUID", "POST", groups, 200, etag, created(with(group(), "organisation_id", "organisation_id"))},
		{"time without milliseconds", "POST", groups, 200, etag, created(with(group(), "created_at", "2024-12-21T12:10:47Z"))},
		{"time with an offset", "POST", groups, 200, etag, created(with(group(), "updated_at", "2024-12-21T12:10:47.492+01:00"))},
		{"null list", "GET", groups, 200, jsonHeader(), with(success("Groups fetched successfully", nil), "data", nil)},
		{"empty cursor", "GET", groups, 200, jsonHeader(), with(success("Groups fetched successfully", []any{}), "next_cursor", "")},
		{"bad channel in group", "GET", oneGroup, 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", with(group(), "channels", []any{without(channel(), "channels_id")}))},
		{"channel list of groups", "GET", groups + "/channels/no-group", 200, jsonHeader(), success("Channels not in group fetched successfully", []any{group()})},
		{"error with status_code of another status", "GET", oneGroup, 404, jsonHeader(), orgError(400, "not found")},
		{"error with success status", "GET", oneGroup, 404, jsonHeader(), with(orgError(404, "not found"), "status", "success")},
		{"error without message", "GET", oneGroup, 404, jsonHeader(), without(orgError(404, "not found"), "message")},
		{"errors not strings", "POST", groups, 400, jsonHeader(), with(orgError(400, "invalid"), "errors", map[string]any{"name": 1})},
		{"401 without WWW-Authenticate", "GET", groups, 401, jsonHeader(), orgError(401, "unauthenticated")},
		{"workspace route with organisation error", "GET", workspace + "/channel-groups/" + groupID, 404, jsonHeader(), orgError(404, "not found")},
		{"workspace error with code of another status", "GET", workspace + "/channel-groups/" + groupID, 404, jsonHeader(), map[string]any{"code": "invalid", "message": "not found"}},
		{"workspace list in envelope", "GET", workspace + "/channel-groups", 200, jsonHeader(), success("ok", []any{channelGroup()})},
		{"bad platformId", "GET", workspace + "/channel-groups/" + groupID, 200, jsonHeader(), with(channelGroup(), "platformId", "what's app")},
		{"null channelIds", "GET", workspace + "/channel-groups/" + groupID, 200, jsonHeader(), with(channelGroup(), "channelIds", nil)},
		{"204 with body", "DELETE", workspace + "/channel-groups/" + groupID, 204, jsonHeader(), map[string]any{}},
		{"200 instead of 204", "DELETE", workspace + "/channel-groups/" + groupID, 200, jsonHeader(), channelGroup()},
		{"HEAD with body", "HEAD", oneGroup, 200, jsonHeader("ETag", `"2"`), "{}"},
		{"unknown path answered 405", "GET", "/nothing", 405, jsonHeader(), orgError(405, "method not allowed")},
		{"HEAD on an unknown path answered 200", "HEAD", "/nothing", 200, jsonHeader(), nil},
		{"known path answered 404 for an unknown method", "PUT", groups, 404, jsonHeader(), orgError(404, "not found")},
		{"unknown path with a workspace error", "GET", "/nothing", 404, jsonHeader(), map[string]any{"code": "not_found", "message": "not found"}},
		{"unknown workspace path with an organisation error", "GET", workspace + "/nothing", 404, jsonHeader(), orgError(404, "not found")},
	} {
		t.Run(e.name, func(t *testing.T) {
			is := is.New(t)
			err := e.check(v)
			is.True(err != nil) // the response does not conform
			t.Log(err)
		})
	}
}

func TestCheckUnknownRoute(t *testing.T) {
	is := is.New(t)
	v := newValidator(t)
	err := exchange{"", "GET", "/nothing", 200, jsonHeader(), map[string]any{}}.check(v)
	is.True(errors.Is(err, openapitest.ErrUnknownRoute)) // the route is reported as unknown
	err = exchange{"", "POST", "/openapi.json", 200, jsonHeader(), map[string]any{}}.check(v)
	is.True(errors.Is(err, openapitest.ErrUnknownRoute)) // so is a documented path with another method
}

func TestCheckPrefix(t *testing.T) {
	v := newValidator(t, openapitest.WithPrefix("/api/v1/"))
	ok := exchange{"", "GET", "/api/v1" + oneGroup, 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", group())}
	outside := exchange{"", "GET", oneGroup, 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", group())}
	partial := exchange{"", "GET", "/api/v1x" + oneGroup, 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", group())}
	is := is.New(t)
	is.NoErr(ok.check(v))                                             // paths under the prefix are matched without it
	is.True(errors.Is(outside.check(v), openapitest.ErrUnknownRoute)) // paths outside the prefix are unknown
	is.True(errors.Is(partial.check(v), openapitest.ErrUnknownRoute)) // the prefix ends at a slash
}

func TestCheckAbsoluteURL(t *testing.T) {
	is := is.New(t)
	v := newValidator(t)
	req, err := http.NewRequest("DELETE", "http://127.0.0.1:8080"+workspace+"/channel-groups/"+groupID, nil)
	is.NoErr(err)                                       // the request is well formed
	is.NoErr(v.Check(req, 204, nil, nil))               // a client-side request is matched by its path
	is.True(v.Check(req, 204, nil, []byte("x")) != nil) // and still needs an empty 204
}

func TestCheckConcurrent(t *testing.T) {
	v := newValidator(t)
	good := exchange{"", "GET", groups, 200, jsonHeader(), success("Groups fetched successfully", []any{group(), group()})}
	bad := exchange{"", "GET", groups, 200, jsonHeader(), success("Groups fetched successfully", []any{without(group(), "name")})}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				errs[i] = good.check(v)
			} else if bad.check(v) == nil {
				errs[i] = errors.New("a bad response passed")
			}
		})
	}
	wg.Wait()
	is := is.New(t)
	is.NoErr(errors.Join(errs...)) // every check gives its own answer
}

func TestNewAcceptsMinimalDocument(t *testing.T) {
	is := is.New(t)
	v, err := openapitest.New([]byte(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/ping":{"get":{"responses":{"204":{"description":"pong"}}}}}}`))
	is.NoErr(err)                                                                    // the document loads
	is.NoErr(v.Check(httptest.NewRequest("GET", "/ping", nil), 204, nil, nil))       // a documented answer passes
	is.True(v.Check(httptest.NewRequest("GET", "/ping", nil), 200, nil, nil) != nil) // an undocumented one does not
	err = v.Check(httptest.NewRequest("GET", "/nothing", nil), 404, nil, nil)
	is.True(errors.Is(err, openapitest.ErrUnknownRoute)) // without error responses to promise, unknown routes fail
}

func TestNewRejectsBadDocuments(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"not JSON", "openapi: 3.1.0"},
		{"empty object", "{}"},
		{"missing info", `{"openapi":"3.1.0","paths":{}}`},
		{"OpenAPI 3.0", `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`},
		{"dangling reference", `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`},
		{"fixed text and a parameter in one segment", `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/files/{name}.json":{"get":{"parameters":[{"name":"name","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"ok"}}}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := openapitest.New([]byte(tc.doc))
			is.True(err != nil) // the document is refused
		})
	}
}

// TestCheckPathSegments checks that requests are routed segment by segment
// on the escaped path, as http.ServeMux routes them: an encoded slash stays
// inside its segment, a path parameter is neither empty nor a lone encoded
// slash, and a trailing slash makes another path.
func TestCheckPathSegments(t *testing.T) {
	v := newValidator(t)
	wsNotFound := map[string]any{"code": "not_found", "message": "not found"}
	for _, e := range []exchange{
		{"encoded slash in a parameter", "GET", groups + "/a%2Fb", 400, jsonHeader(), with(orgError(400, "invalid group_id"), "errors", map[string]any{"group_id": "not a UUID"})},
		{"encoded slashes in a parameter, workspace", "DELETE", workspace + "/channel-groups/%2F%2F", 400, jsonHeader(), map[string]any{"code": "invalid", "message": "channelGroupId is not a UUID"}},
		{"encoded slash for a parameter answered 404", "DELETE", workspace + "/channel-groups/%2F", 404, jsonHeader(), wsNotFound},
		{"encoded slash for a parameter mid-path answered 404", "PUT", "/organisations/" + orgID + "/channels/%2f/users/" + userID, 404, jsonHeader(), orgError(404, "not found")},
		{"encoded slash in the last segment", "GET", groups + "%2F", 404, jsonHeader(), orgError(404, "not found")},
		{"encoded slash joining two segments", "GET", groups + "/channels%2Fno-group", 400, jsonHeader(), with(orgError(400, "invalid group_id"), "errors", map[string]any{"group_id": "not a UUID"})},
		{"encoded letters in a fixed segment", "GET", "/organisations/" + orgID + "/%67roups", 200, jsonHeader(), success("Groups fetched successfully", []any{})},
		{"missing parameter answered 405", "DELETE", groups, 405, jsonHeader(), orgError(405, "method not allowed")},
		{"trailing slash answered 404", "POST", workspace + "/channel-groups/", 404, jsonHeader(), wsNotFound},
		{"trailing slash after a parameter answered 404", "GET", oneGroup + "/", 404, jsonHeader(), orgError(404, "not found")},
		{"empty parameter answered 404", "GET", "/organisations//groups", 404, jsonHeader(), orgError(404, "not found")},
		{"empty last parameter answered 404", "GET", groups + "/", 404, jsonHeader(), orgError(404, "not found")},
	} {
		t.Run(e.name, func(t *testing.T) {
			is := is.New(t)
			is.NoErr(e.check(v)) // the response conforms to the route the server would pick
		})
	}
	for _, e := range []exchange{
		{"encoded slash in the last segment", "GET", groups + "%2F", 200, jsonHeader(), success("Groups fetched successfully", []any{})},
		{"encoded slash joining two segments", "GET", groups + "%2Fchannels/no-group", 200, jsonHeader(), success("Channels not in group fetched successfully", []any{})},
		{"encoded slash in the tenant", "GET", "/organisations/" + orgID + "%2Fgroups", 200, jsonHeader(), success("Groups fetched successfully", []any{})},
		{"encoded slash for a parameter", "DELETE", workspace + "/channel-groups/%2F", 400, jsonHeader(), map[string]any{"code": "invalid", "message": "channelGroupId is not a UUID"}},
		{"encoded slash for a parameter mid-path", "PUT", "/organisations/" + orgID + "/channels/%2F/users/" + userID, 200, jsonHeader(), success("Channel member added successfully", nil)},
		{"missing parameter", "DELETE", groups, 200, jsonHeader(), success("Group deleted successfully", nil)},
		{"empty parameter", "GET", "/organisations//groups", 200, jsonHeader(), success("Groups fetched successfully", []any{})},
		{"trailing slash", "GET", groups + "/", 200, jsonHeader(), success("Groups fetched successfully", []any{})},
		{"trailing slash answered 405", "POST", workspace + "/channel-groups/", 405, jsonHeader(), map[string]any{"code": "method_not_allowed", "message": "method not allowed"}},
		{"trailing slash after a parameter", "GET", oneGroup + "/", 200, jsonHeader("ETag", `"2"`), success("Group fetched successfully", group())},
		{"double slash", "GET", "/organisations/" + orgID + "//groups", 200, jsonHeader(), success("Groups fetched successfully", []any{})},
	} {
		t.Run("unknown: "+e.name, func(t *testing.T) {
			is := is.New(t)
			err := e.check(v)
			is.True(errors.Is(err, openapitest.ErrUnknownRoute)) // the path matches no operation
			t.Log(err)
		})
	}
}

func TestCheckPrefixSegments(t *testing.T) {
	v := newValidator(t, openapitest.WithPrefix("/api/v1"))
	fetched := success("Groups fetched successfully", []any{})
	is := is.New(t)
	is.NoErr(exchange{"", "GET", "/api/v1" + groups, 200, jsonHeader(), fetched}.check(v))                                          // the prefix is cut off
	is.NoErr(exchange{"", "GET", "/%61pi/v1" + groups, 200, jsonHeader(), fetched}.check(v))                                        // an encoded letter is the letter
	is.True(errors.Is(exchange{"", "GET", "/api%2Fv1" + groups, 200, jsonHeader(), fetched}.check(v), openapitest.ErrUnknownRoute)) // an encoded slash is not the prefix's slash
	is.True(errors.Is(exchange{"", "GET", "/api/v1/" + groups, 200, jsonHeader(), fetched}.check(v), openapitest.ErrUnknownRoute))  // nor is an empty segment after it
	is.True(errors.Is(exchange{"", "GET", "/api//v1" + groups, 200, jsonHeader(), fetched}.check(v), openapitest.ErrUnknownRoute))  // or inside it
}

func TestCheckPrefersFixedSegments(t *testing.T) {
	is := is.New(t)
	// GET /a/b answers 204, GET /a/{x} 200, /c/{x}/d 204 and /c/d/{x} 200.
	v, err := openapitest.New([]byte(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{
		"/a/{x}":{"get":{"parameters":[{"name":"x","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"x"}}}},
		"/a/b":{"get":{"responses":{"204":{"description":"b"}}},"put":{"responses":{"204":{"description":"b"}}}},
		"/c/{x}/d":{"get":{"parameters":[{"name":"x","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"xd"}}}},
		"/c/d/{x}":{"get":{"parameters":[{"name":"x","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"dx"}}}}}}`))
	is.NoErr(err) // the document loads
	get := func(path string, status int) error {
		return v.Check(httptest.NewRequest("GET", path, nil), status, nil, nil)
	}
	is.NoErr(get("/a/b", 204))       // the fixed segment wins
	is.True(get("/a/b", 200) != nil) // over the parameter
	is.NoErr(get("/a/c", 200))       // which takes every other segment
	is.NoErr(get("/a/%62", 204))     // an escaped letter is the letter
	is.NoErr(get("/c/d/d", 200))     // the first segment that differs decides
	put := func(path string) error { return v.Check(httptest.NewRequest("PUT", path, nil), 204, nil, nil) }
	is.NoErr(put("/a/b"))                                        // routes are found per method
	is.True(errors.Is(put("/a/c"), openapitest.ErrUnknownRoute)) // and the parameter path has no PUT
}
