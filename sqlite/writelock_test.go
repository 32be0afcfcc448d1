package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// openLockTest opens the database at path with opts, closing it when the
// test ends. Stores of one process on one file stand for processes here:
// each has a lock file of its own open, and flock tells them apart as it
// tells processes apart.
func openLockTest(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// holdWrite runs a write transaction of s that stays open until release is
// called, and returns once it has begun.
func holdWrite(t *testing.T, s *Store) (release func()) {
	t.Helper()
	begun, end, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.d.Write(context.Background(), func(driver.Tx) error {
			close(begun)
			<-end
			return nil
		})
	}()
	select {
	case <-begun:
	case err := <-done:
		t.Fatalf("the holding write did not begin: %v", err)
	}
	released := false
	release = func() {
		if !released {
			released = true
			close(end)
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(release)
	return release
}

// lockFree reports whether nothing holds the lock file of the database at
// path, by taking and releasing it through an open file of its own.
func lockFree(t *testing.T, path string) bool {
	t.Helper()
	l := openWriteLock(path)
	defer l.close()
	if l.f == nil {
		t.Fatal("no lock file")
	}
	err := tryLockFile(l.f)
	if err == nil {
		l.unlock()
		return true
	}
	if !errors.Is(err, errLockHeld) {
		t.Fatal(err)
	}
	return false
}

func TestWriteLockWaitEndsWithTheDeadline(t *testing.T) {
	if !haveFileLock {
		t.Skip("no flock on this system")
	}
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "grouping.db")
	holder := openLockTest(t, path)
	short := openLockTest(t, path, WithBusyTimeout(300*time.Millisecond))
	long := openLockTest(t, path, WithBusyTimeout(time.Minute))
	org, err := holder.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	release := holdWrite(t, holder)
	is.True(!lockFree(t, path)) // the holder's write has the lock file

	start := time.Now()
	_, err = short.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "short"})
	took := time.Since(start)
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable) // the store's wait ends the wait for the lock
	is.True(took >= 290*time.Millisecond)                   // after the whole wait
	is.True(took < 2*time.Second)                           // and not much longer

	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = long.CreateGroup(cctx, org.ID, grouping.NewGroup{Name: "cancelled"})
	is.True(errors.Is(err, context.DeadlineExceeded)) // the caller's deadline ends it too

	page, err := long.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                // reads do not wait for the lock
	is.Equal(len(page.Items), 0) // and see the last commit

	// A write of a store whose last wait was given up waits for that same
	// wait, and gets the lock once the holder lets go.
	done := make(chan error, 1)
	go func() {
		_, err := long.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "long"})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("write did not wait for the lock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	release()
	select {
	case err := <-done:
		is.NoErr(err) // the waiting write went through
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting write did not get the lock")
	}

	// The wait that short gave up took the lock when it came and let go
	// of it: writes go on everywhere.
	_, err = short.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "short again"})
	is.NoErr(err) // the store that gave up writes again
	_, err = holder.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "holder"})
	is.NoErr(err)              // so does the holder
	is.True(lockFree(t, path)) // and nothing holds the lock between writes
	page, err = long.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                // list
	is.Equal(len(page.Items), 3) // the three writes that were acknowledged, and only those
}

func TestWriteLockReleasedOnEveryWayOut(t *testing.T) {
	if !haveFileLock {
		t.Skip("no flock on this system")
	}
	errFails := errors.New("fails")
	for _, tc := range []struct {
		name string
		fn   func(ctx context.Context, s *Store) error
	}{
		{"error", func(ctx context.Context, s *Store) error {
			return s.d.Write(ctx, func(driver.Tx) error { return errFails })
		}},
		{"panic", func(ctx context.Context, s *Store) (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			return s.d.Write(ctx, func(driver.Tx) error { panic(errFails) })
		}},
		{"context cancelled", func(ctx context.Context, s *Store) error {
			ctx, cancel := context.WithCancel(ctx)
			return s.d.Write(ctx, func(tx driver.Tx) error {
				cancel()
				_, _, err := tx.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"}, time.Now())
				return err
			})
		}},
		{"invalid call", func(ctx context.Context, s *Store) error {
			_, err := s.CreateGroup(ctx, uuid.New(), grouping.NewGroup{Name: "no such organisation"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			path := filepath.Join(t.TempDir(), "grouping.db")
			s := openLockTest(t, path)
			other := openLockTest(t, path, WithBusyTimeout(time.Second))
			is.True(tc.fn(t.Context(), s) != nil) // the write fails
			is.True(lockFree(t, path))            // and leaves the lock free
			_, err := other.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "Other"})
			is.NoErr(err) // another store writes
			_, err = s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "Again"})
			is.NoErr(err) // and so does the store that failed
		})
	}
}

func TestWriteLockWithoutLockFile(t *testing.T) {
	is := is.New(t)
	l := &writeLock{} // what a system without flock, or a lock file that cannot be opened, gives
	held, err := l.lock(t.Context(), time.Now())
	is.NoErr(err)       // no lock to wait for
	is.True(!held)      // and none taken, so none to release
	is.NoErr(l.close()) // nothing to close
}

// lockHolderEnv carries the database path of the child process of
// TestWriteLockReleasedWhenWriterKilled.
const lockHolderEnv = "GROUPING_SQLITE_LOCK_HOLDER_CHILD"

// TestWriteLockReleasedWhenWriterKilled kills a process in the middle of a
// write transaction, holding the lock file and SQLite's lock, and checks
// that a write of another process, waiting for them, goes through.
func TestWriteLockReleasedWhenWriterKilled(t *testing.T) {
	if path := os.Getenv(lockHolderEnv); path != "" {
		lockHolderChild(t, path)
		return
	}
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kill.db")
	s := openLockTest(t, path, WithBusyTimeout(time.Minute))
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWriteLockReleasedWhenWriterKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockHolderEnv+"="+path)
	out, err := cmd.StdoutPipe()
	is.NoErr(err) // pipe the child's output
	var stderr strings.Builder
	cmd.Stderr = &stderr
	is.NoErr(cmd.Start()) // start the child
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "holding" {
	}
	if haveFileLock {
		is.True(!lockFree(t, path)) // the child holds the lock file
	}

	done := make(chan error, 1)
	go func() {
		_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "after the crash"})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("write did not wait for the child's: %v (child: %s)", err, stderr.String())
	case <-time.After(200 * time.Millisecond):
	}
	is.NoErr(cmd.Process.Kill()) // the child dies in its transaction
	_ = cmd.Wait()
	select {
	case err := <-done:
		is.NoErr(err) // the waiting write went through
	case <-time.After(10 * time.Second):
		t.Fatal("the lock of the killed process was not released")
	}
	page, err := s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err)                // list
	is.Equal(len(page.Items), 1) // the killed transaction left nothing
}

// lockHolderChild begins a write transaction on the database at path, says
// so, and waits in it to be killed.
func lockHolderChild(t *testing.T, path string) {
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.d.Write(t.Context(), func(tx driver.Tx) error {
		if _, _, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "Never"}, time.Now()); err != nil {
			return err
		}
		fmt.Println("holding")
		time.Sleep(time.Hour) // until killed
		return nil
	})
	t.Fatal(err)
}

// TestWriteLockShared checks what a store learns from the lock file about
// other processes' writes, which decides whether a write that ends its
// turn yields its processor (sqlDriver.passTurn): nothing while its writes
// find the lock free, and that the file is shared once one of them had to
// wait for another store's write, for sharedFor after that.
func TestWriteLockShared(t *testing.T) {
	if !haveFileLock {
		t.Skip("no flock on this system")
	}
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "grouping.db")
	s, other := openLockTest(t, path), openLockTest(t, path)
	org, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	for i := range 3 {
		_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: fmt.Sprint("alone ", i)})
		is.NoErr(err)
	}
	is.True(s.d.sharedAt.IsZero()) // writes alone: the lock was always free

	release := holdWrite(t, other)
	done := make(chan error, 1)
	go func() {
		_, err := s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "after the other"})
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.d.wlock.mu.Lock()
		waiting := s.d.wlock.pending != nil
		s.d.wlock.mu.Unlock()
		if waiting {
			break // s's write waits for the lock
		}
		if time.Now().After(deadline) {
			t.Fatal("s's write never waited for the lock")
		}
	}
	before := time.Now()
	release()
	is.NoErr(<-done)                              // s's write went through once the other let go
	is.True(!s.d.sharedAt.Before(before))         // the file is shared: since the wait ended
	is.True(time.Since(s.d.sharedAt) < sharedFor) // recently enough to yield
	is.True(other.d.sharedAt.IsZero())            // the other store found the lock free

	is.True(!(&sqlDriver{wlock: &writeLock{f: s.d.wlock.f}}).sharing(time.Now())) // a lock file never waited for: not shared
	is.True((&sqlDriver{wlock: &writeLock{}}).sharing(time.Now()))                // no lock file to tell: taken as shared
}

// TestCloseWhileAWriteWaitsForTheLockFile closes a store while its
// goroutine that waits for the lock file is blocked in flock: another
// store holds the lock, and the write that waited for it has given up.
// The goroutine holds the lock file's descriptor while it waits (the race
// detector reports a descriptor read while Close destroys it), takes the
// lock when the other store lets go and releases it, so that the lock
// ends free.
func TestCloseWhileAWriteWaitsForTheLockFile(t *testing.T) {
	if !haveFileLock {
		t.Skip("no flock on this system")
	}
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "grouping.db")
	holder := openLockTest(t, path)
	s, err := Open(ctx, path, WithBusyTimeout(100*time.Millisecond))
	is.NoErr(err) // a second store on the file, with a short wait
	org, err := holder.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Org"})
	is.NoErr(err) // create organisation
	release := holdWrite(t, holder)
	_, err = s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "waits"})
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable) // the wait ends, its goroutine still in flock
	is.NoErr(s.Close())                                     // close meanwhile
	release()
	deadline := time.Now().Add(5 * time.Second)
	for !lockFree(t, path) {
		if time.Now().After(deadline) {
			t.Fatal("the lock file is still held 5 s after both stores let go")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
