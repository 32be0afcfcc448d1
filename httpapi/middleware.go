package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// family says which error shape a route answers in.
type family int

const (
	// familyOrganisation: {"status":"error","status_code":N,"message":…}.
	familyOrganisation family = iota
	// familyWorkspace: {"code":…,"message":…}.
	familyWorkspace
)

type ctxKey int

// keyState is the context key of a request's *reqState.
const keyState ctxKey = 0

// reqState is what the API keeps of a request it serves, in one
// allocation: the checks of a route fill it in for the ones after them and
// the handler, and it is itself the context the request carries (its
// parent's values, and itself under keyState), so that no check copies the
// request to add a value. Telemetry makes it, with the response writer
// that remembers the status and the options of the request's span; entry
// makes one for a request that telemetry has not seen.
type reqState struct {
	// Context is the parent context: the request's own, with its span.
	context.Context
	// claimed is set by the entry that fills the state in: telemetry
	// gives the request an unclaimed state, so that entry need not copy
	// the request again to add one.
	claimed   bool
	family    family
	principal Principal
	// names are the route's path wildcards, in order, and ids their
	// values, parsed, at the same index.
	names []string
	ids   [maxWildcards]uuid.UUID
	query url.Values
	// w is the response writer the handlers are given.
	w statusWriter
	// The span's start options and attributes, kept here so that starting
	// the span allocates no slice for them.
	spanOpts  [2]trace.SpanStartOption
	spanAttrs [3]attribute.KeyValue
}

// maxWildcards is the most path wildcards a route may have.
const maxWildcards = 4

// Value returns the state itself for keyState, and the parent's value of
// any other key.
func (st *reqState) Value(key any) any {
	if key == any(keyState) {
		return st
	}
	return st.Context.Value(key)
}

// state returns the request's state, or an empty one for a request that
// no route's entry has seen.
func state(r *http.Request) *reqState {
	ctx := r.Context()
	if st, ok := ctx.(*reqState); ok {
		return st
	}
	if st, ok := ctx.Value(keyState).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// route wraps the handler of one route in the checks every route runs, in
// this order: recover and error shape, authentication (401), path wildcards
// (400), the policy's decision on the action in the tenant (403), and the
// query string's syntax (400). The handler then checks the query's
// parameters and the body, and calls the store.
func (a *API) route(path string, action Action, h http.Handler) http.Handler {
	fam := familyOrganisation
	kind := TenantOrganisation
	if strings.HasPrefix(path, "/workspaces/") {
		fam, kind = familyWorkspace, TenantWorkspace
	}
	params := wildcards(path)
	if len(params) == 0 || (params[0] != "organisation_id" && params[0] != "workspaceId") {
		panic("httpapi: route " + path + " does not start with its tenant")
	}
	if len(params) > maxWildcards {
		panic("httpapi: route " + path + " has more than " + strconv.Itoa(maxWildcards) + " wildcards")
	}
	return a.entry(fam, a.authenticated(a.scoped(kind, action, params, h)))
}

// wildcards returns the names of the {wildcards} of a path pattern in order.
func wildcards(path string) []string {
	var names []string
	for seg := range strings.SplitSeq(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return names
}

// entry records the route's error shape and turns a panic in h into a
// logged 500, so that the server keeps serving.
func (a *API) entry(fam family, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := r.Context().Value(keyState).(*reqState)
		if ok && !st.claimed {
			st.claimed, st.family = true, fam
		} else {
			st = &reqState{Context: r.Context(), claimed: true, family: fam}
			r = r.WithContext(st)
		}
		// Under telemetry, w already tells whether the response started.
		rw, ok := w.(*statusWriter)
		if !ok {
			rw = &st.w
			*rw = statusWriter{ResponseWriter: w, status: http.StatusOK}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := &grouping.Error{Code: grouping.Internal, Message: "handler panicked", Err: fmt.Errorf("%v\n%s", v, debug.Stack())}
			if rw.wroteHeader {
				// Too late for an error response; log it and let the
				// server drop the connection.
				a.logger.ErrorContext(r.Context(), "internal error after response started", "method", r.Method, "path", r.URL.Path, "err", err)
				panic(http.ErrAbortHandler)
			}
			writeError(rw, r, a.logger, err)
		}()
		h.ServeHTTP(rw, r)
	})
}

// authenticated runs the Authenticator and stores the Principal in the
// request's context.
func (a *API) authenticated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authn.Authenticate(r)
		switch {
		case errors.Is(err, ErrUnauthenticated):
			sent := r.Header.Get("Authorization") != ""
			msg := "Authentication required"
			if sent {
				msg = "Invalid or expired credentials"
			}
			w.Header().Set("WWW-Authenticate", a.scheme.challenge(sent))
			writeError(w, r, a.logger, &grouping.Error{Code: codeUnauthorized, Message: msg, Err: err})
			return
		case err != nil:
			writeError(w, r, a.logger, &grouping.Error{Code: grouping.Internal, Message: "authenticate request", Err: err})
			return
		}
		state(r).principal = p
		h.ServeHTTP(w, r)
	})
}

// scoped parses the path's wildcards as UUIDs (400 naming the first bad
// one), asks the policy whether the principal may perform action in the
// tenant named by the first wildcard (403), then parses the query string
// (400).
func (a *API) scoped(kind TenantKind, action Action, params []string, h http.Handler) http.Handler {
	what := "organisation"
	if kind == TenantWorkspace {
		what = "workspace"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		var ids [maxWildcards]uuid.UUID
		for i, name := range params {
			id, err := parseUUID(name, r.PathValue(name))
			if err != nil {
				writeError(w, r, a.logger, err)
				return
			}
			ids[i] = id
		}
		access := Access{Tenant: Tenant{Kind: kind, ID: ids[0]}, Action: action}
		if err := a.policy.Authorise(r, st.principal, access); err != nil {
			writeError(w, r, a.logger, denial(err, st.principal, access.Tenant, what))
			return
		}
		q, err := parseQuery(r.URL.RawQuery)
		if err != nil {
			writeError(w, r, a.logger, err)
			return
		}
		st.names, st.ids, st.query = params, ids, q
		h.ServeHTTP(w, r)
	})
}

// denial turns a policy's refusal into the error the client gets: 403 for
// an error wrapping ErrForbidden, an internal error otherwise. The message
// says which role is missing when the policy returned a RoleError, and
// otherwise whether the principal lists the tenant at all, which it knows.
func denial(err error, p Principal, t Tenant, what string) error {
	if !errors.Is(err, ErrForbidden) {
		return &grouping.Error{Code: grouping.Internal, Message: "authorise request", Err: err}
	}
	msg := "You do not have access to this " + what
	if re, ok := errors.AsType[*RoleError](err); ok {
		msg = "This action needs the " + re.Role + " role"
	} else if (MemberAuthoriser{}).Authorise(nil, p, t) == nil {
		msg = "You may not do this in this " + what
	}
	return &grouping.Error{Code: codeForbidden, Message: msg, Err: err}
}

// pathID returns the parsed path wildcard name. The route's wrapper has
// checked it already; asking for a wildcard the route lacks is a bug.
func pathID(r *http.Request, name string) uuid.UUID {
	st := state(r)
	for i, n := range st.names {
		if n == name {
			return st.ids[i]
		}
	}
	panic("httpapi: route has no path wildcard " + name)
}

// query returns the request's query parameters, parsed by scoped.
func query(r *http.Request) url.Values {
	return state(r).query
}

// principal returns the request's authenticated Principal.
func principal(r *http.Request) Principal {
	return state(r).principal
}

// requestFamily returns the error shape of the request's route.
func requestFamily(r *http.Request) family {
	return state(r).family
}

// parseUUID parses a UUID in its canonical 36-character form (either case).
// Other forms uuid.Parse accepts, such as braces or urn:uuid:, are refused
// so that an ID has one spelling.
func parseUUID(field, s string) (uuid.UUID, error) {
	if len(s) == 36 {
		if id, err := uuid.Parse(s); err == nil {
			return id, nil
		}
	}
	return uuid.Nil, grouping.InvalidField(field, "%s must be a UUID", field)
}

// handleFallback answers requests under the prefix that match no route: 405
// with an Allow header when the path exists with other methods, 404
// otherwise.
func handleFallback(logger *slog.Logger, probe *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			pr := r.WithContext(r.Context())
			pr.Method = m
			if h, _ := probe.Handler(pr); h == (probeHit{}) {
				allow = append(allow, m)
				if m == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) == 0 {
			writeError(w, r, logger, grouping.Errorf(grouping.NotFound, "Route not found"))
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, r, logger, grouping.Errorf(codeMethodNotAllowed, "Method not allowed; allowed: %s", strings.Join(allow, ", ")))
	})
}

// statusWriter remembers whether the response has started, and its
// status.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(status int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = status, true
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
