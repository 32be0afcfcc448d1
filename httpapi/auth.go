package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"
)

// The roles the default policy knows. A host may give principals other
// roles for its own policy.
const (
	// RoleService marks the host's own backend. The default policy lets
	// only service principals write the mirror (ActionWriteMirror), and
	// honours Principal.AllTenants only for them.
	RoleService = "service"
	// RoleAdmin marks an administrator of the tenants a principal lists.
	// It matters only with [WithAdminGroupWrites] (or a policy of the
	// host's own).
	RoleAdmin = "admin"
)

// Principal is who a request acts for: a user, its roles, and the tenants
// it may act in. The discoverable-channels route lists channels for UserID
// and answers 403 when it is the nil UUID.
type Principal struct {
	UserID uuid.UUID
	// Roles are the principal's roles, such as RoleService or RoleAdmin.
	// They are compared exactly, case included.
	Roles         []string
	Organisations []uuid.UUID
	Workspaces    []uuid.UUID
	// AllTenants grants every organisation and workspace at once, for a
	// host's backend that acts for all of them. [MemberAuthoriser], and so
	// the default policy, honours it only for a principal with
	// RoleService: set on anyone else it grants nothing.
	AllTenants bool
}

// HasRole reports whether p has the given role.
func (p Principal) HasRole(role string) bool {
	return slices.Contains(p.Roles, role)
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

// Action is what a request does. Every route has exactly one; the package
// documentation and the OpenAPI document (as "x-action") list them.
type Action int

const (
	// ActionRead: every GET route.
	ActionRead Action = iota + 1
	// ActionWriteGroups: creating, changing, deleting and reordering
	// groups, and assigning, removing, moving and reordering their
	// channels.
	ActionWriteGroups
	// ActionWriteChannelGroups: attaching channels to and detaching them
	// from channel groups, and deleting channel groups.
	ActionWriteChannelGroups
	// ActionWriteMirror: the host's mirror, that is upserting the
	// organisation, upserting and deleting channels, and adding and
	// removing channel members.
	ActionWriteMirror
)

// String returns the action's name as the OpenAPI document gives it in
// "x-action": read, write-groups, write-channel-groups or write-mirror.
func (a Action) String() string {
	switch a {
	case ActionRead:
		return "read"
	case ActionWriteGroups:
		return "write-groups"
	case ActionWriteChannelGroups:
		return "write-channel-groups"
	case ActionWriteMirror:
		return "write-mirror"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Access is what a request asks to do: an action in a tenant.
type Access struct {
	Tenant Tenant
	Action Action
}

// ErrUnauthenticated is returned (possibly wrapped) by an [Authenticator]
// when a request carries no credentials or bad ones. The API answers 401 with
// the WWW-Authenticate challenge of its [SecurityScheme] (Bearer unless the
// Authenticator or [WithSecurityScheme] says otherwise).
var ErrUnauthenticated = errors.New("httpapi: unauthenticated")

// ErrForbidden is returned (possibly wrapped) by an [Authoriser] or a
// [Policy] to deny a request. The API answers 403.
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

// Policy is the whole access decision: whether a principal may perform an
// action in a tenant. It returns nil to allow, an error wrapping
// ErrForbidden to deny (403), or any other error for an internal failure
// (500, logged). [DefaultPolicy] is the policy of an API given none; a host
// replaces it with [WithPolicy].
type Policy interface {
	Authorise(r *http.Request, p Principal, a Access) error
}

// PolicyFunc adapts a function to a Policy.
type PolicyFunc func(r *http.Request, p Principal, a Access) error

// Authorise calls f(r, p, a).
func (f PolicyFunc) Authorise(r *http.Request, p Principal, a Access) error { return f(r, p, a) }

// Authoriser is the tenant check of [DefaultPolicy]: whether a principal may
// act in a tenant at all, whatever the action. It returns nil to allow, an
// error wrapping ErrForbidden to deny (403), or any other error for an
// internal failure (500, logged). [MemberAuthoriser] is the default one;
// [WithAuthoriser] replaces it. To decide by action as well, write a
// [Policy].
type Authoriser interface {
	Authorise(r *http.Request, p Principal, t Tenant) error
}

// AuthoriserFunc adapts a function to an Authoriser.
type AuthoriserFunc func(r *http.Request, p Principal, t Tenant) error

// Authorise calls f(r, p, t).
func (f AuthoriserFunc) Authorise(r *http.Request, p Principal, t Tenant) error { return f(r, p, t) }

// MemberAuthoriser is the default tenant check: a principal may act in
// exactly the organisations and workspaces listed in it, or in every one
// when it has RoleService and AllTenants is set.
type MemberAuthoriser struct{}

// Authorise allows t when p lists it, or when p is a service principal
// granted all tenants, and returns ErrForbidden otherwise.
func (MemberAuthoriser) Authorise(_ *http.Request, p Principal, t Tenant) error {
	if p.AllTenants && p.HasRole(RoleService) {
		return nil
	}
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

// DefaultPolicy is the access decision of an API that is given no
// [WithPolicy]. It first runs its tenant check (Tenants, [MemberAuthoriser]
// when nil), then requires a role by action:
//
//	action                    role needed
//	ActionRead                none
//	ActionWriteGroups         none; RoleAdmin or RoleService with AdminGroupWrites
//	ActionWriteChannelGroups  none
//	ActionWriteMirror         RoleService
//
// so that the mirror of the host's data is written only by the host's
// backend, never by an end user. An unknown action is an internal error,
// so that nothing is allowed by omission.
type DefaultPolicy struct {
	// Tenants decides whether the principal may act in the tenant at all.
	// Nil means MemberAuthoriser.
	Tenants Authoriser
	// AdminGroupWrites makes ActionWriteGroups need RoleAdmin (a service
	// principal may too): members without it may only read groups.
	AdminGroupWrites bool
}

// Authorise allows a when the tenant check passes and p has the role the
// action needs. A missing role is an error wrapping ErrForbidden.
func (d DefaultPolicy) Authorise(r *http.Request, p Principal, a Access) error {
	tenants := d.Tenants
	if tenants == nil {
		tenants = MemberAuthoriser{}
	}
	if err := tenants.Authorise(r, p, a.Tenant); err != nil {
		return err
	}
	switch a.Action {
	case ActionRead, ActionWriteChannelGroups:
		return nil
	case ActionWriteGroups:
		if d.AdminGroupWrites && !p.HasRole(RoleAdmin) && !p.HasRole(RoleService) {
			return &RoleError{Role: RoleAdmin, Action: a.Action}
		}
		return nil
	case ActionWriteMirror:
		if !p.HasRole(RoleService) {
			return &RoleError{Role: RoleService, Action: a.Action}
		}
		return nil
	}
	return fmt.Errorf("httpapi: DefaultPolicy: unknown action %v", a.Action)
}

// RoleError denies an action to a principal that lacks the role it needs.
// It wraps ErrForbidden; the API answers 403 with a message naming the
// role. A host's own Policy may return one too.
type RoleError struct {
	Role   string
	Action Action
}

func (e *RoleError) Error() string {
	return fmt.Sprintf("httpapi: %s needs the %s role", e.Action, e.Role)
}

// Unwrap returns ErrForbidden.
func (e *RoleError) Unwrap() error { return ErrForbidden }

// allowAll is the policy of WithoutAuthentication.
type allowAll struct{}

func (allowAll) Authorise(*http.Request, Principal, Access) error { return nil }
