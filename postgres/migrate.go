package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrSchemaTooNew is returned by [Open], wrapped, for a database whose schema
// version is newer than this version of the package knows: a newer program
// has upgraded it, and writing to it from here could break it.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of package postgres supports")

// migrationFiles holds the schema migrations, one file per version, named
// NNNN_description.sql and numbered from 1 without gaps, like those of
// package sqlite. In them {{schema}} stands for the quoted schema name.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema: applying it brings a database from
// version Version-1 to Version.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations is the parsed content of migrationFiles, in order.
var migrations = func() []migration {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		panic(err)
	}
	return ms
}()

// loadMigrations reads the migration files of fsys and checks their names.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql") // sorted
	if err != nil {
		return nil, err
	}
	var ms []migration
	for i, name := range names {
		base := path.Base(name)
		num, _, _ := strings.Cut(base, "_")
		if v, err := strconv.Atoi(num); err != nil || len(num) != 4 || v != i+1 {
			return nil, fmt.Errorf("postgres: migration %s: want the name %04d_description.sql", base, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: i + 1, name: base, sql: string(b)})
	}
	return ms, nil
}

// The bookkeeping tables of the migrations, in the store's schema:
// schema_migrations has a row per applied version, and schema_lock one row
// that whoever migrates holds locked (SELECT … FOR UPDATE) for the whole
// migration, so that of several stores opening the same database at once
// exactly one applies each migration and the others wait, then find nothing
// left to do. No advisory lock is needed.
const bootstrapSQL = `
CREATE SCHEMA IF NOT EXISTS {{schema}};
CREATE TABLE IF NOT EXISTS {{schema}}.schema_migrations (
	version    integer     NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {{schema}}.schema_lock (
	id boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (id)
);
INSERT INTO {{schema}}.schema_lock (id) VALUES (true) ON CONFLICT DO NOTHING;`

// inSchema replaces the {{schema}} placeholder of a statement or migration.
func inSchema(sql, quotedSchema string) string {
	return strings.ReplaceAll(sql, "{{schema}}", quotedSchema)
}

// migrate brings the schema up to the last of ms.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string, ms []migration) error {
	quoted := pgx.Identifier{schema}.Sanitize()
	if err := bootstrap(ctx, pool, quoted); err != nil {
		return fmt.Errorf("migrate: prepare schema %s: %w", quoted, err)
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Read committed: the version is read after the lock is granted, so it
	// includes what the previous holder applied.
	if _, err := tx.Exec(ctx, inSchema(`SELECT id FROM {{schema}}.schema_lock FOR UPDATE`, quoted)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	var current int
	err = tx.QueryRow(ctx, inSchema(`SELECT COALESCE(MAX(version), 0) FROM {{schema}}.schema_migrations`, quoted)).Scan(&current)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: schema %s has version %d, this version knows versions up to %d; upgrade github.com/channelgrouping/grouping",
			ErrSchemaTooNew, quoted, current, len(ms))
	}
	for _, m := range ms[current:] {
		if _, err := tx.Exec(ctx, inSchema(m.sql, quoted)); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
		_, err := tx.Exec(ctx, inSchema(`INSERT INTO {{schema}}.schema_migrations (version, name) VALUES ($1, $2)`, quoted), m.version, m.name)
		if err != nil {
			return fmt.Errorf("migrate: %s: record version: %w", m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// bootstrap creates the schema and the bookkeeping tables when they are
// missing. A database whose bookkeeping exists is left alone, so that a
// role without the right to create schemas can open it. Two stores creating
// them at the same moment can collide in the system catalogs even with IF
// NOT EXISTS; the loser tries again and then finds them.
func bootstrap(ctx context.Context, pool *pgxpool.Pool, quoted string) error {
	delay := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		var exists bool
		err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, quoted+".schema_lock").Scan(&exists)
		if err != nil || exists {
			return err
		}
		err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, inSchema(bootstrapSQL, quoted))
			return err
		})
		if err == nil || !catalogRace(err) || attempt == 5 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// catalogRace reports whether err is what concurrent CREATE … IF NOT EXISTS
// statements for the same object report.
func catalogRace(err error) bool {
	switch sqlState(err) {
	case "23505", "42P06", "42P07", "40P01": // unique_violation, duplicate_schema, duplicate_table, deadlock_detected
		return true
	}
	return false
}

// sqlState returns the SQLSTATE code of err, or "" when err does not come
// from the server.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// SchemaVersion returns the schema version of the store's tables in the
// database at url (in the schema WithSchema names, DefaultSchema unless
// given), or 0 when they do not exist yet. It changes nothing. Open applies
// the migrations that a version lacks.
func SchemaVersion(ctx context.Context, url string, opts ...Option) (int, error) {
	cfg := config{schema: DefaultSchema}
	for _, o := range opts {
		o(&cfg)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	quoted := pgx.Identifier{cfg.schema}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, quoted+".schema_migrations").Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	err = conn.QueryRow(ctx, inSchema(`SELECT COALESCE(MAX(version), 0) FROM {{schema}}.schema_migrations`, quoted)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return v, nil
}
