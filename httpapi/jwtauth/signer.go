package jwtauth

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Signer mints tokens for principals. It is safe for concurrent use.
type Signer struct {
	method jwt.SigningMethod
	key    any
	cfg    config
}

// NewHS256Signer returns a Signer that signs with HMAC SHA-256 and secret,
// which must be at least [MinSecretBytes] long. The Signer keeps its own
// copy of secret. An Authenticator made with [HS256] and the same secret
// accepts its tokens.
func NewHS256Signer(secret []byte, opts ...Option) (*Signer, error) {
	if err := checkSecret(secret); err != nil {
		return nil, err
	}
	return newSigner(jwt.SigningMethodHS256, append([]byte(nil), secret...), opts)
}

// NewRS256Signer returns a Signer that signs with RSASSA PKCS #1 v1.5,
// SHA-256 and key, of at least [MinRSABits] bits. An Authenticator made with
// [RS256] and key's public half accepts its tokens.
func NewRS256Signer(key *rsa.PrivateKey, opts ...Option) (*Signer, error) {
	if key == nil {
		return nil, errors.New("jwtauth: RS256 needs an RSA private key")
	}
	if err := checkRSA(&key.PublicKey); err != nil {
		return nil, err
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("jwtauth: invalid RSA private key: %w", err)
	}
	return newSigner(jwt.SigningMethodRS256, key, opts)
}

// NewES256Signer returns a Signer that signs with ECDSA, SHA-256 and key, on
// the P-256 curve. An Authenticator made with [ES256] and key's public half
// accepts its tokens.
func NewES256Signer(key *ecdsa.PrivateKey, opts ...Option) (*Signer, error) {
	if key == nil {
		return nil, errors.New("jwtauth: ES256 needs an ECDSA private key")
	}
	if err := checkECDSA(&key.PublicKey); err != nil {
		return nil, err
	}
	if _, err := key.Bytes(); err != nil {
		return nil, fmt.Errorf("jwtauth: invalid ECDSA private key: %w", err)
	}
	return newSigner(jwt.SigningMethodES256, key, opts)
}

func newSigner(method jwt.SigningMethod, key any, opts []Option) (*Signer, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Signer{method: method, key: key, cfg: c}, nil
}

// Sign returns a token for p that expires ttl from now: sub is p.UserID,
// roles lists p's roles (left out when it has none), organisations and
// workspaces list p's tenants (empty lists when it has none), all_tenants
// is true when p.AllTenants is, iat is now, and iss and aud are set when
// the Signer was given [WithIssuer] or [WithAudience]. The claims carry
// whole seconds. p.UserID must not be the nil UUID, ttl must be at least a
// second, and p.AllTenants needs the service role, as an Authenticator
// refuses it otherwise.
func (s *Signer) Sign(p httpapi.Principal, ttl time.Duration) (string, error) {
	if p.UserID == uuid.Nil {
		return "", errors.New("jwtauth: a token needs a user ID")
	}
	if p.AllTenants && !p.HasRole(httpapi.RoleService) {
		return "", errors.New("jwtauth: " + errAllTenants.Error())
	}
	if ttl < time.Second {
		return "", errors.New("jwtauth: a token must live at least a second")
	}
	now := s.cfg.now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   p.UserID.String(),
			Issuer:    s.cfg.issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Roles:         p.Roles,
		Organisations: idStrings(p.Organisations),
		Workspaces:    idStrings(p.Workspaces),
		AllTenants:    p.AllTenants,
	}
	if s.cfg.audience != "" {
		c.Audience = jwt.ClaimStrings{s.cfg.audience}
	}
	token, err := jwt.NewWithClaims(s.method, c).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("jwtauth: signing: %w", err)
	}
	return token, nil
}

func idStrings(ids []uuid.UUID) []string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return s
}
