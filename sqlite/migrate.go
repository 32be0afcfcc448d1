package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/channelgrouping/grouping"
)

// ErrSchemaTooNew is returned by [Open], wrapped, for a database whose schema
// version is newer than this version of the package knows: a newer program
// has upgraded it, and opening it here could corrupt it.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of package sqlite supports")

// migrationFiles holds the schema migrations, one file per version, named
// NNNN_description.sql and numbered from 1 without gaps.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema: applying it brings a database from
// version Version-1 to Version.
type migration struct {
	version int
	name    string
	sql     string
	// after, when not nil, runs in the same transaction after sql: the
	// part of a migration that SQL cannot express.
	after func(ctx context.Context, tx execer) error
}

// programSteps are the parts of migrations written in Go, by file name.
var programSteps = map[string]func(ctx context.Context, tx execer) error{
	"0002_name_keys.sql": rekeyGroupNames,
}

// migrations is the parsed content of migrationFiles, in order.
var migrations = mustLoadMigrations(migrationFiles)

// schemaVersion is the schema version this package writes.
var schemaVersion = len(migrations)

func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

// loadMigrations reads and checks the migration files of fsys.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(names)) // Glob returns names in order
	for i, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("sqlite: migration %s: name must be NNNN_description.sql", base)
		}
		if v != i+1 {
			return nil, fmt.Errorf("sqlite: migration %s: expected version %d", base, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b), after: programSteps[base]})
	}
	return ms, nil
}

// migrate brings the database up to schemaVersion. The version is kept in
// PRAGMA user_version. Other processes may open the same file at the same
// time, so the version is read inside the write transaction that applies the
// missing migrations: whoever gets the write lock first migrates, and the
// others then find nothing left to do. The lock is waited for at most wait;
// the migrations themselves may take as long as ctx allows.
func migrate(ctx context.Context, db *sql.DB, wait time.Duration) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	delay := time.Millisecond
	for {
		_, err = conn.ExecContext(wctx, "BEGIN IMMEDIATE")
		if err == nil || !isBusy(err) {
			break
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("migrate: %w", err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := applyMigrations(ctx, conn, migrations); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// execer runs statements: a *sql.Tx or a *sql.Conn within a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// applyMigrations applies the migrations of ms that the database in tx does
// not have yet.
func applyMigrations(ctx context.Context, tx execer, ms []migration) error {
	var current int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: the file has schema version %d, this version knows versions up to %d; upgrade github.com/channelgrouping/grouping",
			ErrSchemaTooNew, current, len(ms))
	}
	for _, m := range ms[current:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
		if m.after != nil {
			if err := m.after(ctx, tx); err != nil {
				return fmt.Errorf("migrate: %s: %w", m.name, err)
			}
		}
		// PRAGMA takes no parameters; m.version is an int.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			return fmt.Errorf("migrate: %s: set schema version: %w", m.name, err)
		}
	}
	return nil
}

// rekeyGroupNames sets the name key of every group to grouping.FoldName of
// its name and recreates the unique index on the keys of live groups.
//
// Names that were distinct under the old key may be equal under the new one
// (Straße and STRASSE). Nothing is renamed or lost: within an organisation,
// the live group created first keeps the plain key, and each later one gets
// its key followed by a NUL byte and its ID, which no name can produce
// (names hold no control characters). Such a group keeps its name and works
// as before; a new group or a rename to a name that folds to the same key
// conflicts with the first one, as the rule says.
func rekeyGroupNames(ctx context.Context, tx execer) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, organisation_id, name, name_key, deleted_at IS NULL
		FROM groups ORDER BY organisation_id, created_at, id`)
	if err != nil {
		return err
	}
	type rekey struct{ id, key string }
	var changes []rekey
	taken := make(map[[2]string]bool)
	for rows.Next() {
		var (
			id, org, name, old string
			live               bool
		)
		if err := rows.Scan(&id, &org, &name, &old, &live); err != nil {
			rows.Close()
			return err
		}
		key := grouping.FoldName(name)
		if live {
			if taken[[2]string{org, key}] {
				key += "\x00" + id
			}
			taken[[2]string{org, key}] = true
		}
		if key != old {
			changes = append(changes, rekey{id, key})
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET name_key = ? WHERE id = ?`, c.key, c.id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `CREATE UNIQUE INDEX groups_name_key ON groups (organisation_id, name_key)
		WHERE deleted_at IS NULL`)
	return err
}
