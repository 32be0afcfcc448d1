package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/internal/openapitest"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	is := is.New(t)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPI())
	is.NoErr(err)                                // the document loads
	is.NoErr(doc.Validate(context.Background())) // the document is valid OpenAPI
	return doc
}

func TestOpenAPIIsValid(t *testing.T) {
	is := is.New(t)
	doc := loadOpenAPI(t)
	is.Equal(doc.OpenAPI, "3.1.0") // the document is OpenAPI 3.1
	_, err := openapitest.New(httpapi.OpenAPI())
	is.NoErr(err) // the test suite's response validator accepts it
}

func TestOpenAPIReturnsCopy(t *testing.T) {
	is := is.New(t)
	a := httpapi.OpenAPI()
	want := string(a)
	clear(a)
	is.Equal(string(httpapi.OpenAPI()), want) // changing one copy leaves the next intact
	is.True(json.Valid(httpapi.OpenAPI()))    // the document is JSON
}

func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			t.Run(method+" "+path, func(t *testing.T) {
				is := is.New(t)
				is.True(op.OperationID != "") // every operation has an operationId
				family := "#/components/responses/Org"
				if strings.HasPrefix(path, "/workspaces/") {
					family = "#/components/responses/Workspace"
				}
				errorsDocumented := 0
				for code, resp := range op.Responses.Map() {
					status, err := strconv.Atoi(code)
					is.NoErr(err) // every response has an explicit status
					if status < 400 {
						continue
					}
					errorsDocumented++
					is.True(strings.HasPrefix(resp.Ref, family)) // errors come in the route's family
					if status == 401 {
						is.True(resp.Value.Headers["WWW-Authenticate"] != nil) // 401 carries WWW-Authenticate
					}
				}
				is.True(errorsDocumented > 0) // every operation documents at least one error
				if op.RequestBody != nil {
					for _, mt := range op.RequestBody.Value.Content {
						ap := mt.Schema.Value.AdditionalProperties
						is.True(ap.Has != nil && !*ap.Has) // request bodies refuse unknown fields
					}
					is.True(op.Responses.Status(413) != nil) // a body may be too large
					is.True(op.Responses.Status(415) != nil) // a body may not be JSON
				}
				open := op.Security != nil && len(*op.Security) == 0
				is.Equal(open, path == "/openapi.json") // only the document itself needs no credentials
			})
		}
	}
}

// TestOpenAPISpecRoutes checks that the document keeps the wire contract of
// the two APIs this one is compatible with: their routes and success
// messages.
func TestOpenAPISpecRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	const org = "/organisations/{organisation_id}"
	for _, tc := range []struct {
		method, path string
		status       int
		message      string
	}{
		{"POST", org + "/groups", 200, "Group created successfully"},
		{"GET", org + "/groups", 200, "Groups fetched successfully"},
		{"GET", org + "/groups/{group_id}", 200, "Group fetched successfully"},
		{"PATCH", org + "/groups/{group_id}", 200, "Group updated successfully"},
		{"DELETE", org + "/groups/{group_id}", 200, "Group deleted successfully"},
		{"POST", org + "/groups/{group_id}/channels/{channel_id}", 200, "Group channel assigned successfully"},
		{"DELETE", org + "/groups/{group_id}/channels/{channel_id}", 200, "Group channel removed successfully"},
		{"PATCH", org + "/groups/{group_id}/channels/{channel_id}", 200, "Group channel moved successfully"},
		{"GET", org + "/groups/{group_id}/channels", 200, "Group channels fetched successfully"},
		{"GET", org + "/groups/channels/no-group", 200, "Channels not in group fetched successfully"},
		{"GET", org + "/groups/channels/user-no-group", 200, "Discoverable Channels for user fetched successfully"},
		// The bulk routes the reference implementation added later.
		{"POST", org + "/groups/{group_id}/channels", 200, "Group channels assigned successfully"},
		{"DELETE", org + "/groups/{group_id}/channels", 200, "Group channels removed successfully"},
		{"GET", "/workspaces/{workspaceId}/channel-groups", 200, ""},
		{"GET", "/workspaces/{workspaceId}/channel-groups/{channelGroupId}", 200, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			is := is.New(t)
			item := doc.Paths.Value(tc.path)
			is.True(item != nil) // the path is documented
			op := item.GetOperation(tc.method)
			is.True(op != nil) // the method is documented
			resp := op.Responses.Status(tc.status)
			is.True(resp != nil) // the success status is documented
			if tc.message == "" {
				return
			}
			schema := resp.Value.Content.Get("application/json").Schema.Value
			var messages []any
			for _, part := range schema.AllOf {
				if m := part.Value.Properties["message"]; m != nil {
					messages = append(messages, m.Value.Enum...)
				}
			}
			is.Equal(messages, []any{tc.message}) // the message is pinned word for word
		})
	}
}

// withIDs fills every parameter of a path template with a new UUID.
func withIDs(template string) string {
	return pathParam.ReplaceAllStringFunc(template, func(string) string { return uuid.NewString() })
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestOpenAPIExtensionMarks checks that the operations marked x-extension
// are exactly those WithoutExtensions leaves out. Without credentials, a
// served route answers 401, and a route that is not served 404 or 405.
func TestOpenAPIExtensionMarks(t *testing.T) {
	doc := loadOpenAPI(t)
	full := newEnv(t, memstore.New(), envConfig{noFixture: true})
	bare := newEnv(t, memstore.New(), envConfig{noFixture: true, options: []httpapi.Option{httpapi.WithoutExtensions()}})
	marked := 0
	for path, item := range doc.Paths.Map() {
		if path == "/openapi.json" {
			continue // served without credentials, with or without extensions
		}
		for method, op := range item.Operations() {
			extension := op.Extensions["x-extension"] == true
			if extension {
				marked++
			}
			t.Run(method+" "+path, func(t *testing.T) {
				is := is.New(t)
				req := request{method: method, path: withIDs(path)}
				is.Equal(full.do(t, req).status, http.StatusUnauthorized) // every documented operation is served
				res := bare.do(t, req)
				is.Equal(res.status == http.StatusUnauthorized, !extension)                                                                      // WithoutExtensions serves exactly the unmarked ones
				is.True(res.status == http.StatusUnauthorized || res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed) // the others as unknown routes
			})
		}
	}
	is := is.New(t)
	is.Equal(marked, 14) // the extension operations listed in the package documentation, events included
}

// TestOpenAPIExtensionMessages checks that the document gives the success
// message of every organisation extension route, word for word, in the
// example of its answer, and that the example is a valid answer.
func TestOpenAPIExtensionMessages(t *testing.T) {
	doc := loadOpenAPI(t)
	v, err := openapitest.New(httpapi.OpenAPI())
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	const org = "/organisations/{organisation_id}"
	for _, tc := range []struct{ method, path, message string }{
		{"PUT", org, "Organisation saved successfully"},
		{"GET", org + "/channels/{channel_id}", "Channel fetched successfully"},
		{"PUT", org + "/channels/{channel_id}", "Channel saved successfully"},
		{"DELETE", org + "/channels/{channel_id}", "Channel deleted successfully"},
		{"PUT", org + "/channels/{channel_id}/users/{user_id}", "Channel member added successfully"},
		{"DELETE", org + "/channels/{channel_id}/users/{user_id}", "Channel member removed successfully"},
		{"PUT", org + "/groups/order", "Groups reordered successfully"},
		{"PUT", org + "/groups/{group_id}/channels/order", "Group channels reordered successfully"},
		{"PATCH", org + "/groups/{group_id}/channels", "Group channels moved successfully"},
		{"GET", org + "/events", "Events fetched successfully"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			is := is.New(t)
			item := doc.Paths.Value(tc.path)
			is.True(item != nil) // the path is documented
			op := item.GetOperation(tc.method)
			is.True(op != nil)                           // the method is documented
			is.Equal(op.Extensions["x-extension"], true) // as an extension
			resp := op.Responses.Status(http.StatusOK)
			is.True(resp != nil) // the success status is documented
			mt := resp.Value.Content.Get("application/json")
			is.True(mt != nil) // with a JSON body
			example, ok := mt.Example.(map[string]any)
			is.True(ok)                              // which has an example
			is.Equal(example["message"], tc.message) // giving the message word for word
			body, err := json.Marshal(example)
			is.NoErr(err) // the example is JSON
			req := httptest.NewRequest(tc.method, withIDs(tc.path), nil)
			is.NoErr(v.Check(req, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body)) // and a valid answer
		})
	}
}

// TestOpenAPIOpenModeUserID checks that the document describes the user_id
// query parameter that the discoverable-channels route reads in open mode.
func TestOpenAPIOpenModeUserID(t *testing.T) {
	is := is.New(t)
	doc := loadOpenAPI(t)
	op := doc.Paths.Value("/organisations/{organisation_id}/groups/channels/user-no-group").Get
	p := op.Parameters.GetByInAndName("query", "user_id")
	is.True(p != nil)                                                   // user_id is documented
	is.True(!p.Required)                                                // it is required in open mode only
	is.Equal(p.Schema.Value.Format, "uuid")                             // it is a UUID
	is.True(strings.Contains(p.Description, "WithoutAuthentication()")) // the description says when it is read
	for path, item := range doc.Paths.Map() {
		for method, other := range item.Operations() {
			if other != op && other.Parameters.GetByInAndName("query", "user_id") != nil {
				t.Errorf("%s %s documents a user_id query parameter it does not read", method, path)
			}
		}
	}
}
