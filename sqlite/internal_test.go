package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/drivertest"
	"github.com/google/uuid"
	"github.com/matryer/is"
	sqlite3 "modernc.org/sqlite/lib"
)

// openTestStore opens a store on a new file in t's temporary directory and
// closes it when t ends.
func openTestStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "grouping.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// pragmas are the settings every connection must have.
type pragmas struct {
	busyTimeout int
	journalMode string
	foreignKeys int
	synchronous int // 1 NORMAL, 2 FULL
}

func readPragmas(t *testing.T, conn *sql.Conn) pragmas {
	t.Helper()
	var p pragmas
	for _, q := range []struct {
		pragma string
		dest   any
	}{
		{"busy_timeout", &p.busyTimeout},
		{"journal_mode", &p.journalMode},
		{"foreign_keys", &p.foreignKeys},
		{"synchronous", &p.synchronous},
	} {
		if err := conn.QueryRowContext(t.Context(), "PRAGMA "+q.pragma).Scan(q.dest); err != nil {
			t.Fatal(q.pragma, err)
		}
	}
	return p
}

// conns takes n connections of db at once, so that they are distinct, and
// returns them when t ends.
func conns(t *testing.T, db *sql.DB, n int) []*sql.Conn {
	t.Helper()
	cs := make([]*sql.Conn, n)
	for i := range cs {
		c, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cs[i] = c
	}
	return cs
}

func TestPragmasOnEveryConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want pragmas
	}{
		{"default", nil, pragmas{5000, "wal", 1, 1}},
		{"options", []Option{WithSynchronousFull(), WithBusyTimeout(1500 * time.Millisecond)}, pragmas{1500, "wal", 1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s := openTestStore(t, tc.opts...)
			want := tc.want
			want.busyTimeout = 0                       // the writer waits in Go, bounded by the call (see beginImmediate)
			is.Equal(readPragmas(t, s.d.w.conn), want) // writer connection
			readers := conns(t, s.d.reader, 3)
			for _, c := range readers {
				is.Equal(readPragmas(t, c), tc.want) // every reader connection
			}
			_, err := readers[0].ExecContext(t.Context(), "CREATE TABLE forbidden (x)")
			is.Equal(resultCode(err)&0xff, sqlite3.SQLITE_READONLY) // readers cannot write
		})
	}
}

func TestWriteTransactionsTakeTheWriteLockAtBegin(t *testing.T) {
	is := is.New(t)
	s := openTestStore(t)
	err := s.d.Write(t.Context(), func(driver.Tx) error {
		// Another connection, such as another process's, cannot begin
		// writing while the transaction is open, although it has written
		// nothing yet.
		other, err := sql.Open("sqlite", dsn(s.d.path, false, "NORMAL", 1))
		is.NoErr(err) // open a second writer
		defer other.Close()
		_, err = other.ExecContext(t.Context(), "BEGIN IMMEDIATE")
		is.Equal(resultCode(err)&0xff, sqlite3.SQLITE_BUSY) // the write lock is held

		// Readers are not blocked.
		var n int
		is.NoErr(s.d.reader.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM groups").Scan(&n)) // read during a write
		return nil
	})
	is.NoErr(err) // the empty transaction commits
}

func TestSQLiteVersion(t *testing.T) {
	is := is.New(t)
	s := openTestStore(t)
	var v string
	is.NoErr(s.d.reader.QueryRowContext(t.Context(), "SELECT sqlite_version()").Scan(&v)) // read version
	var major, minor, patch int
	_, err := fmt.Sscanf(v, "%d.%d.%d", &major, &minor, &patch)
	is.NoErr(err) // version is x.y.z
	t.Log("SQLite", v)
	is.True(major > 3 || major == 3 && (minor > 51 || minor == 51 && patch >= 3)) // at least 3.51.3
}

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	is := is.New(t)
	is.True(len(migrations) >= 1) // the embedded migrations load
	for i, m := range migrations {
		is.Equal(m.version, i+1) // numbered 1, 2, …
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":     {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"no name": {"migrations/0001.sql": {}},
		"short":   {"migrations/1_a.sql": {}},
	} {
		_, err := loadMigrations(fsys)
		is.True(err != nil) // bad set of migrations refused
		t.Log(name, err)
	}
}

func TestMigrationsApplyInOrderOnce(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), false, "NORMAL", 1000))
	is.NoErr(err) // open
	defer db.Close()
	ms, err := loadMigrations(fstest.MapFS{
		"migrations/0001_one.sql": {Data: []byte("CREATE TABLE one (x); INSERT INTO one VALUES (1);")},
		"migrations/0002_two.sql": {Data: []byte("CREATE TABLE two (x); INSERT INTO two SELECT x + 1 FROM one;")},
	})
	is.NoErr(err) // load test migrations

	apply := func(ms []migration) error {
		tx, err := db.BeginTx(ctx, nil)
		is.NoErr(err) // begin
		defer tx.Rollback()
		if err := applyMigrations(ctx, tx, ms); err != nil {
			return err
		}
		return tx.Commit()
	}
	version := func() (v int) {
		is.NoErr(db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)) // read version
		return v
	}
	is.NoErr(apply(ms[:1])) // first version
	is.Equal(version(), 1)  // version recorded
	is.NoErr(apply(ms))     // second version on top
	is.Equal(version(), 2)  // version recorded
	is.NoErr(apply(ms))     // nothing left to apply: nothing runs twice
	var n int
	is.NoErr(db.QueryRowContext(ctx, "SELECT COUNT(*) FROM two").Scan(&n)) // count
	is.Equal(n, 1)                                                         // the second migration ran once
	err = apply(ms[:1])
	is.True(errors.Is(err, ErrSchemaTooNew)) // an older program refuses the newer file
}

func TestConcurrentOpenOfNewFile(t *testing.T) {
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "grouping.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(t.Context(), path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		is.NoErr(err) // every opener succeeds; one of them migrates
	}
	db, err := sql.Open("sqlite", path)
	is.NoErr(err) // open raw
	defer db.Close()
	var v int
	is.NoErr(db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v)) // read version
	is.Equal(v, schemaVersion)                                                // migrated exactly to the current version
}

func TestUniqueIndexCatchesDuplicateNames(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Straße"})
	is.NoErr(err) // create group

	// A duplicate that got past the name check, as a racing writer
	// without the check would, is still refused, by the index.
	errRolledBack := errors.New("rolled back")
	err = s.d.Write(ctx, func(dtx driver.Tx) error {
		tx := dtx.(*sqlTx)
		now := time.Now()
		err := tx.InsertGroup(ctx, grouping.Group{
			ID: uuid.New(), OrganisationID: org.ID, Name: "Straße 2", Version: 1, CreatedAt: now, UpdatedAt: now,
		}, "other key")
		is.NoErr(err) // another key is free
		err = tx.InsertGroup(ctx, grouping.Group{
			ID: uuid.New(), OrganisationID: org.ID, Name: "straße", Version: 1, CreatedAt: now, UpdatedAt: now,
		}, grouping.FoldName("Straße"))
		is.True(errors.Is(err, driver.ErrNameTaken)) // the index refuses a taken key, reported as ErrNameTaken
		return errRolledBack
	})
	is.True(errors.Is(err, errRolledBack)) // the transaction is rolled back
}

func TestSchemaKeepsChannelsInTheirOrganisation(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	var orgs [2]grouping.Organisation
	for i := range orgs {
		var err error
		orgs[i], err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
		is.NoErr(err) // create organisation
	}
	g, err := s.CreateGroup(ctx, orgs[0].ID, grouping.NewGroup{Name: "G"})
	is.NoErr(err) // create group
	ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: orgs[1].ID, Name: "c", OwnerID: uuid.New()})
	is.NoErr(err) // create channel in the other organisation

	_, err = s.d.w.conn.ExecContext(ctx, "UPDATE channels SET group_id = ?, group_position = 0 WHERE id = ?", g.ID, ch.ID)
	is.Equal(resultCode(err), sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) // foreign key refuses a group of another organisation
}

func TestUserCountFollowsMembership(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	u1, u2, u3 := uuid.New(), uuid.New(), uuid.New()
	up := grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "c", OwnerID: uuid.New(), Users: []uuid.UUID{u1, u2, u2}}
	ch, err := s.UpsertChannel(ctx, up)
	is.NoErr(err)                                           // create channel
	is.Equal(ch.UserCount, 2)                               // duplicates ignored
	is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, u3))    // add
	is.NoErr(s.AddChannelMember(ctx, org.ID, ch.ID, u3))    // add again: no change
	is.NoErr(s.RemoveChannelMember(ctx, org.ID, ch.ID, u1)) // remove
	up.Users = []uuid.UUID{u2, u3, u1}
	ch, err = s.UpsertChannel(ctx, up)
	is.NoErr(err)              // replace membership
	is.Equal(ch.UserCount, 3)  // counted
	is.Equal(len(ch.Users), 3) // listed
	var stored, counted int
	is.NoErr(s.d.reader.QueryRowContext(ctx, `SELECT user_count, (SELECT COUNT(*) FROM channel_members WHERE channel_id = id) FROM channels WHERE id = ?`, ch.ID).Scan(&stored, &counted)) // read
	is.Equal(stored, counted)                                                                                                                                                              // the kept count agrees with the rows
}

func TestClock(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	tick := time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("x", 3600))
	s := openTestStore(t, WithClock(func() time.Time { return tick }))
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err)                                     // create organisation
	is.Equal(org.CreatedAt, grouping.Timestamp(tick)) // the clock's time, in UTC milliseconds
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "G"})
	is.NoErr(err) // create group
	got, err := s.GetGroup(ctx, org.ID, g.ID, grouping.GetGroupOptions{})
	is.NoErr(err)                                     // read back
	is.Equal(got.CreatedAt, grouping.Timestamp(tick)) // stored as written
	is.Equal(got.CreatedAt.Location(), time.UTC)      // in UTC
}

func TestDriver(t *testing.T) {
	drivertest.Run(t, func(t *testing.T) driver.Driver { return openTestStore(t).d })
}

func TestUnnamedColumns(t *testing.T) {
	is := is.New(t)
	got := unnamed(`a, COALESCE(b, ''), (SELECT group_concat(x, ',' ORDER BY y) FROM t WHERE t.z IN (1, 2)),
		c IS NOT NULL`)
	is.Equal(got, `+(a) AS "", +(COALESCE(b, '')) AS "", +((SELECT group_concat(x, ',' ORDER BY y) FROM t WHERE t.z IN (1, 2))) AS "", +(c IS NOT NULL) AS ""`) // split at the top-level commas only

	// The fact statements' columns come without names or declared types,
	// and with the values the columns have.
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // organisation
	rows, err := s.d.w.conn.QueryContext(t.Context(), `SELECT `+unnamed(`o.id, 3, o.name`)+` FROM organisations AS o`)
	is.NoErr(err) // query
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	is.NoErr(err) // column types
	for _, c := range cols {
		is.Equal(c.Name(), "")             // no name
		is.Equal(c.DatabaseTypeName(), "") // no declared type
	}
	is.True(rows.Next()) // a row
	var (
		id   uuid.UUID
		n    int
		name string
	)
	is.NoErr(rows.Scan(&id, &n, &name))                   // scan
	is.Equal([]any{id, n, name}, []any{org.ID, 3, "Org"}) // the values as they were
}
