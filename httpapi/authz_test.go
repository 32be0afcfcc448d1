package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// matrixPrincipal is one row of the authorisation matrix: a principal
// acting in tenant A, and the actions the default policy allows it there.
type matrixPrincipal struct {
	name string
	of   func(a, b tenant) httpapi.Principal
	// allowed lists the actions allowed in A; adminAllowed those allowed
	// WithAdminGroupWrites.
	allowed, adminAllowed []httpapi.Action
}

var (
	allActions    = []httpapi.Action{httpapi.ActionRead, httpapi.ActionWriteGroups, httpapi.ActionWriteChannelGroups, httpapi.ActionWriteMirror}
	memberActions = []httpapi.Action{httpapi.ActionRead, httpapi.ActionWriteGroups, httpapi.ActionWriteChannelGroups}
	readerActions = []httpapi.Action{httpapi.ActionRead, httpapi.ActionWriteChannelGroups}
)

func matrixPrincipals() []matrixPrincipal {
	member := func(tn tenant, roles ...string) httpapi.Principal {
		return httpapi.Principal{UserID: uuid.New(), Roles: roles, Organisations: []uuid.UUID{tn.org}, Workspaces: []uuid.UUID{tn.ws}}
	}
	return []matrixPrincipal{
		{"user", func(a, _ tenant) httpapi.Principal { p := member(a); p.UserID = a.user; return p }, memberActions, readerActions},
		{"admin", func(a, _ tenant) httpapi.Principal { return member(a, httpapi.RoleAdmin) }, memberActions, memberActions},
		{"service", func(a, _ tenant) httpapi.Principal { return member(a, httpapi.RoleService) }, allActions, allActions},
		{"service for all tenants", func(_, _ tenant) httpapi.Principal {
			return httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, AllTenants: true}
		}, allActions, allActions},
		{"other tenant's user", func(_, b tenant) httpapi.Principal { p := member(b); p.UserID = b.user; return p }, nil, nil},
		{"other tenant's admin", func(_, b tenant) httpapi.Principal { return member(b, httpapi.RoleAdmin) }, nil, nil},
		{"other tenant's service", func(_, b tenant) httpapi.Principal { return member(b, httpapi.RoleService) }, nil, nil},
		{"all tenants without the service role", func(_, _ tenant) httpapi.Principal {
			return httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleAdmin}, AllTenants: true}
		}, nil, nil},
	}
}

// matrixRequests gives, by operationId, a request in tenant A that succeeds
// on a freshly seeded store, and its success status.
func matrixRequests(a tenant) map[string]struct {
	req    request
	status int
} {
	org := "/organisations/" + a.org.String()
	ws := "/workspaces/" + a.ws.String()
	g0, g1 := a.groups[0].String(), a.groups[1].String()
	ch0, ch1, ch2 := a.channels[0].String(), a.channels[1].String(), a.channels[2].String()
	type r = struct {
		req    request
		status int
	}
	return map[string]r{
		"createGroup":              {request{method: "POST", path: org + "/groups", body: `{"name":"New group"}`}, 200},
		"listGroups":               {request{method: "GET", path: org + "/groups"}, 200},
		"getGroup":                 {request{method: "GET", path: org + "/groups/" + g0}, 200},
		"updateGroup":              {request{method: "PATCH", path: org + "/groups/" + g1, body: `{"name":"Renamed"}`}, 200},
		"deleteGroup":              {request{method: "DELETE", path: org + "/groups/" + g1}, 200},
		"assignGroupChannel":       {request{method: "POST", path: org + "/groups/" + g1 + "/channels/" + ch2}, 200},
		"removeGroupChannel":       {request{method: "DELETE", path: org + "/groups/" + g0 + "/channels/" + ch0}, 200},
		"moveGroupChannel":         {request{method: "PATCH", path: org + "/groups/" + g1 + "/channels/" + ch0}, 200},
		"assignGroupChannels":      {request{method: "POST", path: org + "/groups/" + g1 + "/channels", body: map[string]any{"channels": []string{ch2}}}, 200},
		"removeGroupChannels":      {request{method: "DELETE", path: org + "/groups/" + g0 + "/channels", body: map[string]any{"channels": []string{ch1, ch0}}}, 200},
		"moveGroupChannels":        {request{method: "PATCH", path: org + "/groups/" + g1 + "/channels", body: map[string]any{"channels": []string{ch0, ch2}}}, 200},
		"listGroupChannels":        {request{method: "GET", path: org + "/groups/" + g0 + "/channels"}, 200},
		"listUngroupedChannels":    {request{method: "GET", path: org + "/groups/channels/no-group"}, 200},
		"listDiscoverableChannels": {request{method: "GET", path: org + "/groups/channels/user-no-group"}, 200},
		"upsertOrganisation":       {request{method: "PUT", path: org, body: `{"name":"Renamed organisation"}`}, 200},
		"getChannel":               {request{method: "GET", path: org + "/channels/" + ch0}, 200},
		"upsertChannel":            {request{method: "PUT", path: org + "/channels/" + uuid.NewString(), body: `{"name":"new","owner_id":"` + a.user.String() + `"}`}, 200},
		"deleteChannel":            {request{method: "DELETE", path: org + "/channels/" + ch2}, 200},
		"addChannelMember":         {request{method: "PUT", path: org + "/channels/" + ch2 + "/users/" + uuid.NewString()}, 200},
		"removeChannelMember":      {request{method: "DELETE", path: org + "/channels/" + ch0 + "/users/" + a.user.String()}, 200},
		"reorderGroups":            {request{method: "PUT", path: org + "/groups/order", body: map[string]any{"group_ids": []string{a.archived.String(), g1, g0}}}, 200},
		"reorderGroupChannels":     {request{method: "PUT", path: org + "/groups/" + g0 + "/channels/order", body: map[string]any{"channel_ids": []string{ch1, ch0}}}, 200},
		"listChannelGroups":        {request{method: "GET", path: ws + "/channel-groups"}, 200},
		"getChannelGroup":          {request{method: "GET", path: ws + "/channel-groups/" + a.chGroup.String()}, 200},
		"deleteChannelGroup":       {request{method: "DELETE", path: ws + "/channel-groups/" + a.chGroup.String()}, 204},
		"attachChannel":            {request{method: "PUT", path: ws + "/channels/" + uuid.NewString() + "/channel-group", body: `{"platformId":"whatsapp","platformGroupId":"account-2"}`}, 200},
		"detachChannel":            {request{method: "DELETE", path: ws + "/channels/" + a.wsChannel.String() + "/channel-group"}, 204},
		"listOrganisationEvents":   {request{method: "GET", path: org + "/events?after=1&limit=5"}, 200},
		"listWorkspaceEvents":      {request{method: "GET", path: ws + "/events"}, 200},
	}
}

// TestAuthorisationMatrix sends every operation of the OpenAPI document as
// every kind of principal, under the default policy and with
// WithAdminGroupWrites, each on a freshly seeded store. The action an
// operation is allowed or refused by is the document's x-action, so the
// document is checked too. An allowed request succeeds; a refused one is
// 403 and leaves the store as it was: the same dump through the Store's
// list and get methods, and no write method called at all.
func TestAuthorisationMatrix(t *testing.T) {
	doc := loadOpenAPI(t)
	actions := map[string]httpapi.Action{}
	for _, a := range allActions {
		actions[a.String()] = a
	}
	operations := 0
	for path, item := range doc.Paths.Map() {
		if path == "/openapi.json" {
			continue
		}
		for method, op := range item.Operations() {
			operations++
			name, _ := op.Extensions["x-action"].(string)
			action, ok := actions[name]
			if !ok {
				t.Errorf("%s %s: x-action %q is not one of read, write-groups, write-channel-groups, write-mirror", method, path, name)
				continue
			}
			for _, adminGroupWrites := range []bool{false, true} {
				for _, mp := range matrixPrincipals() {
					allowed := mp.allowed
					cfg := "default policy"
					var opts []httpapi.Option
					if adminGroupWrites {
						allowed, cfg = mp.adminAllowed, "admin group writes"
						opts = append(opts, httpapi.WithAdminGroupWrites())
					}
					t.Run(cfg+"/"+op.OperationID+"/"+mp.name, func(t *testing.T) {
						matrixCase(t, op.OperationID, action, mp, slices.Contains(allowed, action), opts)
					})
				}
			}
		}
	}
	is := is.New(t)
	is.Equal(operations, len(matrixRequests(tenant{groups: make([]uuid.UUID, 2), channels: make([]uuid.UUID, 3)}))) // every operation has a request, and every request an operation
}

func matrixCase(t *testing.T, operationID string, action httpapi.Action, mp matrixPrincipal, allowed bool, opts []httpapi.Option) {
	is := is.New(t)
	store := &writeCounter{Store: memstore.New()}
	var who httpapi.Principal
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		if r.Header.Get("Authorization") != "Bearer "+mp.name {
			return httpapi.Principal{}, httpapi.ErrUnauthenticated
		}
		return who, nil
	})
	e := newEnv(t, store, envConfig{auth: auth, options: opts})
	who = mp.of(e.fx.a, e.fx.b)
	call, ok := matrixRequests(e.fx.a)[operationID]
	if !ok {
		t.Fatalf("no request for operation %s", operationID)
	}
	req := call.req
	req.as = mp.name
	before := snapshot(t, store, e.fx.a, e.fx.b)
	store.writes.Store(0)

	res := e.do(t, req)
	if allowed {
		is.Equal(res.status, call.status) // the action is allowed and succeeds
		return
	}
	var m map[string]any
	if strings.HasPrefix(req.path, "/workspaces/") {
		m = workspaceErrorShape(t, res, http.StatusForbidden, "forbidden") // refused
	} else {
		m = orgErrorShape(t, res, http.StatusForbidden) // refused
	}
	msg := m["message"].(string)
	if slices.Contains(mp.allowed, httpapi.ActionRead) {
		is.True(strings.Contains(msg, "role")) // a principal of the tenant is told which role is missing
	} else {
		is.True(strings.HasPrefix(msg, "You do not have access")) // a stranger is told about the tenant
	}
	is.Equal(store.writes.Load(), int64(0))                        // no write reached the store
	assertUnchanged(t, before, snapshot(t, store, e.fx.a, e.fx.b)) // and the store shows the same
}

// writeCounter counts the calls of a store's write methods. The API reads
// events from the store it wraps, through Unwrap: reading them writes
// nothing.
type writeCounter struct {
	grouping.Store
	writes atomic.Int64
}

func (s *writeCounter) Unwrap() grouping.Store { return s.Store }

func (s *writeCounter) UpsertOrganisation(ctx context.Context, o grouping.Organisation) (grouping.Organisation, error) {
	s.writes.Add(1)
	return s.Store.UpsertOrganisation(ctx, o)
}

func (s *writeCounter) UpsertChannel(ctx context.Context, c grouping.ChannelUpsert) (grouping.Channel, error) {
	s.writes.Add(1)
	return s.Store.UpsertChannel(ctx, c)
}

func (s *writeCounter) DeleteChannel(ctx context.Context, org, ch uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.DeleteChannel(ctx, org, ch)
}

func (s *writeCounter) AddChannelMember(ctx context.Context, org, ch, user uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.AddChannelMember(ctx, org, ch, user)
}

func (s *writeCounter) RemoveChannelMember(ctx context.Context, org, ch, user uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.RemoveChannelMember(ctx, org, ch, user)
}

func (s *writeCounter) CreateGroup(ctx context.Context, org uuid.UUID, g grouping.NewGroup) (grouping.Group, error) {
	s.writes.Add(1)
	return s.Store.CreateGroup(ctx, org, g)
}

func (s *writeCounter) UpdateGroup(ctx context.Context, org, group uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	s.writes.Add(1)
	return s.Store.UpdateGroup(ctx, org, group, u)
}

func (s *writeCounter) DeleteGroup(ctx context.Context, org, group uuid.UUID, ifVersion int64) error {
	s.writes.Add(1)
	return s.Store.DeleteGroup(ctx, org, group, ifVersion)
}

func (s *writeCounter) ReorderGroups(ctx context.Context, org uuid.UUID, ids []uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.ReorderGroups(ctx, org, ids)
}

func (s *writeCounter) AssignChannel(ctx context.Context, org, group, ch uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.AssignChannel(ctx, org, group, ch)
}

func (s *writeCounter) RemoveChannel(ctx context.Context, org, group, ch uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.RemoveChannel(ctx, org, group, ch)
}

func (s *writeCounter) MoveChannel(ctx context.Context, org, group, ch uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.MoveChannel(ctx, org, group, ch)
}

func (s *writeCounter) AssignChannels(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.AssignChannels(ctx, org, group, ids)
}

func (s *writeCounter) RemoveChannels(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.RemoveChannels(ctx, org, group, ids)
}

func (s *writeCounter) MoveChannels(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.MoveChannels(ctx, org, group, ids)
}

func (s *writeCounter) ReorderGroupChannels(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.ReorderGroupChannels(ctx, org, group, ids)
}

func (s *writeCounter) AttachChannel(ctx context.Context, ws, ch uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	s.writes.Add(1)
	return s.Store.AttachChannel(ctx, ws, ch, a)
}

func (s *writeCounter) DetachChannel(ctx context.Context, ws, ch uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.DetachChannel(ctx, ws, ch)
}

func (s *writeCounter) DeleteChannelGroup(ctx context.Context, ws, cg uuid.UUID) error {
	s.writes.Add(1)
	return s.Store.DeleteChannelGroup(ctx, ws, cg)
}

// TestPolicyOptions checks how WithPolicy, WithAuthoriser and
// WithAdminGroupWrites combine, and what a policy is told.
func TestPolicyOptions(t *testing.T) {
	store := memstore.New()
	auth := httpapi.AuthenticatorFunc(func(*http.Request) (httpapi.Principal, error) { return httpapi.Principal{}, nil })
	allow := httpapi.PolicyFunc(func(*http.Request, httpapi.Principal, httpapi.Access) error { return nil })
	for _, tc := range []struct {
		name string
		opts []httpapi.Option
	}{
		{"policy and authoriser", []httpapi.Option{httpapi.WithPolicy(allow), httpapi.WithAuthoriser(httpapi.MemberAuthoriser{})}},
		{"authoriser and policy", []httpapi.Option{httpapi.WithAuthoriser(httpapi.MemberAuthoriser{}), httpapi.WithPolicy(allow)}},
		{"policy and admin group writes", []httpapi.Option{httpapi.WithPolicy(allow), httpapi.WithAdminGroupWrites()}},
		{"nil policy", []httpapi.Option{httpapi.WithPolicy(nil)}},
		{"nil authoriser", []httpapi.Option{httpapi.WithAuthoriser(nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			api, err := httpapi.New(store, append([]httpapi.Option{httpapi.WithAuthenticator(auth)}, tc.opts...)...)
			is.True(err != nil) // contradictory or nil options are refused
			is.True(api == nil) // and no API is made
		})
	}
	for _, opt := range []httpapi.Option{httpapi.WithPolicy(allow), httpapi.WithAuthoriser(httpapi.MemberAuthoriser{}), httpapi.WithAdminGroupWrites()} {
		_, err := httpapi.New(store, httpapi.WithoutAuthentication(), opt)
		is.New(t).True(err != nil) // open mode has no policy to configure
	}
	_, err := httpapi.New(store, httpapi.WithAuthenticator(auth), httpapi.WithAuthoriser(httpapi.MemberAuthoriser{}), httpapi.WithAdminGroupWrites())
	is.New(t).NoErr(err) // both configure the default policy

	t.Run("a policy is told the tenant and the action", func(t *testing.T) {
		is := is.New(t)
		var told []httpapi.Access
		record := httpapi.PolicyFunc(func(_ *http.Request, _ httpapi.Principal, a httpapi.Access) error {
			told = append(told, a)
			return nil
		})
		e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithPolicy(record)}})
		e.withTokens()
		a := e.fx.a
		org := "/organisations/" + a.org.String()
		orgAccess := func(act httpapi.Action) httpapi.Access {
			return httpapi.Access{Tenant: httpapi.Tenant{Kind: httpapi.TenantOrganisation, ID: a.org}, Action: act}
		}
		e.do(t, request{method: "GET", path: org + "/groups", as: a.token})
		e.do(t, request{method: "PUT", path: org, body: `{"name":"Renamed by a user"}`, as: a.token})
		e.do(t, request{method: "PATCH", path: org + "/groups/" + a.groups[0].String(), body: `{"archived":true}`, as: a.token})
		e.do(t, request{method: "DELETE", path: "/workspaces/" + a.ws.String() + "/channels/" + a.wsChannel.String() + "/channel-group", as: a.token})
		is.Equal(told, []httpapi.Access{
			orgAccess(httpapi.ActionRead),
			orgAccess(httpapi.ActionWriteMirror),
			orgAccess(httpapi.ActionWriteGroups),
			{Tenant: httpapi.Tenant{Kind: httpapi.TenantWorkspace, ID: a.ws}, Action: httpapi.ActionWriteChannelGroups},
		}) // one call per request, with its tenant and action
	})

	t.Run("WithAuthoriser keeps the role rules", func(t *testing.T) {
		is := is.New(t)
		everyone := httpapi.AuthoriserFunc(func(*http.Request, httpapi.Principal, httpapi.Tenant) error { return nil })
		e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithAuthoriser(everyone)}})
		e.withTokens()
		a, b := e.fx.a, e.fx.b
		before := snapshot(t, e.store, b)
		res := e.do(t, request{method: "GET", path: "/organisations/" + b.org.String() + "/groups", as: a.token})
		orgEnvelope(t, res, "Groups fetched successfully") // the authoriser lets A's user into B
		res = e.do(t, request{method: "DELETE", path: "/organisations/" + b.org.String() + "/channels/" + b.channels[2].String(), as: a.token})
		m := orgErrorShape(t, res, http.StatusForbidden)             // but not write B's mirror
		is.Equal(m["message"], "This action needs the service role") // for want of the role
		assertUnchanged(t, before, snapshot(t, e.store, b))          // nothing changed
		res = e.do(t, request{method: "DELETE", path: "/organisations/" + b.org.String() + "/channels/" + b.channels[2].String(), as: a.service})
		orgEnvelope(t, res, "Channel deleted successfully") // a service principal may
	})

	t.Run("a policy error that is not ErrForbidden is internal", func(t *testing.T) {
		is := is.New(t)
		broken := httpapi.PolicyFunc(func(*http.Request, httpapi.Principal, httpapi.Access) error {
			return errors.New("policy database at 10.0.0.9 is down")
		})
		e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithPolicy(broken)}})
		e.withTokens()
		res := e.do(t, request{method: "GET", path: "/workspaces/" + e.fx.a.ws.String() + "/channel-groups", as: e.fx.a.token})
		workspaceErrorShape(t, res, http.StatusInternalServerError, "internal") // a failure, not a refusal
		is.True(!strings.Contains(string(res.body), "10.0.0.9"))                // without detail
		is.True(strings.Contains(e.logs.String(), "10.0.0.9"))                  // but logged
	})

	t.Run("an unknown action is refused by the default policy", func(t *testing.T) {
		is := is.New(t)
		p := httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, AllTenants: true}
		err := httpapi.DefaultPolicy{}.Authorise(nil, p, httpapi.Access{Tenant: httpapi.Tenant{Kind: httpapi.TenantOrganisation, ID: uuid.New()}, Action: httpapi.Action(99)})
		is.True(err != nil)                                 // nothing is allowed by omission
		is.True(!errors.Is(err, httpapi.ErrForbidden))      // it is a bug, answered 500, not a refusal
		is.Equal(httpapi.Action(99).String(), "Action(99)") // and logged under a name that says so
	})
}
