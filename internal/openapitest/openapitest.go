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
// A request is routed as http.ServeMux routes it: on its escaped path,
// segment by segment, each segment unescaped on its own, so that an encoded
// slash (%2F) stays inside its segment. Fixed segments are preferred to path
// parameters, and a trailing slash makes another path. A path parameter
// matches neither an empty segment nor one that is only an encoded slash,
// which http.ServeMux takes for a trailing slash: so
// /organisations/{organisation_id}/groups matches neither
// /organisations//groups, /organisations/%2F/groups nor
// /organisations/x/groups/, and all three are unknown routes. Path templates
// whose segments mix fixed text and a parameter, such as /files/{name}.json,
// are refused by [New].
//
// Headers are checked with kin-openapi. Bodies are checked with the JSON
// Schema 2020-12 validator that kin-openapi uses for OpenAPI 3.1, against
// schemas compiled once, when the Validator is made.
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
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrUnknownRoute is wrapped by the errors of [Validator.Check] for a request
// whose method and path match no operation of the document.
var ErrUnknownRoute = errors.New("openapitest: no operation for this method and path")

// Validator checks responses against one OpenAPI document. It is safe for
// concurrent use: nothing in it changes after [New].
type Validator struct {
	doc *openapi3.T
	// templates holds the document's paths, sorted by path.
	templates []template
	options   *openapi3filter.Options
	// bodies holds the compiled schema of every documented response body.
	bodies map[*openapi3.MediaType]*jsonschema.Schema
	// prefix holds the unescaped segments of the prefix.
	prefix []string
}

// A template is one path of the document, split into segments.
type template struct {
	path       string
	item       *openapi3.PathItem
	operations map[string]*openapi3.Operation
	segments   []segment
}

// A segment of a template is fixed text, or a path parameter that matches
// any segment but an empty one and one that unescapes to "/".
type segment struct {
	text  string // the fixed text, or the parameter's name
	param bool
}

// An Option configures a [Validator].
type Option func(*Validator)

// WithPrefix makes the Validator expect every request path to begin with
// prefix (such as "/api"), the path under which the API is mounted; the
// document's paths are relative to it. A request outside the prefix is an
// unknown route.
func WithPrefix(prefix string) Option {
	return func(v *Validator) {
		v.prefix = nil
		if p := strings.Trim(prefix, "/"); p != "" {
			v.prefix = strings.Split(p, "/")
		}
	}
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
	templates, err := parseTemplates(t)
	if err != nil {
		return nil, err
	}
	bodies, err := compileBodies(t, doc)
	if err != nil {
		return nil, err
	}
	v := &Validator{
		doc:       t,
		templates: templates,
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

// parseTemplates splits every path of t into segments.
func parseTemplates(t *openapi3.T) ([]template, error) {
	var templates []template
	for path, item := range t.Paths.Map() {
		rest, ok := strings.CutPrefix(path, "/")
		if !ok {
			return nil, fmt.Errorf("openapitest: path %q does not start with a slash", path)
		}
		tmpl := template{path: path, item: item, operations: item.Operations()}
		for _, text := range strings.Split(rest, "/") {
			name, isParam := strings.CutPrefix(text, "{")
			name, closed := strings.CutSuffix(name, "}")
			switch {
			case isParam && closed && name != "" && !strings.ContainsAny(name, "{}"):
				tmpl.segments = append(tmpl.segments, segment{text: name, param: true})
			case strings.ContainsAny(text, "{}"):
				return nil, fmt.Errorf("openapitest: path %q: segment %q mixes fixed text and a parameter, which is not supported", path, text)
			default:
				tmpl.segments = append(tmpl.segments, segment{text: text})
			}
		}
		templates = append(templates, tmpl)
	}
	slices.SortFunc(templates, func(a, b template) int { return strings.Compare(a.path, b.path) })
	return templates, nil
}

// match reports whether the unescaped segments of a path match t, and
// returns the values of its path parameters.
func (t *template) match(segments []string) (map[string]string, bool) {
	if len(segments) != len(t.segments) {
		return nil, false
	}
	params := make(map[string]string)
	for i, s := range t.segments {
		switch {
		case s.param && segments[i] != "" && segments[i] != "/":
			params[s.text] = segments[i]
		case s.param || s.text != segments[i]:
			return nil, false
		}
	}
	return params, true
}

// moreSpecific reports whether t, matching the same path as u, is to be
// preferred: at the first segment where one has fixed text and the other a
// parameter, t has the fixed text.
func (t *template) moreSpecific(u *template) bool {
	for i, s := range t.segments {
		if s.param != u.segments[i].param {
			return !s.param
		}
	}
	return false
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
	shown := req.URL.EscapedPath()
	segments, err := v.segments(shown)
	if err != nil {
		return fmt.Errorf("%w: %s %s %v", ErrUnknownRoute, req.Method, shown, err)
	}
	method := req.Method
	if method == http.MethodHead {
		// A HEAD request is answered as GET is, without a body.
		if len(body) != 0 {
			return fmt.Errorf("openapitest: %s %s: a response to HEAD must have no body", req.Method, shown)
		}
		method = http.MethodGet
	}
	route, params := v.find(method, segments)
	if route == nil {
		return v.checkUnknown(req, segments, status, header, body)
	}
	response := route.Operation.Responses.Status(status)
	if response == nil || response.Value == nil {
		return fmt.Errorf("openapitest: %s %s: status %d is not documented for operation %s", req.Method, shown, status, route.Operation.OperationID)
	}
	if req.Method == http.MethodHead {
		return nil
	}
	if err := v.validate(route, params, status, header, body); err != nil {
		return fmt.Errorf("openapitest: %s %s (operation %s, status %d): %w", req.Method, shown, route.Operation.OperationID, status, err)
	}
	return nil
}

// segments returns the unescaped segments of escapedPath below the prefix;
// the prefix itself, with or without a trailing slash, is the path "/".
func (v *Validator) segments(escapedPath string) ([]string, error) {
	if escapedPath == "" {
		escapedPath = "/"
	}
	rest, ok := strings.CutPrefix(escapedPath, "/")
	if !ok {
		return nil, errors.New("is not an absolute path")
	}
	segments := strings.Split(rest, "/")
	for i, s := range segments {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, fmt.Errorf("has a badly escaped segment: %w", err)
		}
		segments[i] = u
	}
	n := len(v.prefix)
	if len(segments) < n || !slices.Equal(segments[:n], v.prefix) {
		return nil, fmt.Errorf("is outside the prefix /%s", strings.Join(v.prefix, "/"))
	}
	segments = segments[n:]
	if len(segments) == 0 {
		segments = []string{""}
	}
	return segments, nil
}

// find returns the operation for method and the unescaped segments of a
// path relative to the prefix, and the values of its path parameters; it
// returns nil when no operation matches.
func (v *Validator) find(method string, segments []string) (*routers.Route, map[string]string) {
	var best *template
	var bestParams map[string]string
	for i := range v.templates {
		t := &v.templates[i]
		if t.operations[method] == nil {
			continue
		}
		if params, ok := t.match(segments); ok && (best == nil || t.moreSpecific(best)) {
			best, bestParams = t, params
		}
	}
	if best == nil {
		return nil, nil
	}
	route := &routers.Route{
		Spec:      v.doc,
		Path:      best.path,
		PathItem:  best.item,
		Method:    method,
		Operation: best.operations[method],
	}
	return route, bestParams
}

// known reports whether the unescaped segments of a path relative to the
// prefix match a path of the document with at least one operation.
func (v *Validator) known(segments []string) bool {
	for i := range v.templates {
		if _, ok := v.templates[i].match(segments); ok && len(v.templates[i].operations) > 0 {
			return true
		}
	}
	return false
}

// checkUnknown checks the answer to a request that matches no operation: it
// must be one of the error responses the document promises for those.
func (v *Validator) checkUnknown(req *http.Request, segments []string, status int, header http.Header, body []byte) error {
	shown := req.URL.EscapedPath()
	knownPath := v.known(segments)
	family := "Org"
	if segments[0] == "workspaces" {
		family = "Workspace"
	}
	var name string
	switch {
	case !knownPath && status == http.StatusNotFound:
		name = family + "NotFound"
	case knownPath && status == http.StatusMethodNotAllowed:
		name = family + "MethodNotAllowed"
	default:
		return fmt.Errorf("%w: %s %s answered %d", ErrUnknownRoute, req.Method, shown, status)
	}
	var response *openapi3.ResponseRef
	if v.doc.Components != nil {
		response = v.doc.Components.Responses[name]
	}
	if response == nil {
		return fmt.Errorf("%w: %s %s answered %d, and the document has no %s response", ErrUnknownRoute, req.Method, shown, status, name)
	}
	if req.Method == http.MethodHead {
		return nil
	}
	route := &routers.Route{
		Spec:      v.doc,
		Path:      shown,
		Method:    req.Method,
		Operation: &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, response))},
	}
	if err := v.validate(route, nil, status, header, body); err != nil {
		return fmt.Errorf("openapitest: %s %s (no operation, response %s): %w", req.Method, shown, name, err)
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
