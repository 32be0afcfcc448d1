package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/internal/openapitest"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/matryer/is"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// hostScheme is a security scheme of a host's own: an API key header.
var hostScheme = httpapi.SecurityScheme{
	Name:      "apiKey",
	Scheme:    map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
	Challenge: `ApiKey realm="grouping"`,
}

// documentCase is one configuration of an API and what its served
// document must say.
type documentCase struct {
	name       string
	prefix     string
	options    []httpapi.Option
	extensions bool
	open       bool
	// scheme is the name of the declared security scheme, and
	// bearerFormat its bearerFormat, if any.
	scheme, bearerFormat string
	challenge            string
}

func documentCases(t *testing.T) []documentCase {
	jwt, err := jwtauth.New(jwtauth.HS256([]byte("test secret of at least thirty-two bytes")))
	if err != nil {
		t.Fatalf("jwtauth.New: %v", err)
	}
	own := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) {
		return httpapi.Principal{}, httpapi.ErrUnauthenticated
	})
	return []documentCase{
		{name: "jwtauth at the root", options: []httpapi.Option{httpapi.WithAuthenticator(jwt)},
			extensions: true, scheme: "bearerAuth", bearerFormat: "JWT", challenge: "Bearer"},
		{name: "jwtauth under a prefix without extensions", prefix: "/api/v1",
			options:    []httpapi.Option{httpapi.WithAuthenticator(jwt), httpapi.WithoutExtensions()},
			extensions: false, scheme: "bearerAuth", bearerFormat: "JWT", challenge: "Bearer"},
		{name: "an authenticator that does not describe itself", prefix: "/api",
			options:    []httpapi.Option{httpapi.WithAuthenticator(own)},
			extensions: true, scheme: "bearerAuth", challenge: "Bearer"},
		{name: "a host's own scheme", prefix: "/api",
			options:    []httpapi.Option{httpapi.WithAuthenticator(own), httpapi.WithSecurityScheme(hostScheme)},
			extensions: true, scheme: "apiKey", challenge: `ApiKey realm="grouping"`},
		{name: "open", prefix: "/open", options: []httpapi.Option{httpapi.WithoutAuthentication(), httpapi.WithoutExtensions()},
			extensions: false, open: true},
	}
}

// TestServedOpenAPIDocument checks that the document an API serves
// describes it as configured: its prefix, its routes, its authentication.
func TestServedOpenAPIDocument(t *testing.T) {
	for _, tc := range documentCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			api, err := httpapi.New(memstore.New(), append([]httpapi.Option{httpapi.WithPrefix(tc.prefix)}, tc.options...)...)
			is.NoErr(err) // the API is made
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, httptest.NewRequest("GET", tc.prefix+"/openapi.json", nil))
			is.Equal(rec.Code, http.StatusOK)                  // the document is served
			is.Equal(rec.Body.String(), string(api.OpenAPI())) // and is the API's document
			raw := rec.Body.Bytes()

			doc, err := openapi3.NewLoader().LoadFromData(raw)
			is.NoErr(err)                                // it loads
			is.NoErr(doc.Validate(context.Background())) // and is valid OpenAPI
			_, err = openapitest.New(raw, openapitest.WithPrefix(tc.prefix))
			is.NoErr(err) // the response validator accepts it

			want := tc.prefix
			if want == "" {
				want = "/"
			}
			is.Equal(len(doc.Servers), 1)      // one server
			is.Equal(doc.Servers[0].URL, want) // whose URL is the prefix

			extensions, unauthorized, forbidden := 0, 0, 0
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					if op.Extensions["x-extension"] == true {
						extensions++
					}
					if op.Responses.Status(401) != nil {
						unauthorized++
					}
					if op.Responses.Status(403) != nil {
						forbidden++
					}
					userID := op.Parameters.GetByInAndName("query", "user_id")
					discoverable := strings.HasSuffix(path, "/user-no-group") && method == "GET"
					is.Equal(userID != nil, tc.open && discoverable) // user_id is read in open mode only
					if userID != nil {
						is.True(userID.Required) // and required there
					}
				}
			}
			is.Equal(extensions > 0, tc.extensions)                                                   // extension routes are listed exactly when served
			is.Equal(unauthorized > 0, !tc.open)                                                      // 401 only with authentication
			is.Equal(forbidden > 0, !tc.open)                                                         // and 403
			is.Equal(strings.Contains(doc.Info.Description, "marked \"x-extension\""), tc.extensions) // the description says which

			if tc.open {
				is.Equal(len(doc.Security), 0)                                            // no security requirement
				is.True(doc.Components.SecuritySchemes == nil)                            // no scheme
				is.True(strings.Contains(doc.Info.Description, "without authentication")) // the description says so
			} else {
				is.Equal(len(doc.Security), 1) // one security requirement
				_, ok := doc.Security[0][tc.scheme]
				is.True(ok)                                      // naming the scheme
				is.Equal(len(doc.Components.SecuritySchemes), 1) // which is the only one
				s := doc.Components.SecuritySchemes[tc.scheme]
				is.True(s != nil)                               // declared under its name
				is.Equal(s.Value.BearerFormat, tc.bearerFormat) // JWT only for jwtauth
				h := doc.Components.Headers["WWW-Authenticate"].Value
				is.Equal(h.Example, tc.challenge) // the challenge is the example
				pattern := regexp.MustCompile(h.Schema.Value.Pattern)
				is.True(pattern.MatchString(tc.challenge))         // and matches the header's pattern
				is.True(!pattern.MatchString("Basic realm=\"x\"")) // which no other scheme matches
			}
			checkNoUnusedComponents(t, raw)
		})
	}
}

// TestServedDocumentChallenge checks that a 401 answer carries the
// challenge of the declared scheme, and matches the served document.
func TestServedDocumentChallenge(t *testing.T) {
	is := is.New(t)
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		return httpapi.Principal{}, httpapi.ErrUnauthenticated
	})
	e := newEnv(t, memstore.New(), envConfig{prefix: "/api", auth: auth, options: []httpapi.Option{httpapi.WithSecurityScheme(hostScheme)}})
	a := e.fx.a
	res := e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/groups"})
	orgErrorShape(t, res, http.StatusUnauthorized)
	is.Equal(res.header.Get("WWW-Authenticate"), hostScheme.Challenge) // the host's challenge
	res = e.do(t, request{method: "GET", path: "/workspaces/" + a.ws.String() + "/channel-groups", as: "whatever"})
	workspaceErrorShape(t, res, http.StatusUnauthorized, "unauthorized")
	is.Equal(res.header.Get("WWW-Authenticate"), hostScheme.Challenge) // also when credentials were refused, as it has no other

	withRealm := jwtSchemeWithRealm(t)
	e = newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithSecurityScheme(withRealm)}})
	res = e.do(t, request{method: "GET", path: "/organisations/" + e.fx.a.org.String() + "/groups"})
	is.Equal(res.status, http.StatusUnauthorized)                           // refused
	is.Equal(res.header.Get("WWW-Authenticate"), `Bearer realm="grouping"`) // the changed challenge
	res = e.do(t, request{method: "GET", path: "/organisations/" + e.fx.a.org.String() + "/groups", as: "bad"})
	is.Equal(res.status, http.StatusUnauthorized)                                                  // refused
	is.Equal(res.header.Get("WWW-Authenticate"), `Bearer realm="grouping", error="invalid_token"`) // for refused credentials
}

// jwtSchemeWithRealm is jwtauth's scheme with a realm in its challenges.
func jwtSchemeWithRealm(t *testing.T) httpapi.SecurityScheme {
	t.Helper()
	jwt, err := jwtauth.New(jwtauth.HS256([]byte("test secret of at least thirty-two bytes")))
	if err != nil {
		t.Fatal(err)
	}
	s := jwt.SecurityScheme()
	s.Challenge = `Bearer realm="grouping"`
	s.InvalidChallenge = `Bearer realm="grouping", error="invalid_token"`
	return s
}

func TestWithSecuritySchemeRefusesBadSchemes(t *testing.T) {
	auth := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) { return httpapi.Principal{}, nil })
	for name, s := range map[string]httpapi.SecurityScheme{
		"no name":               {Scheme: map[string]any{"type": "http"}, Challenge: "Bearer"},
		"name with a slash":     {Name: "a/b", Scheme: map[string]any{"type": "http"}, Challenge: "Bearer"},
		"no type":               {Name: "x", Scheme: map[string]any{"scheme": "bearer"}, Challenge: "Bearer"},
		"no challenge":          {Name: "x", Scheme: map[string]any{"type": "http"}},
		"challenge no token":    {Name: "x", Scheme: map[string]any{"type": "http"}, Challenge: `"quoted"`},
		"header injection":      {Name: "x", Scheme: map[string]any{"type": "http"}, Challenge: "Bearer\r\nX: y"},
		"bad invalid challenge": {Name: "x", Scheme: map[string]any{"type": "http"}, Challenge: "Bearer", InvalidChallenge: " x"},
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			_, err := httpapi.New(memstore.New(), httpapi.WithAuthenticator(auth), httpapi.WithSecurityScheme(s))
			is.True(err != nil) // refused by New
		})
	}
	is := is.New(t)
	_, err := httpapi.New(memstore.New(), httpapi.WithoutAuthentication(), httpapi.WithSecurityScheme(hostScheme))
	is.True(err != nil) // an open API has no scheme
}

// TestJWTSchemeIsTheEmbeddedOne checks that the package's document
// declares the scheme of jwtauth, so that it is the document of an API
// using jwtauth at the root with extensions.
func TestJWTSchemeIsTheEmbeddedOne(t *testing.T) {
	is := is.New(t)
	var doc struct {
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	is.NoErr(json.Unmarshal(httpapi.OpenAPI(), &doc)) // the document parses
	jwt, err := jwtauth.New(jwtauth.HS256([]byte("test secret of at least thirty-two bytes")))
	is.NoErr(err) // the authenticator is made
	s := jwt.SecurityScheme()
	is.Equal(doc.Components.SecuritySchemes, map[string]map[string]any{s.Name: s.Scheme}) // the same scheme
}

// checkNoUnusedComponents fails the test when the document has a
// component that nothing refers to.
func checkNoUnusedComponents(t *testing.T, raw []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	walkDocument(doc, "", func(_ string, v map[string]any) {
		if ref, ok := v["$ref"].(string); ok {
			refs[ref] = true
		}
	})
	security, _ := doc["security"].([]any)
	for _, r := range security {
		for name := range r.(map[string]any) {
			refs["#/components/securitySchemes/"+name] = true
		}
	}
	components, _ := doc["components"].(map[string]any)
	for kind, group := range components {
		for name := range group.(map[string]any) {
			if !refs["#/components/"+kind+"/"+name] {
				t.Errorf("component %s/%s is not used", kind, name)
			}
		}
	}
}

// walkDocument calls fn for every object of a parsed JSON document, with
// its JSON pointer.
func walkDocument(v any, pointer string, fn func(pointer string, v map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(pointer, v)
		for k, e := range v {
			walkDocument(e, pointer+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), fn)
		}
	case []any:
		for i, e := range v {
			walkDocument(e, fmt.Sprintf("%s/%d", pointer, i), fn)
		}
	}
}

func TestOpenAPINoUnusedComponents(t *testing.T) {
	checkNoUnusedComponents(t, httpapi.OpenAPI())
}

// TestOpenAPIForGenerators checks what client generators need: every enum
// says its type, so that narrowed fields keep it; nullable fields are a
// type list with null, not anyOf, which tools that convert to OpenAPI 3.0
// handle; every request body, every error and the success of every
// operation that has a body carries an example.
func TestOpenAPIForGenerators(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	walkDocument(doc, "", func(pointer string, v map[string]any) {
		if _, ok := v["enum"]; ok && v["type"] == nil {
			t.Errorf("%s: enum without a type", pointer)
		}
		for _, key := range []string{"anyOf", "oneOf"} {
			if _, ok := v[key]; ok {
				t.Errorf("%s: %s, which generators turn into untyped values", pointer, key)
			}
		}
		if strings.HasSuffix(pointer, "/requestBody/content/application~1json") && v["example"] == nil {
			t.Errorf("%s: request body without an example", pointer)
		}
		if strings.HasPrefix(pointer, "/components/responses/") && strings.HasSuffix(pointer, "/content/application~1json") && v["example"] == nil {
			t.Errorf("%s: error without an example", pointer)
		}
		if strings.HasPrefix(pointer, "/paths/") && regexp.MustCompile(`/responses/200/content/application~1json$`).MatchString(pointer) &&
			!strings.HasPrefix(pointer, "/paths/~1openapi.json/") && v["example"] == nil {
			t.Errorf("%s: success without an example", pointer)
		}
	})
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, f := range []struct{ schema, field, format string }{
		{"Channel", "group_id", "uuid"},
		{"Channel", "deleted_at", "date-time"},
		{"Group", "deleted_at", "date-time"},
	} {
		t.Run(f.schema+"."+f.field, func(t *testing.T) {
			is := is.New(t)
			p := schemas[f.schema].(map[string]any)["properties"].(map[string]any)[f.field].(map[string]any)
			is.Equal(p["type"], []any{"string", "null"}) // a string or null
			is.Equal(p["format"], f.format)              // of its format
		})
	}
}

// TestOpenAPIExamplesAreValid checks every example of a request or
// response body against the body's schema.
func TestOpenAPIExamplesAreValid(t *testing.T) {
	raw := httpapi.OpenAPI()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	resource, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	const base = "urn:test:openapi"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(base, resource); err != nil {
		t.Fatal(err)
	}
	checked := 0
	walkDocument(doc, "", func(pointer string, v map[string]any) {
		example, ok := v["example"]
		if !ok || v["schema"] == nil {
			return
		}
		checked++
		t.Run(pointer, func(t *testing.T) {
			is := is.New(t)
			s, err := c.Compile(base + "#" + (&url.URL{Fragment: pointer + "/schema"}).EscapedFragment())
			is.NoErr(err) // the schema compiles
			b, err := json.Marshal(example)
			is.NoErr(err) // the example is JSON
			value, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			is.NoErr(err)               // which the validator reads
			is.NoErr(s.Validate(value)) // the example is valid
		})
	})
	is := is.New(t)
	is.True(checked >= 45) // every request body, core success and error has one
}

func TestOpenAPIInfo(t *testing.T) {
	is := is.New(t)
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI())
	is.NoErr(err)                                           // no error
	is.Equal(doc.Info.License.Name, "MIT")                  // the licence
	is.True(doc.Info.License.URL != "")                     // with its text
	is.Equal(doc.Info.Contact.Name, "The grouping authors") // a contact
	is.True(doc.Info.Contact.URL != "")                     // with an address
}

// TestOpenAPIServedVariantsMatchRoutes checks, over HTTP, that every
// operation of each served document is answered by its API: without
// credentials a served route answers 401.
func TestOpenAPIServedVariantsMatchRoutes(t *testing.T) {
	for _, tc := range documentCases(t) {
		if tc.open {
			continue // in open mode there is no 401 to tell a route by
		}
		t.Run(tc.name, func(t *testing.T) {
			api, err := httpapi.New(memstore.New(), append([]httpapi.Option{httpapi.WithPrefix(tc.prefix)}, tc.options...)...)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
			if err != nil {
				t.Fatal(err)
			}
			for path, item := range doc.Paths.Map() {
				for method := range item.Operations() {
					if path == "/openapi.json" {
						continue
					}
					rec := httptest.NewRecorder()
					api.ServeHTTP(rec, httptest.NewRequest(method, tc.prefix+withIDs(path), nil))
					if rec.Code != http.StatusUnauthorized {
						t.Errorf("%s %s: status %d, want 401", method, path, rec.Code)
					}
				}
			}
		})
	}
}
