// Package openapitest checks HTTP responses against an OpenAPI document, so
// that tests can hold every response an API gives to the document that
// describes it.
//
// A [Validator] looks up the operation of a request by method and path, then
// checks that the response status is documented for it and that the headers,
// the Content-Type and the body match what the document says for that
// status. Requests themselves are not validated: tests send bad requests on
// purpose, and the answers to those must match the document too.
//
// Beyond what the document states, a Validator insists on a UUID's canonical
// form for format uuid (36 characters, lowercase), on a body that is one
// JSON value and nothing after it, and on an empty body for 204 and for any
// response documented without content.
//
// Requests that match no documented operation fail with [ErrUnknownRoute],
// except the answers the document promises for them in prose: 404 for a
// path that matches no route, and 405 for a known path with a method it does
// not have, both with the error body of the path's family. The family is the
// workspace one (the WorkspaceNotFound and WorkspaceMethodNotAllowed
// responses of the document's components) for paths under /workspaces, and
// the organisation one (OrgNotFound and OrgMethodNotAllowed) for every other
// path.
//
// Operations are found and headers checked with kin-openapi. Bodies are
// checked with the JSON Schema 2020-12 validator that kin-openapi uses for
// OpenAPI 3.1, against schemas compiled once, when the Validator is made.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrUnknownRoute is wrapped by the errors of [Validator.Check] for a request
// whose method and path match no operation of the document.
var ErrUnknownRoute = errors.New("openapitest: no operation for this method and path")

// Validator checks responses against one OpenAPI document. It is safe for
// concurrent use: nothing in it changes after [New].
type Validator struct {
	doc     *openapi3.T
	router  routers.Router
	options *openapi3filter.Options
	// bodies holds the compiled schema of every documented response body.
	bodies map[*openapi3.MediaType]*jsonschema.Schema
	prefix string
}

// An Option configures a [Validator].
type Option func(*Validator)

// WithPrefix makes the Validator expect every request path to begin with
// prefix (such as "/api"), the path under which the API is mounted; the
// document's paths are relative to it. A request outside the prefix is an
// unknown route.
func WithPrefix(prefix string) Option {
	return func(v *Validator) { v.prefix = strings.TrimSuffix(prefix, "/") }
}

// methods are the methods tried to tell an unknown path from a known path
// with another method.
var methods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodPatch, http.MethodHead, http.MethodOptions, http.MethodTrace,
}

// New loads and validates doc, an OpenAPI 3.1 document in JSON, and returns
// a Validator for it. The document may not refer to other files. Earlier
// versions are refused: their schemas are not JSON Schema 2020-12.
func New(doc []byte, opts ...Option) (*Validator, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("openapitest: loading the document: %w", err)
	}
	if !t.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("openapitest: the document is OpenAPI %s, not 3.1 or later", t.OpenAPI)
	}
	if err := t.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapitest: invalid document: %w", err)
	}
	// Paths are matched relative to the prefix, so the document's server
	// URLs play no part.
	t.Servers = nil
	router, err := legacy.NewRouter(t)
	if err != nil {
		return nil, fmt.Errorf("openapitest: routing the document: %w", err)
	}
	bodies, err := compileBodies(t, doc)
	if err != nil {
		return nil, err
	}
	v := &Validator{
		doc:    t,
		router: router,
		options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			// Bodies are checked against the schemas compiled here.
			ExcludeResponseBody: true,
		},
		bodies: bodies,
	}
	// A header's schema error says what is wrong, without a dump of the
	// schema.
	v.options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string { return err.Reason })
	for _, opt := range opts {
		opt(v)
	}
	return v, nil
}

// compileBodies compiles the schema of every response body of t, whose JSON
// form is raw, by its location in the document, so that references resolve
// as they do in the document.
func compileBodies(t *openapi3.T, raw []byte) (map[*openapi3.MediaType]*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("openapitest: reading the document: %w", err)
	}
	const base = "urn:openapitest:document"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "uuid", Validate: func(v any) error {
		if s, ok := v.(string); ok {
			return checkUUID(s)
		}
		return nil
	}})
	if err := c.AddResource(base, doc); err != nil {
		return nil, fmt.Errorf("openapitest: reading the document: %w", err)
	}
	bodies := make(map[*openapi3.MediaType]*jsonschema.Schema)
	add := func(pointer string, response *openapi3.ResponseRef) error {
		if response.Ref != "" {
			// A shared response is compiled where it is defined.
			ref, ok := strings.CutPrefix(response.Ref, "#")
			if !ok {
				return fmt.Errorf("openapitest: reference %q leaves the document", response.Ref)
			}
			pointer = ref
		}
		for key, mt := range response.Value.Content {
			if mt.Schema == nil || bodies[mt] != nil {
				continue
			}
			loc := base + "#" + (&url.URL{Fragment: pointer + "/content/" + escape(key) + "/schema"}).EscapedFragment()
			s, err := c.Compile(loc)
			if err != nil {
				return fmt.Errorf("openapitest: compiling the schema at %s: %w", loc, err)
			}
			bodies[mt] = s
		}
		return nil
	}
	for path, item := range t.Paths.Map() {
		for method, op := range item.Operations() {
			for status, response := range op.Responses.Map() {
				pointer := "/paths/" + escape(path) + "/" + strings.ToLower(method) + "/responses/" + escape(status)
				if err := add(pointer, response); err != nil {
					return nil, err
				}
			}
		}
	}
	if t.Components != nil {
		for name, response := range t.Components.Responses {
			if err := add("/components/responses/"+escape(name), response); err != nil {
				return nil, err
			}
		}
	}
	return bodies, nil
}

// escape escapes a JSON Pointer token (RFC 6901).
func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// checkUUID accepts only the canonical form of a UUID, the one the API
// writes.
func checkUUID(s string) error {
	id, err := uuid.Parse(s)
	if err != nil || id.String() != s {
		return fmt.Errorf("%q is not a UUID in canonical lowercase form", s)
	}
	return nil
}

// Check reports whether the response to req (its status, header and body)
// is what the document describes for req's method and path. Only req's
// method and URL path are used, so req may be a server's or a client's
// request. It returns nil when the response conforms, and otherwise an error
// saying why.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	path, ok := strings.CutPrefix(req.URL.Path, v.prefix)
	if ok && path == "" {
		path = "/"
	}
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("%w: %s %s is outside the prefix %q", ErrUnknownRoute, req.Method, req.URL.Path, v.prefix)
	}
	method := req.Method
	if method == http.MethodHead {
		// A HEAD request is answered as GET is, without a body.
		if len(body) != 0 {
			return fmt.Errorf("openapitest: %s %s: a response to HEAD must have no body", req.Method, req.URL.Path)
		}
		method = http.MethodGet
	}
	route, params, err := v.find(method, path)
	if err != nil {
		return v.checkUnknown(req, path, status, header, body)
	}
	response := route.Operation.Responses.Status(status)
	if response == nil || response.Value == nil {
		return fmt.Errorf("openapitest: %s %s: status %d is not documented for operation %s", req.Method, req.URL.Path, status, route.Operation.OperationID)
	}
	if req.Method == http.MethodHead {
		return nil
	}
	if err := v.validate(route, params, status, header, body); err != nil {
		return fmt.Errorf("openapitest: %s %s (operation %s, status %d): %w", req.Method, req.URL.Path, route.Operation.OperationID, status, err)
	}
	return nil
}

// find returns the operation for method and path, relative to the prefix.
func (v *Validator) find(method, path string) (*routers.Route, map[string]string, error) {
	r := &http.Request{Method: method, URL: &url.URL{Path: path}, Header: http.Header{}}
	return v.router.FindRoute(r)
}

// checkUnknown checks the answer to a request that matches no operation: it
// must be one of the error responses the document promises for those.
func (v *Validator) checkUnknown(req *http.Request, path string, status int, header http.Header, body []byte) error {
	knownPath := false
	for _, m := range methods {
		if _, _, err := v.find(m, path); err == nil {
			knownPath = true
			break
		}
	}
	family := "Org"
	if path == "/workspaces" || strings.HasPrefix(path, "/workspaces/") {
		family = "Workspace"
	}
	var name string
	switch {
	case !knownPath && status == http.StatusNotFound:
		name = family + "NotFound"
	case knownPath && status == http.StatusMethodNotAllowed:
		name = family + "MethodNotAllowed"
	default:
		return fmt.Errorf("%w: %s %s answered %d", ErrUnknownRoute, req.Method, req.URL.Path, status)
	}
	var response *openapi3.ResponseRef
	if v.doc.Components != nil {
		response = v.doc.Components.Responses[name]
	}
	if response == nil {
		return fmt.Errorf("%w: %s %s answered %d, and the document has no %s response", ErrUnknownRoute, req.Method, req.URL.Path, status, name)
	}
	if req.Method == http.MethodHead {
		return nil
	}
	route := &routers.Route{
		Spec:      v.doc,
		Path:      path,
		Method:    req.Method,
		Operation: &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, response))},
	}
	if err := v.validate(route, nil, status, header, body); err != nil {
		return fmt.Errorf("openapitest: %s %s (no operation, response %s): %w", req.Method, req.URL.Path, name, err)
	}
	return nil
}

// validate checks status, header and body against the documented response
// of route.
func (v *Validator) validate(route *routers.Route, params map[string]string, status int, header http.Header, body []byte) error {
	if header == nil {
		header = http.Header{}
	}
	// The request is validated neither here nor anywhere: only its route
	// matters for the response. This checks the status and the headers.
	r := &http.Request{Method: route.Method, URL: &url.URL{Path: route.Path}, Header: http.Header{}}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: params,
			Route:      route,
			Options:    v.options,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: v.options,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return err
	}

	response := route.Operation.Responses.Status(status).Value
	if len(response.Content) == 0 || status == http.StatusNoContent {
		if len(body) != 0 {
			return fmt.Errorf("the response must have no body, and it has %d bytes", len(body))
		}
		return nil
	}
	contentType := header.Get("Content-Type")
	mt := response.Content.Get(contentType)
	if mt == nil {
		return fmt.Errorf("Content-Type %q is not documented for this response", contentType)
	}
	schema := v.bodies[mt]
	if schema == nil {
		return nil
	}
	if media, _, _ := mime.ParseMediaType(contentType); media != "application/json" && !strings.HasSuffix(media, "+json") {
		return fmt.Errorf("Content-Type %q is not JSON, and only JSON bodies can be checked", contentType)
	}
	if !json.Valid(body) {
		return errors.New("the body is not one valid JSON value")
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if err := schema.Validate(value); err != nil {
		return fmt.Errorf("the body does not match the schema: %w", err)
	}
	return nil
}
