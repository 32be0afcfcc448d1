package httpapi

import (
	"errors"
	"fmt"
	"maps"
	"strings"
)

// SecurityScheme says how clients authenticate with an API: the security
// scheme its OpenAPI document declares, and the WWW-Authenticate challenge
// of its 401 answers. An API takes it from [WithSecurityScheme], else from
// an Authenticator that is a [SchemeDescriber] (as jwtauth's is), else it
// is [BearerScheme].
type SecurityScheme struct {
	// Name is the scheme's key under components.securitySchemes in the
	// document, such as "bearerAuth".
	Name string
	// Scheme is the OpenAPI Security Scheme Object, such as
	// {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}. It is
	// written into the document as JSON, and must have a "type".
	Scheme map[string]any
	// Challenge is the WWW-Authenticate header of a 401 answer to a request
	// that carries no credentials, such as `Bearer` or `Bearer realm="api"`.
	// It starts with the authentication scheme's name (RFC 9110, section
	// 11.6.1).
	Challenge string
	// InvalidChallenge is the WWW-Authenticate header of a 401 answer to a
	// request that carries an Authorization header, whose credentials were
	// refused, such as `Bearer error="invalid_token"`. Empty means
	// Challenge.
	InvalidChallenge string
}

// SchemeDescriber is implemented by an [Authenticator] that can say how
// clients authenticate with it. [New] asks it unless [WithSecurityScheme]
// is given.
type SchemeDescriber interface {
	SecurityScheme() SecurityScheme
}

// BearerScheme is the SecurityScheme of an API whose Authenticator does not
// describe itself: a bearer token in the Authorization header, with the
// challenges "Bearer" and `Bearer error="invalid_token"`.
func BearerScheme() SecurityScheme {
	return SecurityScheme{
		Name: "bearerAuth",
		Scheme: map[string]any{
			"type":        "http",
			"scheme":      "bearer",
			"description": "A bearer token in the Authorization header, checked by the host's authenticator. A request without valid credentials gets 401 with WWW-Authenticate: Bearer.",
		},
		Challenge:        "Bearer",
		InvalidChallenge: `Bearer error="invalid_token"`,
	}
}

// WithSecurityScheme declares how clients authenticate: the scheme the
// served OpenAPI document gives, and the WWW-Authenticate challenges of 401
// answers. Use it when an Authenticator of your own reads credentials other
// than a bearer token, or to change the challenge (say, to add a realm).
// It cannot be combined with [WithoutAuthentication].
func WithSecurityScheme(s SecurityScheme) Option {
	return func(o *options) error {
		if err := s.check(); err != nil {
			return fmt.Errorf("httpapi: WithSecurityScheme: %w", err)
		}
		s.Scheme = maps.Clone(s.Scheme)
		o.scheme = &s
		return nil
	}
}

// check reports what is wrong with s, if anything.
func (s SecurityScheme) check() error {
	if s.Name == "" || strings.ContainsAny(s.Name, "/~ \t\r\n") {
		return fmt.Errorf("invalid scheme name %q", s.Name)
	}
	if t, _ := s.Scheme["type"].(string); t == "" {
		return errors.New(`the scheme has no "type"`)
	}
	if !validChallenge(s.Challenge) {
		return fmt.Errorf("invalid WWW-Authenticate challenge %q", s.Challenge)
	}
	if s.InvalidChallenge != "" && !validChallenge(s.InvalidChallenge) {
		return fmt.Errorf("invalid WWW-Authenticate challenge %q", s.InvalidChallenge)
	}
	return nil
}

// validChallenge reports whether c starts with an authentication scheme and
// can be sent as a header value.
func validChallenge(c string) bool {
	return authScheme(c) != "" && !strings.ContainsAny(c, "\r\n\x00")
}

// challenge returns the WWW-Authenticate header for a request with or
// without credentials.
func (s SecurityScheme) challenge(sentCredentials bool) string {
	if sentCredentials && s.InvalidChallenge != "" {
		return s.InvalidChallenge
	}
	return s.Challenge
}

// authScheme returns the authentication scheme a challenge starts with, a
// token of RFC 9110, or "" when it starts with none.
func authScheme(challenge string) string {
	name, _, _ := strings.Cut(challenge, " ")
	if name == "" {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return ""
		}
	}
	return name
}
