// Package pgtest gives tests a PostgreSQL database of their own on the
// server that the environment variable GROUPING_TEST_POSTGRES_URL names, and
// the one line that says why they skip when it is not set.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the server the tests run against, as a postgres:// URL of a
// role that may create databases, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "GROUPING_TEST_POSTGRES_URL"

// SkipMessage is what tests say when EnvURL is not set.
const SkipMessage = EnvURL + " is not set: skipping the tests that need a PostgreSQL server"

// Database is a database that a test run created and drops when it is done.
type Database struct {
	// URL connects to the database.
	URL string

	name, admin string
}

// Create makes a new, empty database on the server named by EnvURL. It
// returns nil and no error when EnvURL is not set.
func Create(ctx context.Context, prefix string) (*Database, error) {
	admin := os.Getenv(EnvURL)
	if admin == "" {
		return nil, nil
	}
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("%s must be a postgres:// URL", EnvURL)
	}
	name := fmt.Sprintf("%s_%d_%s", prefix, os.Getpid(), strings.ToLower(rand.Text()[:8]))
	if err := adminExec(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create test database: %w", err)
	}
	u.Path = "/" + name
	return &Database{URL: u.String(), name: name, admin: admin}, nil
}

// Drop drops the database, closing the connections still open to it.
func (db *Database) Drop() error {
	// Dropping a database checkpoints the server, which takes a while on a
	// busy one.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return adminExec(ctx, db.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{db.name}.Sanitize()+" WITH (FORCE)")
}

func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// Main runs a test binary's tests with a database of its own, created
// before and dropped after them, and stores it in *db. When EnvURL is not
// set it prints SkipMessage once and leaves *db nil; the tests that need the
// database then skip (see Need).
func Main(m *testing.M, prefix string, db **Database) int {
	d, err := Create(context.Background(), prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if d == nil {
		fmt.Println(SkipMessage)
		return m.Run()
	}
	*db = d
	code := m.Run()
	if err := d.Drop(); err != nil {
		fmt.Fprintln(os.Stderr, "drop test database:", err)
		code = max(code, 1)
	}
	return code
}

// Need skips t when there is no database.
func Need(t testing.TB, db *Database) {
	t.Helper()
	if db == nil {
		t.Skip(SkipMessage)
	}
}

// Name returns the database's name.
func (db *Database) Name() string { return db.name }
