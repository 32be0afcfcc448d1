package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/channelgrouping/grouping"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// API serves a [grouping.Store] over HTTP. Create it with [New], then mount
// it on a mux with [API.Register] or use it directly as an http.Handler.
// An API is safe for concurrent use.
type API struct {
	store      grouping.Store
	prefix     string
	authn      Authenticator
	policy     Policy
	logger     *slog.Logger
	extensions bool
	open       bool
	// scheme says how clients authenticate; document is the OpenAPI
	// document the API serves.
	scheme   SecurityScheme
	document []byte
	tel      *telemetry
	// events reads the store's change events; nil when the store keeps
	// none, and then the event routes are not served. streams fans them
	// out to the Server-Sent Events streams.
	events  grouping.EventReader
	streams *streamHub

	// probe holds every route with a marker handler; the fallback asks it
	// which methods a path supports, to answer 405 with an Allow header.
	probe *http.ServeMux
	// mux is the API's own mux, used by ServeHTTP.
	mux *http.ServeMux
}

// Option configures an [API] in [New].
type Option func(*options) error

type options struct {
	prefix       string
	authn        Authenticator
	policy       Policy
	defaults     DefaultPolicy
	logger       *slog.Logger
	noExtensions bool
	noAuth       bool
	authnSet     bool
	scheme       *SecurityScheme
	loggerSet    bool
	// policyBy and defaultsBy name the options that set the policy and
	// configured the default one, so that New can report a contradiction.
	policyBy   string
	defaultsBy []string
	// The OpenTelemetry providers; the global ones when nil.
	meterProvider  metric.MeterProvider
	tracerProvider trace.TracerProvider
	propagator     propagation.TextMapPropagator
	// The event streams' heartbeat interval and per-client buffer.
	heartbeat   time.Duration
	eventBuffer int
}

// WithPrefix mounts every route under prefix, such as "/api/v1". The prefix
// must start with a slash and be a clean path without wildcards; a trailing
// slash is ignored. The default is no prefix. The served OpenAPI document
// gives the prefix as its server URL.
func WithPrefix(prefix string) Option {
	return func(o *options) error {
		p := strings.TrimSuffix(prefix, "/")
		if p != "" && (!strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, "{}?#% \t\r\n")) {
			return fmt.Errorf("httpapi: invalid prefix %q: want a clean path such as /api/v1", prefix)
		}
		o.prefix = p
		return nil
	}
}

// WithAuthenticator sets how a request becomes a [Principal]. Every route
// but GET {prefix}/openapi.json runs it first.
func WithAuthenticator(a Authenticator) Option {
	return func(o *options) error {
		if a == nil {
			return errors.New("httpapi: WithAuthenticator: nil Authenticator")
		}
		o.authn, o.authnSet = a, true
		return nil
	}
}

// WithPolicy replaces the whole access decision, [DefaultPolicy] by
// default, with p. The policy is told the tenant and the action of every
// request (see [Access]); it can delegate to DefaultPolicy for the cases it
// does not decide itself. It cannot be combined with [WithAuthoriser] or
// [WithAdminGroupWrites], which configure the default policy.
func WithPolicy(p Policy) Option {
	return func(o *options) error {
		if p == nil {
			return errors.New("httpapi: WithPolicy: nil Policy")
		}
		o.policy, o.policyBy = p, "WithPolicy"
		return nil
	}
}

// WithAuthoriser replaces the tenant check of the default policy,
// [MemberAuthoriser] by default, with a. The default policy still requires
// the role of each action afterwards: the mirror routes answer 403 to any
// principal without RoleService, whatever a allows. To decide by action,
// use [WithPolicy] instead.
func WithAuthoriser(a Authoriser) Option {
	return func(o *options) error {
		if a == nil {
			return errors.New("httpapi: WithAuthoriser: nil Authoriser")
		}
		o.defaults.Tenants = a
		o.defaultsBy = append(o.defaultsBy, "WithAuthoriser")
		return nil
	}
}

// WithAdminGroupWrites makes the default policy require RoleAdmin (or
// RoleService) for group writes (ActionWriteGroups): other members of an
// organisation may then read its groups but not change them. It is
// [DefaultPolicy] with AdminGroupWrites set.
func WithAdminGroupWrites() Option {
	return func(o *options) error {
		o.defaults.AdminGroupWrites = true
		o.defaultsBy = append(o.defaultsBy, "WithAdminGroupWrites")
		return nil
	}
}

// WithLogger sets the logger for internal errors and recovered panics. The
// default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("httpapi: WithLogger: nil Logger")
		}
		o.logger, o.loggerSet = l, true
		return nil
	}
}

// WithoutExtensions leaves out the extension routes (mirroring
// organisations, channels and members, reading one channel, reordering,
// moving channels in bulk, changing channel groups, and reading change
// events), so that only the
// documented organisation and workspace routes, and the reference
// implementation's bulk assign and remove, are served. Requests to the
// extension paths then answer 404 or 405, and the served OpenAPI document
// lists none of them.
func WithoutExtensions() Option {
	return func(o *options) error {
		o.noExtensions = true
		return nil
	}
}

// WithoutAuthentication turns authentication and authorisation off: every
// request is allowed every action in every organisation and workspace.
//
// This is insecure and meant for trusted networks, tests and demos only. As
// there is no authenticated user, the discoverable-channels route
// (GET …/groups/channels/user-no-group) then requires the user as a
// user_id query parameter (a UUID; 400 when absent or malformed).
// It cannot be combined with WithAuthenticator, WithPolicy, WithAuthoriser,
// WithAdminGroupWrites or WithSecurityScheme. The served OpenAPI document
// then declares no security.
func WithoutAuthentication() Option {
	return func(o *options) error {
		o.noAuth = true
		return nil
	}
}

// New returns an API serving store.
//
// The event routes are served when the store keeps change events: when it
// is a [grouping.EventReader] or wraps one, that is when it has a method
// Unwrap() grouping.Store (as package otelstore's Store has) whose result,
// or its own Unwrap's, is one, down to a store that keeps events. Events are
// read through the outermost EventReader of that chain, so that a wrapper
// that records calls records them too. A store with no EventReader anywhere gets
// no event routes: they answer 404, and the served OpenAPI document lists
// none of them.
//
// Either [WithAuthenticator] or [WithoutAuthentication] must be given: there
// is no open default. New returns an error for a nil store (a nil interface,
// or an interface holding a nil pointer such as a (*memstore.Store)(nil)),
// and for conflicting or invalid options.
func New(store grouping.Store, opts ...Option) (*API, error) {
	if store == nil {
		return nil, errors.New("httpapi: nil Store")
	}
	if isNil(store) {
		return nil, fmt.Errorf("httpapi: nil Store: the Store is a nil %T", store)
	}
	var o options
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	switch {
	case o.noAuth && (o.authnSet || o.policyBy != "" || len(o.defaultsBy) > 0):
		return nil, errors.New("httpapi: WithoutAuthentication cannot be combined with WithAuthenticator, WithPolicy, WithAuthoriser or WithAdminGroupWrites")
	case !o.noAuth && !o.authnSet:
		return nil, errors.New("httpapi: no Authenticator: pass WithAuthenticator, or WithoutAuthentication for an open API")
	case o.noAuth && o.scheme != nil:
		return nil, errors.New("httpapi: WithoutAuthentication cannot be combined with WithSecurityScheme")
	case o.policyBy != "" && len(o.defaultsBy) > 0:
		return nil, fmt.Errorf("httpapi: %s configures the default policy, which WithPolicy replaces", o.defaultsBy[0])
	}
	scheme := BearerScheme()
	if d, ok := o.authn.(SchemeDescriber); ok && o.scheme == nil {
		scheme = d.SecurityScheme()
		if err := scheme.check(); err != nil {
			return nil, fmt.Errorf("httpapi: the Authenticator's SecurityScheme: %w", err)
		}
	}
	if o.scheme != nil {
		scheme = *o.scheme
	}
	a := &API{
		store:      store,
		prefix:     o.prefix,
		authn:      o.authn,
		policy:     o.policy,
		logger:     o.logger,
		extensions: !o.noExtensions,
		open:       o.noAuth,
		scheme:     scheme,
		events:     eventReader(store),
	}
	doc, err := servedDocument(a.prefix, a.extensions, a.servesEvents(), a.open, a.scheme)
	if err != nil {
		return nil, fmt.Errorf("httpapi: OpenAPI document: %w", err)
	}
	a.document = doc
	if a.tel, err = newTelemetry(&o); err != nil {
		return nil, fmt.Errorf("httpapi: telemetry: %w", err)
	}
	if a.policy == nil {
		a.policy = o.defaults
	}
	if !o.loggerSet {
		a.logger = slog.Default()
	}
	a.streams = newStreamHub(a.events, a.logger, o.heartbeat, o.eventBuffer)
	if a.open {
		a.authn = AuthenticatorFunc(func(*http.Request) (Principal, error) { return Principal{}, nil })
		a.policy = allowAll{}
	}
	a.probe = http.NewServeMux()
	a.addRoutes(func(method, pattern string, _ Action, _ http.Handler) {
		a.probe.Handle(method+" "+a.prefix+pattern, probeHit{})
	})
	a.probe.Handle("GET "+a.prefix+"/openapi.json", probeHit{})
	a.shadowLiterals(func(pattern string) { a.probe.Handle(pattern, http.NotFoundHandler()) })
	a.mux = http.NewServeMux()
	a.Register(a.mux)
	return a, nil
}

// Register adds the API's routes to mux, under the prefix. It registers
// Go 1.22 method patterns for every route, GET {prefix}/openapi.json, and
// catch-all patterns for {prefix}/organisations/… and {prefix}/workspaces/…
// (and {prefix}/… when there is a prefix) that answer unknown routes (404)
// and wrong methods (405 with Allow) in the API's JSON error shapes. Like
// any ServeMux registration it panics if a pattern conflicts with one
// already on mux, so register an API once per mux.
func (a *API) Register(mux *http.ServeMux) {
	a.addRoutes(func(method, pattern string, action Action, h http.Handler) {
		mux.Handle(method+" "+a.prefix+pattern, a.tel.instrument(a.prefix+pattern, a.route(pattern, action, h)))
	})
	mux.Handle("GET "+a.prefix+"/openapi.json",
		a.tel.instrument(a.prefix+"/openapi.json", a.entry(familyOrganisation, handleOpenAPI(a.logger, a.document))))

	// Unknown routes and wrong methods are answered without credentials:
	// they tell no more than the OpenAPI document, which is public.
	org := a.tel.instrument("", a.entry(familyOrganisation, handleFallback(a.logger, a.probe)))
	a.shadowLiterals(func(pattern string) { mux.Handle(pattern, org) })
	ws := a.tel.instrument("", a.entry(familyWorkspace, handleFallback(a.logger, a.probe)))
	mux.Handle(a.prefix+"/openapi.json", org)
	mux.Handle(a.prefix+"/organisations", org)
	mux.Handle(a.prefix+"/organisations/", org)
	mux.Handle(a.prefix+"/workspaces", ws)
	mux.Handle(a.prefix+"/workspaces/", ws)
	if a.prefix != "" {
		mux.Handle(a.prefix, org)
		mux.Handle(a.prefix+"/", org)
	}
}

// shadowLiterals calls handle with the patterns that keep a literal path
// segment from being read as a wildcard. The reorder paths end in "order"
// where other routes have {group_id} or {channel_id}: without these
// patterns, GET …/groups/order would reach the group route and fail with
// "group_id must be a UUID" instead of answering 405.
func (a *API) shadowLiterals(handle func(pattern string)) {
	if !a.extensions {
		return
	}
	for _, path := range []string{
		"/organisations/{organisation_id}/groups/order",
		"/organisations/{organisation_id}/groups/{group_id}/channels/order",
	} {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
			handle(m + " " + a.prefix + path)
		}
	}
}

// ServeHTTP serves the API from its own mux, as if Register had been called
// on an empty one. Requests outside the prefix get a plain 404.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mux.ServeHTTP(w, r)
}

// probeHit marks a route in the probe mux.
type probeHit struct{}

func (probeHit) ServeHTTP(http.ResponseWriter, *http.Request) {}

// isNil reports whether v holds a nil pointer, map, slice, channel or
// function, on which every request would panic.
func isNil(v any) bool {
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}
