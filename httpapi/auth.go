package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/google/uuid"
)

// Principal is who a request acts for: a user and the tenants that user may
// act in. The discoverable-channels route lists channels for UserID and
// answers 403 when it is the nil UUID.
type Principal struct {
	UserID        uuid.UUID
	Organisations []uuid.UUID
	Workspaces    []uuid.UUID
}

// TenantKind says which kind of tenant a route is scoped to.
type TenantKind int

const (
	// TenantOrganisation marks the /organisations/{organisation_id} routes.
	TenantOrganisation TenantKind = iota + 1
	// TenantWorkspace marks the /workspaces/{workspaceId} routes.
	TenantWorkspace
)

// Tenant is the organisation or workspace named in a request's path.
type Tenant struct {
	Kind TenantKind
	ID   uuid.UUID
}

// ErrUnauthenticated is returned (possibly wrapped) by an [Authenticator]
// when a request carries no credentials or bad ones. The API answers 401 with
// a WWW-Authenticate: Bearer header.
var ErrUnauthenticated = errors.New("httpapi: unauthenticated")

// ErrForbidden is returned (possibly wrapped) by an [Authoriser] to deny a
// request. The API answers 403.
var ErrForbidden = errors.New("httpapi: forbidden")

// Authenticator turns a request into a Principal. It returns an error
// wrapping ErrUnauthenticated for missing or bad credentials; any other error
// is treated as an internal failure (500, logged).
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to an Authenticator.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

// Authoriser decides whether a principal may act in a tenant. It returns nil
// to allow, an error wrapping ErrForbidden to deny (403), or any other error
// for an internal failure (500, logged).
type Authoriser interface {
	Authorise(r *http.Request, p Principal, t Tenant) error
}

// AuthoriserFunc adapts a function to an Authoriser.
type AuthoriserFunc func(r *http.Request, p Principal, t Tenant) error

// Authorise calls f(r, p, t).
func (f AuthoriserFunc) Authorise(r *http.Request, p Principal, t Tenant) error { return f(r, p, t) }

// MemberAuthoriser is the default Authoriser: a principal may act in exactly
// the organisations and workspaces listed in it.
type MemberAuthoriser struct{}

// Authorise allows t when it is listed in p and returns ErrForbidden
// otherwise.
func (MemberAuthoriser) Authorise(_ *http.Request, p Principal, t Tenant) error {
	var list []uuid.UUID
	switch t.Kind {
	case TenantOrganisation:
		list = p.Organisations
	case TenantWorkspace:
		list = p.Workspaces
	}
	if slices.Contains(list, t.ID) {
		return nil
	}
	return ErrForbidden
}
