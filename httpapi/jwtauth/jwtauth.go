// Package jwtauth authenticates API requests by a bearer JSON Web Token, and
// mints such tokens.
//
// An [Authenticator] implements [httpapi.Authenticator]: it reads
// "Authorization: Bearer <token>", checks the token's signature with one key
// and one algorithm (HS256, RS256 or ES256, chosen by the [Key]), and its
// time claims, then turns its claims into an [httpapi.Principal]:
//
//	{
//	  "sub": "<user UUID>",
//	  "roles": ["admin"],
//	  "organisations": ["<organisation UUID>", …],
//	  "workspaces": ["<workspace UUID>", …],
//	  "exp": 1735000000
//	}
//
// exp is required; nbf and iat are checked when present. organisations and
// workspaces may be left out (or null), which grants no tenant. With
// [WithIssuer] and [WithAudience], iss and aud are required to match too. A
// token signed with any other algorithm, "none" included, is refused.
//
// # Roles and service tokens
//
// roles, when present, is an array of strings that becomes
// Principal.Roles; absent or null means none. Two roles mean something to
// the default policy of package httpapi:
//
//   - "service" ([httpapi.RoleService]) marks the host's own backend, the
//     only principal that may write the mirror of organisations, channels
//     and memberships;
//   - "admin" ([httpapi.RoleAdmin]) is needed for group writes when the API
//     is built with [httpapi.WithAdminGroupWrites].
//
// A service token may carry "all_tenants": true to act in every
// organisation and workspace (Principal.AllTenants), for a backend that
// acts for all of them. The claim is a JSON boolean, and a token that sets
// it without the "service" role is refused, so that no user token grants
// every tenant by mistake.
//
// # Strictness
//
// Beyond its signature, a token is refused when:
//
//   - its header or its claims repeat a member name, at any depth (JSON
//     parsers disagree on which one wins);
//   - its header has a typ other than "JWT", compared without regard to
//     case as RFC 7515 asks for media types (typ may be left out);
//   - its header names critical parameters (crit), none of which this
//     reader understands (RFC 7515, section 4.1.11);
//   - exp, nbf or iat is not a JSON number (RFC 7519, section 2: a quoted
//     number is not a NumericDate);
//   - sub, roles, organisations, workspaces or all_tenants has the wrong
//     JSON type, or an ID is not a UUID in its 36-character form.
//
// Every refusal is an error that wraps [httpapi.ErrUnauthenticated], so the
// API answers 401. Its message gives a short reason, such as "token expired",
// and never includes the token. Where the reason comes from the token library
// the error wraps that library's error too.
//
// A [Signer] mints tokens that an Authenticator with the matching key
// accepts: hosts use it to hand out tokens, tests to make requests.
package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Limits on keys and tokens.
const (
	// MinSecretBytes is the shortest HS256 secret accepted: as long as the
	// SHA-256 output, as RFC 7518 requires.
	MinSecretBytes = 32
	// MinRSABits is the smallest RSA modulus accepted.
	MinRSABits = 2048
	// MaxLeeway is the largest clock skew WithLeeway accepts.
	MaxLeeway = 5 * time.Minute
	// MaxTokenBytes is the longest token read; longer ones are refused
	// unread.
	MaxTokenBytes = 8 << 10
)

// Key is the key that checks token signatures, and with it the one
// algorithm tokens must be signed with. Make one with [HS256], [RS256] or
// [ES256]; [New] reports a key that is unfit.
type Key struct {
	alg    string
	verify any
	err    error
}

// HS256 is a shared secret for HMAC with SHA-256. The secret must be at
// least [MinSecretBytes] long. The Key keeps its own copy.
func HS256(secret []byte) Key {
	if err := checkSecret(secret); err != nil {
		return Key{err: err}
	}
	return Key{alg: jwt.SigningMethodHS256.Alg(), verify: append([]byte(nil), secret...)}
}

// RS256 is an RSA public key, of at least [MinRSABits] bits, for RSASSA
// PKCS #1 v1.5 with SHA-256.
func RS256(key *rsa.PublicKey) Key {
	if err := checkRSA(key); err != nil {
		return Key{err: err}
	}
	return Key{alg: jwt.SigningMethodRS256.Alg(), verify: key}
}

// ES256 is an ECDSA public key on the P-256 curve, for ECDSA with SHA-256.
func ES256(key *ecdsa.PublicKey) Key {
	if err := checkECDSA(key); err != nil {
		return Key{err: err}
	}
	return Key{alg: jwt.SigningMethodES256.Alg(), verify: key}
}

func checkSecret(secret []byte) error {
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("jwtauth: an HS256 secret must be at least %d bytes long, and this one is %d", MinSecretBytes, len(secret))
	}
	return nil
}

func checkRSA(key *rsa.PublicKey) error {
	if key == nil || key.N == nil || key.E < 3 {
		return errors.New("jwtauth: RS256 needs an RSA public key")
	}
	if bits := key.N.BitLen(); bits < MinRSABits {
		return fmt.Errorf("jwtauth: an RSA key must have at least %d bits, and this one has %d", MinRSABits, bits)
	}
	return nil
}

func checkECDSA(key *ecdsa.PublicKey) error {
	if key == nil || key.Curve != elliptic.P256() {
		return errors.New("jwtauth: ES256 needs an ECDSA public key on the P-256 curve")
	}
	if _, err := key.Bytes(); err != nil {
		return fmt.Errorf("jwtauth: invalid ECDSA public key: %w", err)
	}
	return nil
}

// config holds what the options set.
type config struct {
	issuer   string
	audience string
	leeway   time.Duration
	now      func() time.Time
}

// An Option configures an [Authenticator] or a [Signer]. Give both the same
// options so that the tokens one mints are the ones the other accepts.
type Option func(*config)

// WithIssuer makes an Authenticator require the iss claim to equal issuer,
// and a Signer set it.
func WithIssuer(issuer string) Option {
	return func(c *config) { c.issuer = issuer }
}

// WithAudience makes an Authenticator require the aud claim to name
// audience, and a Signer set it.
func WithAudience(audience string) Option {
	return func(c *config) { c.audience = audience }
}

// WithLeeway lets an Authenticator accept tokens up to d past their exp, or
// d before their nbf or iat, to allow for clocks that disagree. d may be at
// most [MaxLeeway]. A Signer ignores it.
func WithLeeway(d time.Duration) Option {
	return func(c *config) { c.leeway = d }
}

// WithClock replaces the clock that an Authenticator checks time claims
// against and that a Signer stamps tokens with. It is meant for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

func newConfig(opts []Option) (config, error) {
	c := config{now: time.Now}
	for _, opt := range opts {
		opt(&c)
	}
	if c.leeway < 0 || c.leeway > MaxLeeway {
		return config{}, fmt.Errorf("jwtauth: leeway must be between 0 and %v", MaxLeeway)
	}
	if c.now == nil {
		return config{}, errors.New("jwtauth: nil clock")
	}
	return c, nil
}

// claims is the JSON form of a token's claims, as a Signer writes them.
type claims struct {
	jwt.RegisteredClaims
	Roles         []string `json:"roles,omitempty"`
	Organisations []string `json:"organisations"`
	Workspaces    []string `json:"workspaces"`
	AllTenants    bool     `json:"all_tenants,omitempty"`
}

// Authenticator authenticates requests by a bearer JWT. It is safe for
// concurrent use.
type Authenticator struct {
	key    Key
	parser *jwt.Parser
}

var _ httpapi.Authenticator = (*Authenticator)(nil)

// New returns an Authenticator that accepts tokens signed with key. It fails
// when key is unfit (see [HS256], [RS256], [ES256]) or an option is out of
// range.
func New(key Key, opts ...Option) (*Authenticator, error) {
	if key.err != nil {
		return nil, key.err
	}
	if key.alg == "" {
		return nil, errors.New("jwtauth: no key")
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{key.alg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(c.leeway),
		jwt.WithTimeFunc(c.now),
	}
	if c.issuer != "" {
		popts = append(popts, jwt.WithIssuer(c.issuer))
	}
	if c.audience != "" {
		popts = append(popts, jwt.WithAudience(c.audience))
	}
	return &Authenticator{key: key, parser: jwt.NewParser(popts...)}, nil
}

// Reasons for refusing a request that are not the token library's.
var (
	errNoCredentials = errors.New("no Authorization header")
	errNoToken       = errors.New("empty bearer token")
	errManyHeaders   = errors.New("more than one Authorization header")
	errCritical      = errors.New("critical header parameters are not supported")
	errRepeated      = errors.New("header or claims repeat a member name")
	errType          = errors.New("typ is not JWT")
	errDate          = errors.New("exp, nbf and iat must be JSON numbers")
	errClaimType     = errors.New("a claim has the wrong type")
	errAllTenants    = errors.New("all_tenants needs the service role")
	errNotBearer     = errors.New("not a Bearer token")
	errTooLong       = errors.New("token too long")
	errBadSubject    = errors.New("sub is not a user UUID")
	errBadTenant     = errors.New("organisations or workspaces hold something other than UUIDs")
)

// refusal is the error of a refused request. It wraps
// httpapi.ErrUnauthenticated and its cause.
type refusal struct {
	reason string
	cause  error
}

func (e *refusal) Error() string   { return "jwtauth: " + e.reason }
func (e *refusal) Unwrap() []error { return []error{httpapi.ErrUnauthenticated, e.cause} }

func refuse(reason string, cause error) error { return &refusal{reason: reason, cause: cause} }

// Authenticate reads the bearer token of r and returns the principal it
// names. Every failure is an error wrapping [httpapi.ErrUnauthenticated].
func (a *Authenticator) Authenticate(r *http.Request) (httpapi.Principal, error) {
	token, err := bearerToken(r.Header)
	if err != nil {
		return httpapi.Principal{}, refuse(err.Error(), err)
	}
	// The library checks the signature and the registered claims' values;
	// the JSON it would let through (repeated members, quoted dates, an
	// unknown typ) is refused first, and the claims are read from there.
	c, err := checkToken(token)
	if err != nil {
		return httpapi.Principal{}, err
	}
	t, err := a.parser.ParseWithClaims(token, &jwt.RegisteredClaims{}, a.keyFor)
	if err != nil {
		return httpapi.Principal{}, a.refusal(t, err)
	}
	return principal(c)
}

// keyFor gives the parser the key for a token whose algorithm it has
// already checked against the one allowed.
func (a *Authenticator) keyFor(t *jwt.Token) (any, error) {
	if t.Method == nil || t.Method.Alg() != a.key.alg {
		return nil, jwt.ErrTokenSignatureInvalid
	}
	return a.key.verify, nil
}

// refusal turns a parser error into a refusal with a short reason.
func (a *Authenticator) refusal(t *jwt.Token, err error) error {
	if t != nil && t.Method != nil && t.Method.Alg() != a.key.alg {
		return refuse("signing method not allowed", err)
	}
	for _, r := range []struct {
		target error
		reason string
	}{
		{jwt.ErrTokenMalformed, "malformed token"},
		{jwt.ErrTokenUnverifiable, "unknown signing method"},
		{jwt.ErrTokenSignatureInvalid, "bad signature"},
		{jwt.ErrTokenRequiredClaimMissing, "missing required claim"},
		{jwt.ErrTokenExpired, "token expired"},
		{jwt.ErrTokenNotValidYet, "token not valid yet"},
		{jwt.ErrTokenUsedBeforeIssued, "token issued in the future"},
		{jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{jwt.ErrTokenInvalidAudience, "wrong audience"},
	} {
		if errors.Is(err, r.target) {
			return refuse(r.reason, err)
		}
	}
	return refuse("invalid token", err)
}

// bearerToken returns the token of the request's one Authorization header.
// The scheme name is case-insensitive (RFC 9110, section 11.1).
func bearerToken(h http.Header) (string, error) {
	values := h.Values("Authorization")
	switch len(values) {
	case 0:
		return "", errNoCredentials
	case 1:
	default:
		return "", errManyHeaders
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errNotBearer
	}
	token = strings.TrimLeft(token, " ")
	switch {
	case token == "":
		return "", errNoToken
	case len(token) > MaxTokenBytes:
		return "", errTooLong
	}
	return token, nil
}

// principal turns verified claims into a principal.
func principal(c tokenClaims) (httpapi.Principal, error) {
	user, ok := parseID(c.subject)
	if !ok {
		return httpapi.Principal{}, refuse(errBadSubject.Error(), errBadSubject)
	}
	orgs, ok := parseIDs(c.organisations)
	if !ok {
		return httpapi.Principal{}, refuse(errBadTenant.Error(), errBadTenant)
	}
	workspaces, ok := parseIDs(c.workspaces)
	if !ok {
		return httpapi.Principal{}, refuse(errBadTenant.Error(), errBadTenant)
	}
	p := httpapi.Principal{UserID: user, Roles: c.roles, Organisations: orgs, Workspaces: workspaces, AllTenants: c.allTenants}
	if p.AllTenants && !p.HasRole(httpapi.RoleService) {
		return httpapi.Principal{}, refuse(errAllTenants.Error(), errAllTenants)
	}
	return p, nil
}

// parseID accepts a UUID in its 36-character form, in either case, other
// than the nil UUID: an ID has one spelling.
func parseID(s string) (uuid.UUID, bool) {
	if len(s) != 36 {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil && id != uuid.Nil
}

func parseIDs(list []string) ([]uuid.UUID, bool) {
	ids := make([]uuid.UUID, 0, len(list))
	for _, s := range list {
		id, ok := parseID(s)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}
