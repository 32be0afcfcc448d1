package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/internal/openapitest"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// storeCase opens one kind of store for a test.
type storeCase struct {
	name string
	open func(t testing.TB) grouping.Store
}

// storeCases lists every store the HTTP API is tested against.
func storeCases() []storeCase {
	return []storeCase{
		{"memstore", func(t testing.TB) grouping.Store { return memstore.New() }},
		{"sqlite", func(t testing.TB) grouping.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "grouping.db"))
			if err != nil {
				t.Fatalf("open sqlite store: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
}

// forEachStore runs fn once per store as a subtest.
func forEachStore(t *testing.T, fn func(t *testing.T, store grouping.Store)) {
	for _, sc := range storeCases() {
		t.Run(sc.name, func(t *testing.T) { fn(t, sc.open(t)) })
	}
}

// env is a running API over a store seeded with the fixture, and the one
// way tests talk to it: every response goes through env.do, which checks it
// against the OpenAPI document.
type env struct {
	store  grouping.Store
	api    *httpapi.API
	srv    *httptest.Server
	prefix string
	check  *openapitest.Validator
	creds  *credentials
	fx     fixture
	logs   *syncBuffer
}

// envConfig tunes newEnv.
type envConfig struct {
	prefix  string
	options []httpapi.Option
	// open serves the API WithoutAuthentication.
	open bool
	// noFixture leaves the store empty.
	noFixture bool
	// direct serves the API as its own http.Handler instead of
	// registering it on a mux.
	direct bool
	// auth replaces the tests' JWT authenticator.
	auth httpapi.Authenticator
}

// newEnv seeds store with the fixture and serves it with authentication
// from testCredentials.
func newEnv(t testing.TB, store grouping.Store, cfg envConfig) *env {
	t.Helper()
	e := &env{store: store, prefix: cfg.prefix, creds: testCredentials(t), logs: &syncBuffer{}}
	if !cfg.noFixture {
		e.fx = seed(t, store)
	}
	opts := []httpapi.Option{
		httpapi.WithPrefix(cfg.prefix),
		httpapi.WithLogger(slog.New(slog.NewTextHandler(e.logs, nil))),
	}
	if cfg.open {
		opts = append(opts, httpapi.WithoutAuthentication())
	} else if cfg.auth != nil {
		opts = append(opts, httpapi.WithAuthenticator(cfg.auth))
	} else {
		opts = append(opts, httpapi.WithAuthenticator(e.creds.auth))
	}
	api, err := httpapi.New(store, append(opts, cfg.options...)...)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	e.api = api
	if cfg.direct {
		e.srv = httptest.NewServer(api)
	} else {
		mux := http.NewServeMux()
		api.Register(mux)
		e.srv = httptest.NewServer(mux)
	}
	t.Cleanup(e.srv.Close)
	e.check, err = validator(servedDocument(t, e.srv.URL+cfg.prefix), cfg.prefix)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	return e
}

// servedDocument fetches the OpenAPI document an API serves at base:
// responses are checked against the document as served.
func servedDocument(t testing.TB, base string) []byte {
	t.Helper()
	res, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatalf("fetch OpenAPI document: %v", err)
	}
	defer res.Body.Close()
	doc, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("fetch OpenAPI document: status %d, %v", res.StatusCode, err)
	}
	return doc
}

// validators caches a Validator per document and prefix: making one
// compiles every schema of the document, which is slow, and a Validator is
// safe for concurrent use.
var validators sync.Map // [2]string{doc, prefix} → *openapitest.Validator

// validator returns a Validator for doc, an API's document served under
// prefix, whose server URL must be that prefix ("/" for none).
func validator(doc []byte, prefix string) (*openapitest.Validator, error) {
	key := [2]string{string(doc), prefix}
	if v, ok := validators.Load(key); ok {
		return v.(*openapitest.Validator), nil
	}
	var head struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return nil, err
	}
	want := prefix
	if want == "" {
		want = "/"
	}
	if len(head.Servers) != 1 || head.Servers[0].URL != want {
		return nil, fmt.Errorf("the document's servers are %+v, want one whose URL is the prefix %q", head.Servers, want)
	}
	v, err := openapitest.New(doc, openapitest.WithPrefix(prefix))
	if err != nil {
		return nil, err
	}
	validators.Store(key, v)
	return v, nil
}

// request is one HTTP request of a test.
type request struct {
	method string
	path   string // below the prefix, with query
	// body is sent as is when it is a string, []byte or io.Reader (the
	// last without Content-Length), as JSON otherwise; nil sends no body.
	body   any
	header map[string]string
	// lines are header lines added as they are, for a header sent on
	// several lines or with an empty value.
	lines http.Header
	// as is the token sent as a bearer credential; empty sends none.
	as string
}

// response is what the API answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body as a JSON object.
func (r response) json() map[string]any {
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		return map[string]any{"<invalid JSON>": string(r.body)}
	}
	return m
}

// do sends req and checks the response against the OpenAPI document. It
// is safe for concurrent use; failures are reported with t.Errorf.
func (e *env) do(t testing.TB, req request) response {
	t.Helper()
	var body io.Reader
	switch b := req.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	case io.Reader:
		body = b // sent chunked: its length is unknown
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Errorf("marshal request body: %v", err)
			return response{}
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(req.method, e.srv.URL+e.prefix+req.path, body)
	if err != nil {
		t.Errorf("new request %s %s: %v", req.method, req.path, err)
		return response{}
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}
	for k, vs := range req.lines {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if req.as != "" {
		hr.Header.Set("Authorization", "Bearer "+req.as)
	}
	res, err := noRedirects(e.srv.Client()).Do(hr)
	if err != nil {
		t.Errorf("%s %s: %v", req.method, req.path, err)
		return response{}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", req.method, req.path, err)
	}
	out := response{status: res.StatusCode, header: res.Header, body: b}
	switch {
	case isMuxRedirect(res):
		// http.ServeMux answers unclean paths with a redirect before any
		// route (and so the API) sees the request.
	default:
		if err := e.check.Check(hr, res.StatusCode, res.Header, b); err != nil {
			t.Errorf("OpenAPI: %v\nbody: %s", err, b)
		}
		if len(b) > 0 && res.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type %q, want application/json", req.method, req.path, res.Header.Get("Content-Type"))
		}
	}
	return out
}

func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

func isMuxRedirect(res *http.Response) bool {
	return (res.StatusCode == http.StatusMovedPermanently || res.StatusCode == http.StatusTemporaryRedirect || res.StatusCode == http.StatusPermanentRedirect) &&
		res.Header.Get("Location") != ""
}

// credentials issues the bearer tokens of the tests and authenticates them.
type credentials struct {
	auth httpapi.Authenticator
	// valid returns a token for p.
	valid func(p httpapi.Principal) string
	// bad lists tokens that must be refused, by what is wrong with them.
	bad map[string]string
}

// testCredentials returns the tests' credentials: HS256 JWTs checked by
// jwtauth, and tokens it must refuse (expired, signed with another key,
// alg none, tampered with, malformed).
func testCredentials(t testing.TB) *credentials {
	t.Helper()
	secret := []byte("test secret of at least thirty-two bytes")
	auth, err := jwtauth.New(jwtauth.HS256(secret))
	if err != nil {
		t.Fatalf("jwtauth.New: %v", err)
	}
	signer, err := jwtauth.NewHS256Signer(secret)
	if err != nil {
		t.Fatalf("jwtauth.NewHS256Signer: %v", err)
	}
	past, err := jwtauth.NewHS256Signer(secret, jwtauth.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
	if err != nil {
		t.Fatalf("jwtauth.NewHS256Signer: %v", err)
	}
	other, err := jwtauth.NewHS256Signer([]byte("another secret, also thirty-two bytes"))
	if err != nil {
		t.Fatalf("jwtauth.NewHS256Signer: %v", err)
	}
	sign := func(s *jwtauth.Signer, p httpapi.Principal) string {
		tok, err := s.Sign(p, time.Hour)
		if err != nil {
			t.Fatalf("sign token: %v", err)
		}
		return tok
	}
	// The principal the bad tokens would name.
	p := httpapi.Principal{UserID: uuid.New()}
	valid := sign(signer, p)
	parts := strings.Split(valid, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	none := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	tampered := parts[0] + "." + b64([]byte(`{"sub":"`+p.UserID.String()+`","exp":4102444800,"organisations":[],"workspaces":[]}`)) + "." + parts[2]
	return &credentials{
		auth:  auth,
		valid: func(p httpapi.Principal) string { return sign(signer, p) },
		bad: map[string]string{
			"expired":   sign(past, p),
			"wrong key": sign(other, p),
			"alg none":  none,
			"tampered":  tampered,
			"malformed": "not.a.jwt",
			"garbage":   "!!!",
		},
	}
}

// tenant is one organisation and one workspace of the fixture with data in
// them.
type tenant struct {
	org       uuid.UUID
	ws        uuid.UUID
	user      uuid.UUID // member of channels[0]
	token     string    // user's token, allowed in org and ws
	service   string    // a service principal's token, allowed in org and ws
	groups    []uuid.UUID
	channels  []uuid.UUID // [0],[1] in groups[0]; [2] ungrouped; [3] archived, ungrouped
	chGroup   uuid.UUID   // channel group of ws holding wsChannel
	wsChannel uuid.UUID   // a channel attached in ws
	archived  uuid.UUID   // an archived group
}

// fixture holds two tenants, A and B.
type fixture struct {
	a, b tenant
}

// seed fills store with two tenants.
func seed(t testing.TB, store grouping.Store) fixture {
	t.Helper()
	return fixture{a: seedTenant(t, store, "A"), b: seedTenant(t, store, "B")}
}

func seedTenant(t testing.TB, store grouping.Store, name string) tenant {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
	}
	tn := tenant{org: uuid.New(), ws: uuid.New(), user: uuid.New()}
	_, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: tn.org, Name: "Org " + name})
	must(err)
	for i := range 4 {
		ch := grouping.ChannelUpsert{
			ID: uuid.New(), OrganisationID: tn.org, Name: fmt.Sprintf("%s-channel-%d", name, i),
			Description: "channel", OwnerID: tn.user, MessageCount: int64(i), Archived: i == 3,
		}
		if i == 0 {
			ch.Users = []uuid.UUID{tn.user, uuid.New()}
		}
		_, err := store.UpsertChannel(ctx, ch)
		must(err)
		tn.channels = append(tn.channels, ch.ID)
	}
	for i := range 2 {
		g, err := store.CreateGroup(ctx, tn.org, grouping.NewGroup{Name: fmt.Sprintf("%s-group-%d", name, i), Description: "group"})
		must(err)
		tn.groups = append(tn.groups, g.ID)
	}
	g, err := store.CreateGroup(ctx, tn.org, grouping.NewGroup{Name: name + "-archived"})
	must(err)
	archived := true
	_, err = store.UpdateGroup(ctx, tn.org, g.ID, grouping.GroupUpdate{Archived: &archived})
	must(err)
	tn.archived = g.ID
	must(store.AssignChannel(ctx, tn.org, tn.groups[0], tn.channels[0]))
	must(store.AssignChannel(ctx, tn.org, tn.groups[0], tn.channels[1]))
	tn.wsChannel = uuid.New()
	cg, err := store.AttachChannel(ctx, tn.ws, tn.wsChannel, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "account-" + name, PlatformGroupName: "Account " + name})
	must(err)
	tn.chGroup = cg.ID
	return tn
}

// withTokens gives each tenant's user a token for its own tenants, and
// each tenant a service principal's token for them (which may write the
// mirror).
func (e *env) withTokens() {
	for _, tn := range []*tenant{&e.fx.a, &e.fx.b} {
		tn.token = e.creds.valid(httpapi.Principal{UserID: tn.user, Organisations: []uuid.UUID{tn.org}, Workspaces: []uuid.UUID{tn.ws}})
		tn.service = e.creds.valid(httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, Organisations: []uuid.UUID{tn.org}, Workspaces: []uuid.UUID{tn.ws}})
	}
}

// mirrorRoute reports whether method and path (below the prefix, without
// query) are one of the mirror routes, which need a service principal.
func mirrorRoute(method, path string) bool {
	return (method == "PUT" || method == "DELETE") && mirrorPath.MatchString(path)
}

var mirrorPath = regexp.MustCompile(`^/organisations/[^/]+(/channels/[^/]+(/users/[^/]+)?)?$`)

// snapshot returns what the store shows about the tenants, so that a test
// can check that a request changed nothing: every group (with version and
// channels), every ungrouped channel, each seeded channel with its members
// and group, and the workspace's channel groups. (Organisation names are
// not readable through a Store.)
func snapshot(t testing.TB, store grouping.Store, tenants ...tenant) string {
	t.Helper()
	ctx := context.Background()
	var out []any
	rec := func(what string, v any, err error) {
		if err != nil {
			out = append(out, what+": "+string(grouping.ErrorCode(err)))
			return
		}
		out = append(out, map[string]any{what: v})
	}
	for _, tn := range tenants {
		groups, err := store.ListGroups(ctx, tn.org, grouping.ListGroupsOptions{IncludeChannels: true})
		rec("groups", groups, err)
		var versions []int64
		for _, g := range groups.Items {
			versions = append(versions, g.Version)
		}
		rec("versions", versions, nil)
		ungrouped, err := store.ListUngroupedChannels(ctx, tn.org, grouping.ListChannelsOptions{IncludeArchived: true})
		rec("ungrouped", ungrouped, err)
		for _, id := range tn.channels {
			ch, err := store.GetChannel(ctx, tn.org, id)
			rec("channel", ch, err)
		}
		cgs, err := store.ListChannelGroups(ctx, tn.ws, grouping.ListChannelGroupsOptions{})
		rec("channel groups", cgs, err)
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return string(b)
}

// assertUnchanged fails the test when the store shows something else than
// the snapshot before.
func assertUnchanged(t testing.TB, before, after string) {
	t.Helper()
	if before != after {
		t.Errorf("stored state changed:\nbefore: %s\nafter: %s", before, after)
	}
}

// orgEnvelope checks the organisation success envelope and returns it.
func orgEnvelope(t testing.TB, res response, message string) map[string]any {
	t.Helper()
	is := is.NewRelaxed(t)
	m := res.json()
	is.Equal(res.status, http.StatusOK)                // status
	is.Equal(m["status"], "success")                   // envelope status
	is.Equal(m["status_code"], float64(http.StatusOK)) // envelope status_code
	is.Equal(m["message"], message)                    // message word for word
	return m
}

// orgErrorShape checks the organisation error envelope.
func orgErrorShape(t testing.TB, res response, status int) map[string]any {
	t.Helper()
	is := is.NewRelaxed(t)
	m := res.json()
	is.Equal(res.status, status)                // status
	is.Equal(m["status"], "error")              // envelope status
	is.Equal(m["status_code"], float64(status)) // envelope status_code
	msg, _ := m["message"].(string)
	is.True(msg != "") // a message
	_, hasData := m["data"]
	is.True(!hasData) // no data in errors
	return m
}

// workspaceErrorShape checks the workspace error body.
func workspaceErrorShape(t testing.TB, res response, status int, code string) map[string]any {
	t.Helper()
	is := is.NewRelaxed(t)
	m := res.json()
	is.Equal(res.status, status) // status
	is.Equal(m["code"], code)    // error code
	msg, _ := m["message"].(string)
	is.True(msg != "")  // a message
	is.Equal(len(m), 2) // only code and message
	return m
}

// syncBuffer is a bytes.Buffer safe for concurrent writers, for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
