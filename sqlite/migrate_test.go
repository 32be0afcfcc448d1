package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// atVersion creates a database file of schema version v and begins a
// transaction on it, in which the test writes rows as that version had
// them; open commits them, closes the file and opens it with Open, which
// migrates it to the current version.
func atVersion(t *testing.T, v int) (tx *sql.Tx, open func() *Store) {
	t.Helper()
	is := is.New(t)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", v))
	db, err := sql.Open("sqlite", dsn(path, false, "NORMAL", 1000))
	is.NoErr(err) // open a raw database
	tx, err = db.BeginTx(t.Context(), nil)
	is.NoErr(err)                                              // begin
	is.NoErr(applyMigrations(t.Context(), tx, migrations[:v])) // schema version v
	return tx, func() *Store {
		is.NoErr(tx.Commit()) // version v written
		is.NoErr(db.Close())  // closed
		return openAt(t, path)
	}
}

// TestNameKeyMigrationKeepsCollidingNames builds a version 1 database whose
// live group names collide under the current name key, then opens it.
func TestNameKeyMigrationKeepsCollidingNames(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	tx, open := atVersion(t, 1)
	var err error
	org, first, second, deleted := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	_, err = tx.ExecContext(ctx, `INSERT INTO organisations (id, name, created_at) VALUES (?, 'Org', 1)`, org)
	is.NoErr(err) // organisation
	for i, g := range []struct {
		id        uuid.UUID
		name, key string
		deleted   any
	}{
		{first, "Ops", "Ops", nil},  // keys as an older rule made them: distinct
		{second, "OPS", "OPS", nil}, // same name under today's rule
		{deleted, "ops", "ops", 5},  // a deleted group never counts
	} {
		_, err = tx.ExecContext(ctx, `INSERT INTO groups (id, organisation_id, name, name_key, description,
			archived, position, version, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, '', 0, ?, 1, ?, ?, ?)`,
			g.id, org, g.name, g.key, i, 10+i, 10+i, g.deleted)
		is.NoErr(err) // group
	}
	s := open()
	page, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
	is.NoErr(err)                       // list after the migration
	is.Equal(len(page.Items), 2)        // nothing lost
	is.Equal(page.Items[0].Name, "Ops") // nothing renamed
	is.Equal(page.Items[1].Name, "OPS") // nothing renamed
	_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "oPs"})
	is.Equal(grouping.ErrorCode(err), grouping.Conflict) // the rule holds for new names
	desc := "still works"
	_, err = s.UpdateGroup(ctx, org, second, grouping.GroupUpdate{Description: &desc})
	is.NoErr(err) // the later of the colliding groups can still be changed
	name := "Ops two"
	_, err = s.UpdateGroup(ctx, org, second, grouping.GroupUpdate{Name: &name})
	is.NoErr(err) // and renamed apart
	_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "OPS TWO"})
	is.Equal(grouping.ErrorCode(err), grouping.Conflict) // its new key is a plain one again
	var v int
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)) // read version
	is.Equal(v, schemaVersion)                                                // migrated to the current version
}

// TestEventsMigrationKeepsData builds a version 2 database with data, opens
// it, and checks that version 3 adds the events tables around the data
// already there: nothing is lost, and the first change of an existing
// organisation is its event number 1.
func TestEventsMigrationKeepsData(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	tx, open := atVersion(t, 2)
	var err error
	org, group := uuid.New(), uuid.New()
	_, err = tx.ExecContext(ctx, `INSERT INTO organisations (id, name, created_at) VALUES (?, 'Org', 1)`, org)
	is.NoErr(err) // organisation
	_, err = tx.ExecContext(ctx, `INSERT INTO groups (id, organisation_id, name, name_key, description,
		archived, position, version, created_at, updated_at) VALUES (?, ?, 'Ops', ?, '', 0, 0, 1, 2, 2)`, group, org, grouping.FoldName("Ops"))
	is.NoErr(err) // group
	s := open()
	var v int
	is.NoErr(s.d.reader.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)) // read version
	is.Equal(v, schemaVersion)                                                // migrated through version 3 to the current version
	got, err := s.GetGroup(ctx, org, group, grouping.GetGroupOptions{})
	is.NoErr(err)             // the group is still there
	is.Equal(got.Name, "Ops") // unchanged
	page, err := s.Events(ctx, grouping.OrganisationOf(org), 0, 0)
	is.NoErr(err)                 // read the events
	is.Equal(len(page.Events), 0) // the past has no events
	_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err) // the first change
	page, err = s.Events(ctx, grouping.OrganisationOf(org), 0, 0)
	is.NoErr(err)                                             // read again
	is.Equal(len(page.Events), 1)                             // one event
	is.Equal(page.Events[0].Sequence, int64(1))               // numbered 1
	is.Equal(page.Events[0].Type, grouping.EventGroupCreated) // for the change
	for _, table := range []string{"events", "event_tenants", "event_consumers"} {
		var n int
		is.NoErr(s.d.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?)`, table).Scan(&n)) // look the table up
		is.True(n > 0)                                                                                         // it exists
	}
}
