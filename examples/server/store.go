package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/postgres"
	"github.com/channelgrouping/grouping/sqlite"
)

// openStore opens the store that db names: a postgres:// or postgresql://
// URL opens the PostgreSQL store (tables in schema "grouping", pool settings
// from the URL's pool_* parameters), anything else is the path of a SQLite
// file.
func openStore(ctx context.Context, db string) (grouping.Store, error) {
	if isPostgresURL(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// isPostgresURL reports whether db is a PostgreSQL URL rather than a file
// path.
func isPostgresURL(db string) bool {
	lower := strings.ToLower(db)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// redactDB returns db fit for a log line: a URL's password is replaced.
func redactDB(db string) string {
	if !isPostgresURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
