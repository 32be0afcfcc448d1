package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/postgres"
	"github.com/channelgrouping/grouping/sqlite"
)

// The subcommands reach the database named by -db through the functions of
// this file and of store.go: a SQLite file, or a postgres:// URL.

// errSQLiteOnly is the answer of the commands that work on a SQLite file
// alone (backup) to a database URL.
var errSQLiteOnly = errors.New("only SQLite database files are supported; use the tools of your PostgreSQL server")

// dbSystem names the database system of a store for its telemetry
// (db.system.name), "" when it has none.
func dbSystem(s grouping.Store) string {
	switch s.(type) {
	case *sqlite.Store:
		return "sqlite"
	case *postgres.Store:
		return "postgresql"
	}
	return ""
}

// schemaVersion returns the schema version of the database named by db, 0
// when it does not exist yet. It changes nothing.
func schemaVersion(ctx context.Context, db string) (int, error) {
	if isPostgresURL(db) {
		return postgres.SchemaVersion(ctx, db)
	}
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	conn, err := openSQLiteFile(db, true)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read the schema version of %s: %w", db, err)
	}
	return v, nil
}

// openSQLiteFile opens the existing SQLite file at path with the driver
// that modernc.org/sqlite registers, on one connection, read-only or not.
// It waits for locks as long as the store does.
func openSQLiteFile(path string, readOnly bool) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/…
	}
	mode := "rw" // never create: the file must exist
	if readOnly {
		mode = "ro"
	}
	u := url.URL{Scheme: "file", Path: p, OmitHost: true}
	dsn := fmt.Sprintf("%s?mode=%s&_pragma=busy_timeout(%d)", u.String(), mode, sqlite.DefaultBusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}
