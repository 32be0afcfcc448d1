package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/google/uuid"
)

// defaultTokenTTL is the lifetime of a token that token mints unless told.
const defaultTokenTTL = 24 * time.Hour

// runToken mints a token with the configured secret and prints it alone
// on stdout, so that it can be captured with $(…); what it grants goes to
// stderr.
func runToken(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", "", "Mints a bearer token signed with the server's secret, "+envJWTSecret+", and prints it.\n"+
		"It refuses without that secret, as the server would accept no token signed with another.\n"+
		"The token names a user, the organisations and workspaces it may act in, its roles and its lifetime.\n"+
		"A token for the host's backend has the role service, and -all-tenants to act in every tenant.", stderr)
	var p httpapi.Principal
	user := fs.String("user", "", "the user's `UUID`, the token's sub (default: a new random UUID)")
	fs.Func("org", "an organisation `UUID` the user may act in; repeat or separate with commas", uuidList(&p.Organisations))
	fs.Func("workspace", "a workspace `UUID` the user may act in; repeat or separate with commas", uuidList(&p.Workspaces))
	fs.Func("role", "a `role`, such as service (the host's backend) or admin; repeat or separate with commas", func(s string) error {
		for r := range strings.SplitSeq(s, ",") {
			if r = strings.TrimSpace(r); r == "" {
				return errors.New("empty role")
			}
			p.Roles = append(p.Roles, r)
		}
		return nil
	})
	fs.BoolVar(&p.AllTenants, "all-tenants", false, "act in every organisation and workspace (needs -role service)")
	ttl := fs.Duration("ttl", defaultTokenTTL, "how long the token is valid")
	if err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	secret, err := configuredSecret(getenv)
	if err != nil {
		return err
	}
	if secret == "" {
		return fmt.Errorf("token: %s is not set: set it to the secret the server uses, as a token signed with any other is refused", envJWTSecret)
	}
	p.UserID = uuid.New()
	if *user != "" {
		if p.UserID, err = uuid.Parse(*user); err != nil || len(*user) != 36 {
			return fmt.Errorf("token: -user %q is not a UUID", *user)
		}
	}
	signer, err := jwtauth.NewHS256Signer([]byte(secret))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	token, err := signer.Sign(p, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintf(stderr, "token for user %s, roles [%s], organisations %v, workspaces %v, all tenants %v, valid until %s\n",
		p.UserID, strings.Join(p.Roles, " "), p.Organisations, p.Workspaces, p.AllTenants, time.Now().Add(*ttl).UTC().Format(time.RFC3339))
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// uuidList returns a flag function that appends the comma-separated UUIDs
// of its value to ids.
func uuidList(ids *[]uuid.UUID) func(string) error {
	return func(s string) error {
		for part := range strings.SplitSeq(s, ",") {
			part = strings.TrimSpace(part)
			id, err := uuid.Parse(part)
			if err != nil || len(part) != 36 {
				return fmt.Errorf("%q is not a UUID", part)
			}
			*ids = append(*ids, id)
		}
		return nil
	}
}
