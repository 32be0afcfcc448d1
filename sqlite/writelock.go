package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Why a lock file: SQLite's own write lock cannot be waited for. A writer
// that finds it taken gets SQLITE_BUSY, sleeps and tries again, and a
// process whose writers follow one another closely takes it again between
// two of another process's tries, again and again: the other process's
// writes starve until they time out. A writer of this package first takes an
// exclusive flock on a file beside the database, the database's path with
// "-lock" appended. A process that waits for a flock sleeps in the kernel,
// which wakes it when the lock is released, so it competes for every
// release instead of the few that fall into its tries. The flock is taken
// inside the process's turn (see sqlDriver.turn), so at most one writer of a
// process takes or waits for it at a time, and released after the commit or
// the rollback, so it never reorders commits: SQLite's lock, still taken
// within it, is what orders them. Readers never take it.

// lockFileSuffix makes the lock file's name from the database's.
const lockFileSuffix = "-lock"

// errLockHeld is returned by tryLockFile when another open file holds the
// lock.
var errLockHeld = errors.New("lock held")

// writeLock is the flock of one Store on the lock file of its database.
//
// A flock that is taken or waited for belongs to one open file, so a Store
// uses one open file, and at most one call takes or waits for the lock on
// it at a time: a second call on the same open file would succeed at once
// while the first one holds the lock. Waiting for the lock cannot be
// interrupted, so it runs in a goroutine (a lockCall) that the writer
// waiting for it may leave when its context or the store's wait ends. The
// next writer of the Store waits for that same call instead of making
// another; a call that returns with the lock when no writer waits for it
// releases the lock at once.
type writeLock struct {
	f *os.File // the lock file; nil when there is none: writers then wait for SQLite's lock alone

	mu      sync.Mutex
	pending *lockCall // the call waiting for the lock, or nil
	// waited says whether the last lock found the lock held by another
	// open file (another process, as a rule) and waited for it, until it
	// took it or gave up. Only the holder of the process's turn reads it
	// (migrateLocked also calls lock, at Open, before any write).
	waited bool
}

// lockCall is one wait for the lock, in a goroutine.
type lockCall struct {
	done chan struct{} // closed when the wait has ended
	err  error         // why the lock could not be taken; read after done
	// wanted says a writer waits for the call's lock. It is guarded by
	// writeLock.mu.
	wanted bool
}

// openWriteLock opens (creating it if needed) the lock file of the database
// at path. Where locking files is not supported, or the file cannot be
// opened (another user made it and kept it to itself), the writeLock is
// one that writers take at once, and they are served as SQLite's busy
// handling serves them.
func openWriteLock(path string) *writeLock {
	if !haveFileLock {
		return &writeLock{}
	}
	// flock needs no write permission: read-only is enough, and so the
	// file of another user can serve as long as it can be read.
	f, err := os.OpenFile(path+lockFileSuffix, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return &writeLock{}
	}
	return &writeLock{f: f}
}

// lock takes the lock, waiting until deadline or until ctx is done. It
// reports whether it took it; then the caller must call unlock. It returns
// errBusy when the deadline came first and a context error when ctx was
// done first. When the lock cannot be used (the system refuses it), lock
// returns false and no error: the caller goes on without it.
func (l *writeLock) lock(ctx context.Context, deadline time.Time) (bool, error) {
	if l.f == nil {
		return false, nil
	}
	l.mu.Lock()
	c := l.pending
	l.waited = false
	if c == nil {
		switch err := tryLockFile(l.f); {
		case err == nil:
			l.mu.Unlock()
			return true, nil
		case !errors.Is(err, errLockHeld):
			l.mu.Unlock()
			return false, nil
		}
		c = &lockCall{done: make(chan struct{})}
		l.pending = c
		go l.wait(c)
	}
	c.wanted = true
	l.waited = true
	l.mu.Unlock()

	var failure error
	wait := time.NewTimer(time.Until(deadline))
	defer wait.Stop()
	select {
	case <-c.done:
	case <-ctx.Done():
		failure = fmt.Errorf("sqlite: waiting for the database: %w", ctx.Err())
	case <-wait.C:
		failure = errBusy
	}
	if failure != nil {
		l.mu.Lock()
		select {
		case <-c.done:
			// The lock came as the wait ended: it is this writer's, and
			// what follows honours ctx and the deadline again.
		default:
			c.wanted = false
			l.mu.Unlock()
			return false, failure
		}
		l.mu.Unlock()
	}
	if c.err != nil {
		return false, nil
	}
	return true, nil
}

// wait is the goroutine of c: it waits for the lock and hands it to the
// writer that waits for it, or releases it when none does.
func (l *writeLock) wait(c *lockCall) {
	err := waitLockFile(l.f)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = nil
	c.err = err
	if err == nil && !c.wanted {
		_ = unlockFile(l.f)
	}
	close(c.done)
}

// unlock releases the lock taken by lock.
func (l *writeLock) unlock() {
	// Releasing a lock the open file holds does not fail; should it all
	// the same, closing the file at Close or the end of the process
	// releases it.
	_ = unlockFile(l.f)
}

// close closes the lock file, which releases the lock should a wait still
// take it. It leaves the file in place: another process may be using it.
func (l *writeLock) close() error {
	if l == nil || l.f == nil {
		return nil
	}
	if err := l.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// migrateLocked brings the schema up to date (see migrate) under the lock
// file, so that the writes of other processes do not keep a process that
// opens the file from its turn.
func migrateLocked(ctx context.Context, db *sql.DB, l *writeLock, wait time.Duration) error {
	held, err := l.lock(ctx, time.Now().Add(wait))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if held {
		defer l.unlock()
	}
	return migrate(ctx, db, wait)
}
