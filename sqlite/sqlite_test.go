package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/channelgrouping/grouping/storetest"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) grouping.Store {
		return openStore(t)
	})
}

// openStore opens a store on a new file in t's temporary directory and
// closes it when t ends.
func openStore(t testing.TB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "grouping.db"), opts...)
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

func TestReopenKeepsData(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "grouping.db")
	s, err := sqlite.Open(ctx, path)
	is.NoErr(err) // create the file
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err) // create organisation
	g, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err)       // create group
	is.NoErr(s.Close()) // close

	s, err = sqlite.Open(ctx, path)
	is.NoErr(err) // reopen the existing file
	defer s.Close()
	got, err := s.GetGroup(ctx, org.ID, g.ID, grouping.GetGroupOptions{})
	is.NoErr(err)    // the group is still there
	is.Equal(got, g) // unchanged
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "grouping.db")
	s, err := sqlite.Open(ctx, path)
	is.NoErr(err)       // create the file
	is.NoErr(s.Close()) // close

	// A later version of the package has upgraded the file.
	db, err := sql.Open("sqlite", path)
	is.NoErr(err) // open the file directly
	defer db.Close()
	var v int
	is.NoErr(db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v))          // read version
	_, err = db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)) // pretend an upgrade
	is.NoErr(err)                                                              // upgrade
	_, err = sqlite.Open(ctx, path)
	is.True(errors.Is(err, sqlite.ErrSchemaTooNew))                               // refused
	is.True(strings.Contains(err.Error(), fmt.Sprintf("schema version %d", v+1))) // the message names the version
	t.Log(err)
	var after int
	is.NoErr(db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&after)) // read version again
	is.Equal(after, v+1)                                                  // the file was not touched
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	for name, path := range map[string]string{
		"empty path":        "",
		"missing directory": filepath.Join(t.TempDir(), "missing", "grouping.db"),
		"not a database":    notADatabase(t),
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			s, err := sqlite.Open(ctx, path)
			is.True(err != nil) // refused
			is.True(s == nil)   // no store
			t.Log(err)
		})
	}
}

// notADatabase returns the path of a file that is not an SQLite database.
func notADatabase(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "text.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database\n"), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPathsNeedingEscapes(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars&=")
	is.NoErr(os.Mkdir(dir, 0o700)) // make directory
	path := filepath.Join(dir, "grouping.db")
	s, err := sqlite.Open(ctx, path)
	is.NoErr(err) // open
	defer s.Close()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.NoErr(err)            // write
	is.Equal(s.Path(), path) // the store is where it was asked to be
	_, err = os.Stat(path)
	is.NoErr(err) // the file exists under its exact name
}

func TestCanceledContext(t *testing.T) {
	is := is.New(t)
	s := openStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	is.Equal(grouping.ErrorCode(err), grouping.Internal) // not done
	is.True(errors.Is(err, context.Canceled))            // because of the context
	_, err = s.ListGroups(ctx, uuid.New(), grouping.ListGroupsOptions{})
	is.True(errors.Is(err, context.Canceled)) // reads too
}
