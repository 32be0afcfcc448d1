package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// holdWriteLock takes the write lock of the database at path from another
// connection, as another process would, until the returned function runs.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, false, "NORMAL", 1))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

func TestLockHeldElsewhereFailsQueuedWritesWithinOneWait(t *testing.T) {
	is := is.New(t)
	const wait = 300 * time.Millisecond
	s := openTestStore(t, WithBusyTimeout(wait))
	ctx := t.Context()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	release := holdWriteLock(t, s.Path())
	const writers = 4
	var wg sync.WaitGroup
	errs := make([]error, writers)
	took := make([]time.Duration, writers)
	for i := range writers {
		wg.Go(func() {
			start := time.Now()
			_, errs[i] = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
			took[i] = time.Since(start)
		})
	}
	// Reads go on while the writers wait.
	page, err := s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                // a read during the lock
	is.Equal(len(page.Items), 0) // sees the data as it is
	wg.Wait()
	for i := range writers {
		t.Logf("write %d: %v after %v", i, errs[i], took[i])
		is.Equal(grouping.ErrorCode(errs[i]), grouping.Unavailable) // a write that cannot get the lock is unavailable, not internal
		is.True(errors.Is(errs[i], grouping.ErrUnavailable))        // matched with errors.Is
		is.True(took[i] >= wait-10*time.Millisecond)                // after waiting the bounded time
		is.True(took[i] < 2*wait+200*time.Millisecond)              // queued writes do not add up their waits
	}

	release()
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "after"})
	is.NoErr(err) // once the lock is free, writes succeed
	page, err = s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                // list
	is.Equal(len(page.Items), 1) // only the write that succeeded is there
}

func TestCallerDeadlineWinsOverTheWait(t *testing.T) {
	is := is.New(t)
	s := openTestStore(t, WithBusyTimeout(time.Minute))
	holdWriteLock(t, s.Path())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.True(errors.Is(err, context.DeadlineExceeded)) // the caller's deadline ends the wait
	is.True(time.Since(start) < 2*time.Second)        // long before the store's own wait
}

func TestDeletedFileFailsWrites(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err)                 // create organisation
	is.NoErr(s.Check(ctx))        // ready
	is.NoErr(os.Remove(s.Path())) // the file goes away under the store

	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "lost?"})
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable)                      // not acknowledged
	is.True(strings.Contains(grouping.ErrorMessage(err), "deleted or replaced")) // and says what happened
	is.True(errors.Is(s.Check(ctx), grouping.ErrUnavailable))                    // the readiness check fails

	// A restart opens a new, empty file; nothing acknowledged is missing.
	s2 := openAt(t, s.Path())
	_, err = s2.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.Equal(grouping.ErrorCode(err), grouping.NotFound) // the new file does not know the organisation
}

func TestReplacedFileFailsWrites(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	other := openAt(t, filepath.Join(t.TempDir(), "other.db"))
	is.NoErr(other.Close())                     // an unrelated database file…
	is.NoErr(os.Rename(other.Path(), s.Path())) // …takes the store's path

	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "lost?"})
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable)   // refused
	is.True(errors.Is(s.Check(ctx), grouping.ErrUnavailable)) // not ready
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org 2"})
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable) // and stays so
}

// openAt opens a store at path and closes it when the test ends.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenRefusesWhatCannotServe(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path, want string
	}{
		{"memory", ":memory:", "memstore"},
		{"missing directory", filepath.Join(dir, "missing", "grouping.db"), "does not exist"},
		{"directory", dir, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := Open(t.Context(), tc.path)
			is.True(err != nil)                             // refused
			is.True(strings.Contains(err.Error(), tc.want)) // saying why
			_, statErr := os.Stat(":memory:")
			is.True(errors.Is(statErr, os.ErrNotExist)) // no file named :memory: was created
		})
	}
}

func TestOpenRefusesAReadOnlyFile(t *testing.T) {
	is := is.New(t)
	dir := mountTmpfs(t, 8<<20)
	path := filepath.Join(dir, "grouping.db")
	s, err := Open(t.Context(), path)
	is.NoErr(err)           // create the database
	is.NoErr(s.Close())     // and close it
	remountReadOnly(t, dir) // the file system becomes read-only

	_, err = Open(t.Context(), path)
	is.True(err != nil)                                    // refused at open, not at the first write
	is.True(strings.Contains(err.Error(), "not writable")) // saying why
	t.Log(err)
}

func TestDiskFull(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	dir := mountTmpfs(t, 4<<20)
	s, err := Open(ctx, filepath.Join(dir, "grouping.db"))
	is.NoErr(err) // open on the small file system
	defer s.Close()
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	// Fill the file system, keeping a file whose removal frees space again.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	is.NoErr(err) // create filler
	for {
		if _, err := f.Write(make([]byte, 64<<10)); err != nil {
			break
		}
	}
	st, err := f.Stat()
	is.NoErr(err)                             // size of the filler
	is.NoErr(f.Truncate(st.Size() - 256<<10)) // leave room for a few writes
	f.Close()

	var full error
	written := 0
	for i := range 1000 {
		_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{
			ID: uuid.New(), OrganisationID: org.ID, Name: fmt.Sprint("channel ", i), OwnerID: uuid.New(),
			Description: strings.Repeat("x", grouping.MaxDescriptionLength),
		})
		if err != nil {
			full = err
			break
		}
		written++
	}
	t.Logf("%d channels written before: %v", written, full)
	is.True(written > 0)                                                   // some writes fit before the disk filled
	is.Equal(grouping.ErrorCode(full), grouping.InsufficientStorage)       // a full disk has its own code
	is.True(strings.Contains(grouping.ErrorMessage(full), "disk is full")) // and a clear message
	page, err := s.ListUngroupedChannels(ctx, org.ID, grouping.ListChannelsOptions{})
	is.NoErr(err)                      // reads go on
	is.Equal(len(page.Items), written) // the failed write left nothing behind

	is.NoErr(os.Remove(filler)) // space returns
	_, err = s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org.ID, Name: "after", OwnerID: uuid.New()})
	is.NoErr(err)          // the store recovers by itself
	is.NoErr(s.Check(ctx)) // and is ready
}
