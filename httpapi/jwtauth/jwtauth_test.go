package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// now is the fixed time of every test clock.
var now = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func clock() time.Time { return now }

var (
	secret      = []byte("a test secret that is long enough for HS256")
	otherSecret = []byte("another test secret, just as long as the first")

	rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	ecKey = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})

	user = uuid.MustParse("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
	org1 = uuid.MustParse("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9")
	org2 = uuid.MustParse("1b2c3d4e-5f60-4172-8384-a5b6c7d8e9f0")
	ws1  = uuid.MustParse("2c3d4e5f-6071-4283-9495-b6c7d8e9f0a1")
)

// mint signs claims with method and key, whatever they hold.
func mint(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	is.New(t).NoErr(err) // the test token is signed
	return token
}

// valid returns claims that an Authenticator without issuer or audience
// accepts, changed by the given key/value pairs (a nil value removes the
// claim).
func valid(kv ...any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":           user.String(),
		"organisations": []string{org1.String(), org2.String()},
		"workspaces":    []string{ws1.String()},
		"iat":           now.Add(-time.Minute).Unix(),
		"exp":           now.Add(time.Hour).Unix(),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

// unsigned builds a token from a raw header and claims, with a junk
// signature.
func unsigned(header string, claims jwt.MapClaims) string {
	b, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(b) + ".c2lnbmF0dXJl"
}

// signRaw signs a raw header and claims with HS256 and secret, so that a
// test can send JSON that a JSON encoder would not write.
func signRaw(t *testing.T, header string, claims jwt.MapClaims) string {
	t.Helper()
	b, err := json.Marshal(claims)
	is.New(t).NoErr(err) // the claims encode
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(b)
	sig, err := jwt.SigningMethodHS256.Sign(signing, secret)
	is.New(t).NoErr(err) // the token is signed
	return signing + "." + enc.EncodeToString(sig)
}

// signRawClaims signs raw claims under a standard HS256 header.
func signRawClaims(t *testing.T, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(claims))
	sig, err := jwt.SigningMethodHS256.Sign(signing, secret)
	is.New(t).NoErr(err) // the token is signed
	return signing + "." + enc.EncodeToString(sig)
}

func request(authorization ...string) *http.Request {
	r := httptest.NewRequest("GET", "/organisations/"+org1.String()+"/groups", nil)
	for _, a := range authorization {
		r.Header.Add("Authorization", a)
	}
	return r
}

func newAuth(t *testing.T, key Key, opts ...Option) *Authenticator {
	t.Helper()
	a, err := New(key, append([]Option{WithClock(clock)}, opts...)...)
	is.New(t).NoErr(err) // the authenticator is made
	return a
}

var wantPrincipal = httpapi.Principal{
	UserID:        user,
	Organisations: []uuid.UUID{org1, org2},
	Workspaces:    []uuid.UUID{ws1},
}

func withRoles(p httpapi.Principal, roles ...string) httpapi.Principal {
	p.Roles = append([]string{}, roles...)
	return p
}

func allTenants(p httpapi.Principal) httpapi.Principal {
	p.AllTenants = true
	return p
}

func TestAuthenticateAccepts(t *testing.T) {
	hs := newAuth(t, HS256(secret))
	rs := newAuth(t, RS256(&rsaKey().PublicKey))
	es := newAuth(t, ES256(&ecKey().PublicKey))
	strict := newAuth(t, HS256(secret), WithIssuer("https://id.example"), WithAudience("grouping"))
	lenient := newAuth(t, HS256(secret), WithLeeway(30*time.Second))
	hsToken := mint(t, jwt.SigningMethodHS256, secret, valid())
	for _, tc := range []struct {
		name   string
		auth   *Authenticator
		header string
		want   httpapi.Principal
	}{
		{"HS256", hs, "Bearer " + hsToken, wantPrincipal},
		{"RS256", rs, "Bearer " + mint(t, jwt.SigningMethodRS256, rsaKey(), valid()), wantPrincipal},
		{"ES256", es, "Bearer " + mint(t, jwt.SigningMethodES256, ecKey(), valid()), wantPrincipal},
		{"scheme in lower case", hs, "bearer " + hsToken, wantPrincipal},
		{"spaces around the token", hs, "  Bearer   " + hsToken + " ", wantPrincipal},
		{"no tenants", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("organisations", nil, "workspaces", nil)),
			httpapi.Principal{UserID: user, Organisations: []uuid.UUID{}, Workspaces: []uuid.UUID{}}},
		{"null tenants", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("organisations", []string{}, "workspaces", json.RawMessage("null"))),
			httpapi.Principal{UserID: user, Organisations: []uuid.UUID{}, Workspaces: []uuid.UUID{}}},
		{"UUIDs in upper case", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("sub", strings.ToUpper(user.String()))), wantPrincipal},
		{"no iat", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("iat", nil)), wantPrincipal},
		{"nbf passed", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("nbf", now.Unix())), wantPrincipal},
		{"issuer and audience", strict, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("iss", "https://id.example", "aud", []string{"other", "grouping"})), wantPrincipal},
		{"expired within the leeway", lenient, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("exp", now.Add(-10*time.Second).Unix())), wantPrincipal},
		{"fractional exp", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("exp", float64(now.Add(time.Hour).Unix())+0.5)), wantPrincipal},
		{"roles", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("roles", []string{"admin", "auditor"})), withRoles(wantPrincipal, "admin", "auditor")},
		{"no roles", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("roles", []string{})), withRoles(wantPrincipal)},
		{"null roles", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("roles", json.RawMessage("null"))), wantPrincipal},
		{"service for all tenants", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("roles", []string{"service"}, "all_tenants", true)), allTenants(withRoles(wantPrincipal, "service"))},
		{"all_tenants false", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("all_tenants", false)), wantPrincipal},
		{"typ in lower case", hs, "Bearer " + signRaw(t, `{"alg":"HS256","typ":"jwt"}`, valid()), wantPrincipal},
		{"no typ", hs, "Bearer " + signRaw(t, `{"alg":"HS256"}`, valid()), wantPrincipal},
		{"same member in two objects", hs, "Bearer " + mint(t, jwt.SigningMethodHS256, secret, valid("x", []map[string]int{{"a": 1}, {"a": 2}})), wantPrincipal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			p, err := tc.auth.Authenticate(request(tc.header))
			is.NoErr(err)        // the token is accepted
			is.Equal(p, tc.want) // the principal is the token's
		})
	}
}

func TestAuthenticateRejects(t *testing.T) {
	hs := newAuth(t, HS256(secret))
	rs := newAuth(t, RS256(&rsaKey().PublicKey))
	es := newAuth(t, ES256(&ecKey().PublicKey))
	strict := newAuth(t, HS256(secret), WithIssuer("https://id.example"), WithAudience("grouping"))
	lenient := newAuth(t, HS256(secret), WithLeeway(30*time.Second))

	hsToken := mint(t, jwt.SigningMethodHS256, secret, valid())
	parts := strings.Split(hsToken, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+user.String()+`","organisations":["`+uuid.NewString()+`"],"exp":9999999999}`)) + "." + parts[2]
	rsaPublicDER, err := x509.MarshalPKIXPublicKey(&rsaKey().PublicKey)
	is.New(t).NoErr(err) // the public key encodes
	none := mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid())
	bearer := func(c jwt.MapClaims) string { return "Bearer " + mint(t, jwt.SigningMethodHS256, secret, c) }
	critical := jwt.NewWithClaims(jwt.SigningMethodHS256, valid())
	critical.Header["crit"] = []string{"exp"}
	criticalToken, err := critical.SignedString(secret)
	is.New(t).NoErr(err) // the token with a crit header is signed

	for _, tc := range []struct {
		name    string
		auth    *Authenticator
		headers []string
		want    error
	}{
		{"no header", hs, nil, errNoCredentials},
		{"empty header", hs, []string{""}, errNotBearer},
		{"two headers", hs, []string{"Bearer " + hsToken, "Bearer " + hsToken}, errManyHeaders},
		{"basic scheme", hs, []string{"Basic dXNlcjpwYXNz"}, errNotBearer},
		{"token without scheme", hs, []string{hsToken}, errNotBearer},
		{"scheme glued to token", hs, []string{"Bearer" + hsToken}, errNotBearer},
		{"scheme without token", hs, []string{"Bearer"}, errNoToken},
		{"scheme and spaces", hs, []string{"Bearer    "}, errNoToken},
		{"token too long", hs, []string{"Bearer " + strings.Repeat("a", MaxTokenBytes+1)}, errTooLong},
		{"not a JWT", hs, []string{"Bearer abc"}, jwt.ErrTokenMalformed},
		{"three junk parts", hs, []string{"Bearer a.b.c"}, jwt.ErrTokenMalformed},
		{"two tokens", hs, []string{"Bearer " + hsToken + " " + hsToken}, jwt.ErrTokenMalformed},
		{"another secret", hs, []string{"Bearer " + mint(t, jwt.SigningMethodHS256, otherSecret, valid())}, jwt.ErrTokenSignatureInvalid},
		{"tampered claims", hs, []string{"Bearer " + tampered}, jwt.ErrTokenSignatureInvalid},
		{"signature removed", hs, []string{"Bearer " + parts[0] + "." + parts[1] + "."}, jwt.ErrTokenSignatureInvalid},
		{"alg none", hs, []string{"Bearer " + none}, jwt.ErrTokenSignatureInvalid},
		{"alg none to RS256", rs, []string{"Bearer " + none}, jwt.ErrTokenSignatureInvalid},
		{"HS384 with the right secret", hs, []string{"Bearer " + mint(t, jwt.SigningMethodHS384, secret, valid())}, jwt.ErrTokenSignatureInvalid},
		{"HS256 keyed with the RSA public key", rs, []string{"Bearer " + mint(t, jwt.SigningMethodHS256, rsaPublicDER, valid())}, jwt.ErrTokenSignatureInvalid},
		{"ES256 to RS256", rs, []string{"Bearer " + mint(t, jwt.SigningMethodES256, ecKey(), valid())}, jwt.ErrTokenSignatureInvalid},
		{"RS256 to ES256", es, []string{"Bearer " + mint(t, jwt.SigningMethodRS256, rsaKey(), valid())}, jwt.ErrTokenSignatureInvalid},
		{"PS256 to RS256", rs, []string{"Bearer " + mint(t, jwt.SigningMethodPS256, rsaKey(), valid())}, jwt.ErrTokenSignatureInvalid},
		{"critical header", hs, []string{"Bearer " + criticalToken}, errCritical},
		{"unknown alg", hs, []string{"Bearer " + unsigned(`{"alg":"XYZ","typ":"JWT"}`, valid())}, jwt.ErrTokenUnverifiable},
		{"expired", hs, []string{bearer(valid("exp", now.Add(-time.Second).Unix()))}, jwt.ErrTokenExpired},
		{"expired beyond the leeway", lenient, []string{bearer(valid("exp", now.Add(-time.Minute).Unix()))}, jwt.ErrTokenExpired},
		{"no exp", hs, []string{bearer(valid("exp", nil))}, jwt.ErrTokenRequiredClaimMissing},
		{"exp not a number", hs, []string{bearer(valid("exp", "tomorrow"))}, errDate},
		{"exp a quoted number", hs, []string{bearer(valid("exp", "4102444800"))}, errDate},
		{"exp null", hs, []string{bearer(valid("exp", json.RawMessage("null")))}, errDate},
		{"exp a boolean", hs, []string{bearer(valid("exp", true))}, errDate},
		{"nbf a quoted number", hs, []string{bearer(valid("nbf", "1700000000"))}, errDate},
		{"iat a quoted number", hs, []string{bearer(valid("iat", "1700000000"))}, errDate},
		{"iat an array", hs, []string{bearer(valid("iat", []int64{now.Unix()}))}, errDate},
		{"not valid yet", hs, []string{bearer(valid("nbf", now.Add(time.Minute).Unix()))}, jwt.ErrTokenNotValidYet},
		{"issued in the future", hs, []string{bearer(valid("iat", now.Add(time.Minute).Unix()))}, jwt.ErrTokenUsedBeforeIssued},
		{"no issuer", strict, []string{bearer(valid("aud", "grouping"))}, jwt.ErrTokenRequiredClaimMissing},
		{"wrong issuer", strict, []string{bearer(valid("aud", "grouping", "iss", "https://evil.example"))}, jwt.ErrTokenInvalidIssuer},
		{"no audience", strict, []string{bearer(valid("iss", "https://id.example"))}, jwt.ErrTokenRequiredClaimMissing},
		{"wrong audience", strict, []string{bearer(valid("iss", "https://id.example", "aud", "billing"))}, jwt.ErrTokenInvalidAudience},
		{"no sub", hs, []string{bearer(valid("sub", nil))}, errBadSubject},
		{"sub not a UUID", hs, []string{bearer(valid("sub", "alice"))}, errBadSubject},
		{"sub the nil UUID", hs, []string{bearer(valid("sub", uuid.Nil.String()))}, errBadSubject},
		{"sub in braces", hs, []string{bearer(valid("sub", "{"+user.String()+"}"))}, errBadSubject},
		{"sub as URN", hs, []string{bearer(valid("sub", "urn:uuid:"+user.String()))}, errBadSubject},
		{"sub a number", hs, []string{bearer(valid("sub", 42))}, errClaimType},
		{"organisation not a UUID", hs, []string{bearer(valid("organisations", []string{org1.String(), "acme"}))}, errBadTenant},
		{"empty workspace", hs, []string{bearer(valid("workspaces", []string{""}))}, errBadTenant},
		{"nil workspace", hs, []string{bearer(valid("workspaces", []string{uuid.Nil.String()}))}, errBadTenant},
		{"organisations a string", hs, []string{bearer(valid("organisations", org1.String()))}, errClaimType},
		{"workspaces of numbers", hs, []string{bearer(valid("workspaces", []int{1, 2}))}, errClaimType},
		{"organisations holding null", hs, []string{bearer(valid("organisations", []any{org1.String(), nil}))}, errClaimType},
		{"roles a string", hs, []string{bearer(valid("roles", "service"))}, errClaimType},
		{"roles of numbers", hs, []string{bearer(valid("roles", []int{1}))}, errClaimType},
		{"roles holding null", hs, []string{bearer(valid("roles", []any{"service", nil}))}, errClaimType},
		{"roles an object", hs, []string{bearer(valid("roles", map[string]bool{"service": true}))}, errClaimType},
		{"all_tenants a string", hs, []string{bearer(valid("roles", []string{"service"}, "all_tenants", "true"))}, errClaimType},
		{"all_tenants a number", hs, []string{bearer(valid("roles", []string{"service"}, "all_tenants", 1))}, errClaimType},
		{"all_tenants without the service role", hs, []string{bearer(valid("roles", []string{"admin"}, "all_tenants", true))}, errAllTenants},
		{"all_tenants without roles", hs, []string{bearer(valid("all_tenants", true))}, errAllTenants},
		{"typ JWS", hs, []string{"Bearer " + signRaw(t, `{"alg":"HS256","typ":"JWS"}`, valid())}, errType},
		{"typ at+jwt", hs, []string{"Bearer " + signRaw(t, `{"alg":"HS256","typ":"at+jwt"}`, valid())}, errType},
		{"typ empty", hs, []string{"Bearer " + signRaw(t, `{"alg":"HS256","typ":""}`, valid())}, errType},
		{"typ a number", hs, []string{"Bearer " + signRaw(t, `{"alg":"HS256","typ":1}`, valid())}, errType},
		{"header repeats alg", hs, []string{"Bearer " + signRaw(t, `{"alg":"HS256","typ":"JWT","alg":"HS256"}`, valid())}, errRepeated},
		{"header repeats typ", hs, []string{"Bearer " + signRaw(t, `{"alg":"HS256","typ":"JWT","typ":"JWS"}`, valid())}, errRepeated},
		{"claims repeat sub", hs, []string{"Bearer " + signRawClaims(t, `{"sub":"`+user.String()+`","exp":4102444800,"sub":"`+uuid.NewString()+`"}`)}, errRepeated},
		{"claims repeat exp", hs, []string{"Bearer " + signRawClaims(t, `{"sub":"`+user.String()+`","exp":1,"exp":4102444800}`)}, errRepeated},
		{"claims repeat a name once escaped", hs, []string{"Bearer " + signRawClaims(t, `{"sub":"`+user.String()+`","exp":4102444800,"sub":"`+uuid.NewString()+`"}`)}, errRepeated},
		{"claims repeat roles", hs, []string{"Bearer " + signRawClaims(t, `{"sub":"`+user.String()+`","exp":4102444800,"roles":[],"roles":["service"]}`)}, errRepeated},
		{"claims repeat a nested name", hs, []string{"Bearer " + signRawClaims(t, `{"sub":"`+user.String()+`","exp":4102444800,"x":[{"a":1,"a":2}]}`)}, errRepeated},
		{"claims not an object", hs, []string{"Bearer " + signRawClaims(t, `["sub"]`)}, jwt.ErrTokenMalformed},
		{"claims with trailing data", hs, []string{"Bearer " + signRawClaims(t, `{"sub":"`+user.String()+`","exp":4102444800} {}`)}, jwt.ErrTokenMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			p, err := tc.auth.Authenticate(request(tc.headers...))
			is.True(errors.Is(err, httpapi.ErrUnauthenticated)) // the request is unauthenticated
			is.True(errors.Is(err, tc.want))                    // for the expected reason
			is.Equal(p, httpapi.Principal{})                    // and no principal comes with it
			is.True(!strings.Contains(err.Error(), "eyJ"))      // the message does not echo the token
			t.Log(err)
		})
	}
}

func TestSignerRoundTrip(t *testing.T) {
	opts := []Option{WithClock(clock), WithIssuer("https://id.example"), WithAudience("grouping")}
	hsSigner, err := NewHS256Signer(secret, opts...)
	is.New(t).NoErr(err) // the HS256 signer is made
	rsSigner, err := NewRS256Signer(rsaKey(), opts...)
	is.New(t).NoErr(err) // the RS256 signer is made
	esSigner, err := NewES256Signer(ecKey(), opts...)
	is.New(t).NoErr(err) // the ES256 signer is made
	for _, tc := range []struct {
		name   string
		signer *Signer
		key    Key
	}{
		{"HS256", hsSigner, HS256(secret)},
		{"RS256", rsSigner, RS256(&rsaKey().PublicKey)},
		{"ES256", esSigner, ES256(&ecKey().PublicKey)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			token, err := tc.signer.Sign(wantPrincipal, time.Hour)
			is.NoErr(err) // the token is signed
			p, err := newAuth(t, tc.key, opts...).Authenticate(request("Bearer " + token))
			is.NoErr(err)              // the token is accepted
			is.Equal(p, wantPrincipal) // with the principal it was signed for

			later, err := New(tc.key, WithClock(func() time.Time { return now.Add(time.Hour + time.Second) }), WithIssuer("https://id.example"), WithAudience("grouping"))
			is.NoErr(err) // the authenticator is made
			_, err = later.Authenticate(request("Bearer " + token))
			is.True(errors.Is(err, jwt.ErrTokenExpired)) // the token expires after its ttl

			_, err = newAuth(t, tc.key).Authenticate(request("Bearer " + token))
			is.NoErr(err) // an authenticator that does not ask for issuer or audience accepts it too
			_, err = newAuth(t, tc.key, WithAudience("billing")).Authenticate(request("Bearer " + token))
			is.True(errors.Is(err, jwt.ErrTokenInvalidAudience)) // one that asks for another audience does not
		})
	}
}

func TestSignerRoles(t *testing.T) {
	is := is.New(t)
	s, err := NewHS256Signer(secret, WithClock(clock))
	is.NoErr(err) // the signer is made
	service := httpapi.Principal{UserID: user, Roles: []string{httpapi.RoleService}, Organisations: []uuid.UUID{}, Workspaces: []uuid.UUID{}, AllTenants: true}
	token, err := s.Sign(service, time.Hour)
	is.NoErr(err) // a service token for all tenants is signed
	p, err := newAuth(t, HS256(secret)).Authenticate(request("Bearer " + token))
	is.NoErr(err)        // and accepted
	is.Equal(p, service) // with its roles and all tenants

	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	is.NoErr(err) // the payload decodes
	var claims map[string]any
	is.NoErr(json.Unmarshal(payload, &claims))        // the payload is JSON
	is.Equal(claims["roles"], []any{"service"})       // roles is the documented claim
	is.Equal(claims["all_tenants"], true)             // all_tenants is the documented claim
	is.Equal(claims["exp"], float64(now.Unix()+3600)) // exp is a number
}

func TestSignerEmptyPrincipalLists(t *testing.T) {
	is := is.New(t)
	s, err := NewHS256Signer(secret, WithClock(clock))
	is.NoErr(err) // the signer is made
	token, err := s.Sign(httpapi.Principal{UserID: user}, time.Minute)
	is.NoErr(err) // the token is signed
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	is.NoErr(err) // the payload decodes
	var claims map[string]any
	is.NoErr(json.Unmarshal(payload, &claims))      // the payload is JSON
	is.Equal(claims["organisations"], []any{})      // no organisations is an empty list
	is.Equal(claims["workspaces"], []any{})         // no workspaces is an empty list
	is.Equal(claims["sub"], user.String())          // sub is the user
	is.Equal(claims["exp"], float64(now.Unix()+60)) // exp is ttl from now
	_, hasIssuer := claims["iss"]
	is.True(!hasIssuer) // no issuer unless asked for
	_, hasRoles := claims["roles"]
	is.True(!hasRoles) // no roles claim without roles
	_, hasAll := claims["all_tenants"]
	is.True(!hasAll) // no all_tenants claim unless set
}

func TestSignRejects(t *testing.T) {
	s, err := NewHS256Signer(secret)
	is.New(t).NoErr(err) // the signer is made
	for _, tc := range []struct {
		name string
		p    httpapi.Principal
		ttl  time.Duration
	}{
		{"no user", httpapi.Principal{Organisations: []uuid.UUID{org1}}, time.Hour},
		{"no ttl", httpapi.Principal{UserID: user}, 0},
		{"negative ttl", httpapi.Principal{UserID: user}, -time.Hour},
		{"ttl under a second", httpapi.Principal{UserID: user}, time.Millisecond},
		{"all tenants without the service role", httpapi.Principal{UserID: user, Roles: []string{"admin"}, AllTenants: true}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			token, err := s.Sign(tc.p, tc.ttl)
			is.True(err != nil) // the token is refused
			is.Equal(token, "") // and none is returned
		})
	}
}

func TestNewRejects(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	is.New(t).NoErr(err) // the P-384 key is generated
	small := &rsa.PublicKey{N: new(big.Int).SetBit(new(big.Int), 1023, 1), E: 65537}
	for _, tc := range []struct {
		name string
		key  Key
		opts []Option
	}{
		{"no key", Key{}, nil},
		{"short secret", HS256(secret[:MinSecretBytes-1]), nil},
		{"nil secret", HS256(nil), nil},
		{"nil RSA key", RS256(nil), nil},
		{"empty RSA key", RS256(&rsa.PublicKey{}), nil},
		{"small RSA key", RS256(small), nil},
		{"nil ECDSA key", ES256(nil), nil},
		{"P-384 key", ES256(&p384.PublicKey), nil},
		{"ECDSA key without curve", ES256(&ecdsa.PublicKey{}), nil},
		{"negative leeway", HS256(secret), []Option{WithLeeway(-time.Second)}},
		{"large leeway", HS256(secret), []Option{WithLeeway(MaxLeeway + time.Second)}},
		{"nil clock", HS256(secret), []Option{WithClock(nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			a, err := New(tc.key, tc.opts...)
			is.True(err != nil) // the authenticator is refused
			is.True(a == nil)   // and none is returned
		})
	}
}

func TestNewSignerRejects(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	is.New(t).NoErr(err) // the P-384 key is generated
	for _, tc := range []struct {
		name string
		new  func() (*Signer, error)
	}{
		{"short secret", func() (*Signer, error) { return NewHS256Signer(secret[:MinSecretBytes-1]) }},
		{"nil RSA key", func() (*Signer, error) { return NewRS256Signer(nil) }},
		{"empty RSA key", func() (*Signer, error) { return NewRS256Signer(&rsa.PrivateKey{}) }},
		{"nil ECDSA key", func() (*Signer, error) { return NewES256Signer(nil) }},
		{"P-384 key", func() (*Signer, error) { return NewES256Signer(p384) }},
		{"empty ECDSA key", func() (*Signer, error) { return NewES256Signer(&ecdsa.PrivateKey{}) }},
		{"large leeway", func() (*Signer, error) { return NewHS256Signer(secret, WithLeeway(time.Hour)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s, err := tc.new()
			is.True(err != nil) // the signer is refused
			is.True(s == nil)   // and none is returned
		})
	}
}

func TestKeysKeepTheirOwnSecret(t *testing.T) {
	is := is.New(t)
	mine := append([]byte(nil), secret...)
	a := newAuth(t, HS256(mine))
	s, err := NewHS256Signer(mine, WithClock(clock))
	is.NoErr(err) // the signer is made
	clear(mine)
	token, err := s.Sign(wantPrincipal, time.Hour)
	is.NoErr(err) // the token is signed
	p, err := a.Authenticate(request("Bearer " + token))
	is.NoErr(err)              // changing the caller's slice changes neither key
	is.Equal(p, wantPrincipal) // the principal is the token's
}

func TestAuthenticateConcurrent(t *testing.T) {
	a := newAuth(t, ES256(&ecKey().PublicKey))
	good := "Bearer " + mint(t, jwt.SigningMethodES256, ecKey(), valid())
	bad := "Bearer " + mint(t, jwt.SigningMethodES256, ecKey(), valid("exp", now.Add(-time.Hour).Unix()))
	errs := make([]error, 16)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				_, errs[i] = a.Authenticate(request(good))
			} else if _, err := a.Authenticate(request(bad)); !errors.Is(err, jwt.ErrTokenExpired) {
				errs[i] = errors.New("an expired token was not refused as such")
			}
		})
	}
	wg.Wait()
	is.New(t).NoErr(errors.Join(errs...)) // every call gives its own answer
}

// FuzzAuthenticate checks that no Authorization header makes Authenticate
// panic, and that every refusal is an authentication failure.
func FuzzAuthenticate(f *testing.F) {
	f.Add("Bearer " + unsigned(`{"alg":"HS256","typ":"JWT"}`, valid()))
	f.Add("Bearer " + unsigned(`{"alg":"none"}`, valid()))
	f.Add("Bearer " + unsigned(`{"alg":"ES256"}`, valid("sub", []int{1})))
	f.Add("Bearer " + unsigned(`{"alg":`, valid()))
	f.Add("Bearer ...")
	f.Add("bearer \x00")
	f.Add("")
	a, err := New(HS256(secret), WithClock(clock))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{Header: http.Header{"Authorization": {header}}}
		if _, err := a.Authenticate(r); err != nil && !errors.Is(err, httpapi.ErrUnauthenticated) {
			t.Fatalf("error not wrapping ErrUnauthenticated: %v", err)
		}
	})
}
