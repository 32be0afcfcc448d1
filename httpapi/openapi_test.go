package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/internal/openapitest"
	"github.com/getkin/kin-openapi/openapi3"
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
