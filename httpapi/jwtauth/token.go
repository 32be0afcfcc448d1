package jwtauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// tokenClaims are the claims a principal is made of, as checkToken read
// them.
type tokenClaims struct {
	subject       string
	roles         []string
	organisations []string
	workspaces    []string
	allTenants    bool
}

// checkToken reads the header and claims of a compact JWS strictly,
// refusing what the token library would let through (see the package
// documentation), and returns the claims that make a principal. It trusts
// nothing: the signature is checked afterwards, and only then are the
// claims used.
func checkToken(token string) (tokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return tokenClaims{}, refuse("malformed token", jwt.ErrTokenMalformed)
	}
	header, err := members(parts[0])
	if err != nil {
		return tokenClaims{}, err
	}
	if raw, ok := header["typ"]; ok {
		var typ string
		if json.Unmarshal(raw, &typ) != nil || !isString(raw) || !strings.EqualFold(typ, "JWT") {
			return tokenClaims{}, refuse(errType.Error(), errType)
		}
	}
	if _, ok := header["crit"]; ok {
		return tokenClaims{}, refuse(errCritical.Error(), errCritical)
	}

	claims, err := members(parts[1])
	if err != nil {
		return tokenClaims{}, err
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if raw, ok := claims[name]; ok && !isNumber(raw) {
			return tokenClaims{}, refuse(name+" must be a JSON number", errDate)
		}
	}
	var c tokenClaims
	if raw, ok := claims["sub"]; ok {
		if !isString(raw) {
			return tokenClaims{}, refuse("sub must be a string", errClaimType)
		}
		json.Unmarshal(raw, &c.subject) // a valid JSON string
	}
	for _, list := range []struct {
		name string
		to   *[]string
	}{{"roles", &c.roles}, {"organisations", &c.organisations}, {"workspaces", &c.workspaces}} {
		if *list.to, err = stringList(claims[list.name]); err != nil {
			return tokenClaims{}, refuse(list.name+" must be an array of strings", errClaimType)
		}
	}
	if raw, ok := claims["all_tenants"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.allTenants); err != nil {
			return tokenClaims{}, refuse("all_tenants must be true or false", errClaimType)
		}
	}
	return c, nil
}

// members decodes a base64url segment that must hold one JSON object in
// which no object, at any depth, repeats a member name, and returns the
// object's members.
func members(segment string) (map[string]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return nil, refuse("malformed token", errors.Join(jwt.ErrTokenMalformed, err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := checkMembers(dec); err != nil {
		if errors.Is(err, errRepeated) {
			return nil, refuse(errRepeated.Error(), errRepeated)
		}
		return nil, refuse("malformed token", errors.Join(jwt.ErrTokenMalformed, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, refuse("malformed token", jwt.ErrTokenMalformed)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, refuse("malformed token", jwt.ErrTokenMalformed)
	}
	return m, nil
}

// checkMembers reads one JSON value from dec and fails with errRepeated
// when an object in it names a member twice. Names are compared after
// unescaping, so "a" and "\u0061" are the same name.
func checkMembers(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := make(map[string]bool)
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := key.(string)
			if seen[name] {
				return errRepeated
			}
			seen[name] = true
			if err := checkMembers(dec); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for dec.More() {
			if err := checkMembers(dec); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// stringList decodes an optional array of strings: absent and null are
// nil; anything but an array of strings is an error.
func stringList(raw json.RawMessage) ([]string, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	list := make([]string, len(items))
	for i, item := range items {
		if !isString(item) {
			return nil, errClaimType
		}
		json.Unmarshal(item, &list[i]) // a valid JSON string
	}
	return list, nil
}

// isString reports whether raw, a valid JSON value, is a string.
func isString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }

// isNumber reports whether raw, a valid JSON value, is a number.
func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}
