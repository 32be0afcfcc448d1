package jwtauth_test

import (
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/google/uuid"
)

// A host that shares a secret with its identity service mints a token for a
// user and authenticates the request that carries it. The Authenticator goes
// to httpapi.WithAuthenticator.
func Example() {
	// A real secret is random, at least 32 bytes, and kept out of the code.
	secret := []byte("example secret: 32 bytes or more, never in code")
	opts := []jwtauth.Option{jwtauth.WithIssuer("https://id.example.com")}

	signer, err := jwtauth.NewHS256Signer(secret, opts...)
	if err != nil {
		log.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.HS256(secret), opts...)
	if err != nil {
		log.Fatal(err)
	}

	token, err := signer.Sign(httpapi.Principal{
		UserID:        uuid.MustParse("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"),
		Organisations: []uuid.UUID{uuid.MustParse("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9")},
	}, time.Hour)
	if err != nil {
		log.Fatal(err)
	}

	r := httptest.NewRequest("GET", "/organisations/0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9/groups", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	p, err := auth.Authenticate(r)
	fmt.Println(p.UserID, p.Organisations, p.Workspaces, err)

	r.Header.Set("Authorization", "Bearer "+token+"x")
	_, err = auth.Authenticate(r)
	fmt.Println(errors.Is(err, httpapi.ErrUnauthenticated), err)
	// Output:
	// 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f [0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9] [] <nil>
	// true jwtauth: bad signature
}

// The host's backend gets a service token: the service role lets it write
// the mirror of organisations, channels and memberships, and all_tenants
// lets it do so in every organisation and workspace. An Authenticator
// refuses all_tenants on a token without the service role.
func Example_serviceToken() {
	secret := []byte("example secret: 32 bytes or more, never in code")
	signer, err := jwtauth.NewHS256Signer(secret)
	if err != nil {
		log.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.HS256(secret))
	if err != nil {
		log.Fatal(err)
	}

	token, err := signer.Sign(httpapi.Principal{
		UserID:     uuid.MustParse("0f0e0d0c-0b0a-4908-8706-050403020100"),
		Roles:      []string{httpapi.RoleService},
		AllTenants: true,
	}, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("PUT", "/organisations/0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	p, err := auth.Authenticate(r)
	fmt.Println(p.Roles, p.AllTenants, p.HasRole(httpapi.RoleService), err)

	_, err = signer.Sign(httpapi.Principal{UserID: uuid.New(), AllTenants: true}, time.Hour)
	fmt.Println(err)
	// Output:
	// [service] true true <nil>
	// jwtauth: all_tenants needs the service role
}
