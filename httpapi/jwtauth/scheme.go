package jwtauth

import "github.com/channelgrouping/grouping/httpapi"

// schemeDescription describes the tokens an Authenticator accepts, in the
// security scheme of the OpenAPI document.
const schemeDescription = "A JWT with exp, sub (the principal's ID), roles (an array of strings: \"service\" for the host's backend, which alone may write the mirror; \"admin\" where the host requires it for group writes), organisations and workspaces (arrays of IDs of the tenants the principal may act in), and, for service tokens only, all_tenants (true to act in every tenant), as the bundled authenticator reads it. exp, nbf and iat must be JSON numbers; a typ header, when present, must be JWT; repeated member names are refused. A request without valid credentials gets 401 with WWW-Authenticate: Bearer."

// SecurityScheme describes how clients authenticate with a, for the OpenAPI
// document of an httpapi.API that uses it: a bearer JWT in the
// Authorization header ("bearerAuth", HTTP bearer, format JWT), and the
// challenges "Bearer" and `Bearer error="invalid_token"`.
func (a *Authenticator) SecurityScheme() httpapi.SecurityScheme {
	return httpapi.SecurityScheme{
		Name: "bearerAuth",
		Scheme: map[string]any{
			"type":         "http",
			"scheme":       "bearer",
			"bearerFormat": "JWT",
			"description":  schemeDescription,
		},
		Challenge:        "Bearer",
		InvalidChallenge: `Bearer error="invalid_token"`,
	}
}

var _ httpapi.SchemeDescriber = (*Authenticator)(nil)
