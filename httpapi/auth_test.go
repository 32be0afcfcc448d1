package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func TestCustomAuthoriser(t *testing.T) {
	is := is.New(t)
	readOnly := httpapi.AuthoriserFunc(func(r *http.Request, p httpapi.Principal, tn httpapi.Tenant) error {
		if r.Method != http.MethodGet {
			return errors.New("policy: read only: " + httpapi.ErrForbidden.Error())
		}
		return httpapi.MemberAuthoriser{}.Authorise(r, p, tn)
	})
	e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithAuthoriser(readOnly)}})
	e.withTokens()
	a := e.fx.a
	org := "/organisations/" + a.org.String()
	before := snapshot(t, e.store, a)

	res := e.do(t, request{method: "GET", path: org + "/groups", as: a.token})
	orgEnvelope(t, res, "Groups fetched successfully") // reads allowed

	res = e.do(t, request{method: "GET", path: "/organisations/" + e.fx.b.org.String() + "/groups", as: a.token})
	orgErrorShape(t, res, http.StatusForbidden) // still only A's organisation

	res = e.do(t, request{method: "POST", path: org + "/groups", body: `{"name":"x"}`, as: a.token})
	m := orgErrorShape(t, res, http.StatusInternalServerError)      // an error that is not ErrForbidden is internal
	is.Equal(m["message"], "Internal server error")                 // without detail
	is.True(strings.Contains(e.logs.String(), "policy: read only")) // logged

	deny := httpapi.AuthoriserFunc(func(*http.Request, httpapi.Principal, httpapi.Tenant) error {
		return errors.Join(errors.New("policy"), httpapi.ErrForbidden)
	})
	e2 := newEnv(t, e.store, envConfig{noFixture: true, options: []httpapi.Option{httpapi.WithAuthoriser(deny)}})
	res = e2.do(t, request{method: "DELETE", path: "/workspaces/" + a.ws.String() + "/channel-groups/" + a.chGroup.String(), as: a.token})
	workspaceErrorShape(t, res, http.StatusForbidden, "forbidden") // a wrapped ErrForbidden denies
	assertUnchanged(t, before, snapshot(t, e.store, a))
}

func TestAuthenticatorFailures(t *testing.T) {
	is := is.New(t)
	broken := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) {
		return httpapi.Principal{}, errors.New("identity service unreachable at 10.0.0.7")
	})
	e := newEnv(t, memstore.New(), envConfig{auth: broken})
	org := "/organisations/" + e.fx.a.org.String()
	res := e.do(t, request{method: "GET", path: org + "/groups", as: "anything"})
	orgErrorShape(t, res, http.StatusInternalServerError)    // an authenticator failure is internal
	is.True(!strings.Contains(string(res.body), "10.0.0.7")) // without detail
	is.True(strings.Contains(e.logs.String(), "10.0.0.7"))   // but logged

	// A service account: tenants, but no user.
	serviceAccount := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) {
		return httpapi.Principal{Organisations: []uuid.UUID{e.fx.a.org}}, nil
	})
	e2 := newEnv(t, e.store, envConfig{noFixture: true, auth: serviceAccount})
	res = e2.do(t, request{method: "GET", path: org + "/groups/channels/user-no-group"})
	orgErrorShape(t, res, http.StatusForbidden) // discoverable channels need a user
	res = e2.do(t, request{method: "GET", path: org + "/groups/channels/no-group"})
	orgEnvelope(t, res, "Channels not in group fetched successfully") // other routes do not
}

func TestServeHTTPAndContentType(t *testing.T) {
	is := is.New(t)
	e := newEnv(t, memstore.New(), envConfig{direct: true, prefix: "/v1"})
	e.withTokens()
	a := e.fx.a
	org := "/organisations/" + a.org.String()

	res := e.do(t, request{method: "POST", path: org + "/groups", body: `{"name":"no type"}`, header: map[string]string{"Content-Type": ""}, as: a.token})
	orgEnvelope(t, res, "Group created successfully") // a body without Content-Type is read as JSON

	res = e.do(t, request{method: "POST", path: org + "/groups", body: `{"name":"with charset"}`, header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, as: a.token})
	orgEnvelope(t, res, "Group created successfully") // charset UTF-8 is fine

	res = e.do(t, request{method: "GET", path: "/nothing", as: a.token})
	orgErrorShape(t, res, http.StatusNotFound) // the API's own mux answers under its prefix

	res = e.do(t, request{method: "GET", path: "/openapi.json"})
	is.Equal(res.status, http.StatusOK) // and serves the document
}
