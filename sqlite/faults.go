package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/channelgrouping/grouping"
	sqlite3 "modernc.org/sqlite/lib"
)

// How the store answers faults of its database file. Each is a
// *grouping.Error with a code the HTTP layer turns into a status: a lock held
// too long and a file deleted or replaced under the store are Unavailable
// (503), a full disk is InsufficientStorage (507). None of them changes
// anything: the transaction is rolled back.
var (
	errBusy = &grouping.Error{Code: grouping.Unavailable,
		Message: "The database is busy with another writer; try again shortly"}
	errFileMoved = &grouping.Error{Code: grouping.Unavailable,
		Message: "The database file was deleted or replaced while the store had it open; restart the service"}
	errReadOnly = &grouping.Error{Code: grouping.Unavailable,
		Message: "The database file cannot be written"}
	errDiskFull = &grouping.Error{Code: grouping.InsufficientStorage,
		Message: "The database disk is full; free space and try again"}
)

// checkPath refuses what cannot serve as the store's database file, with a
// message that says why: ":memory:", a directory, a path in a directory that
// does not exist, and a file or directory the process cannot write.
func checkPath(abs string) error {
	dir := filepath.Dir(abs)
	if fi, err := os.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("directory %s does not exist", dir)
		}
		return err
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	switch fi, err := os.Stat(abs); {
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory, not a database file", abs)
	case err == nil:
		f, err := os.OpenFile(abs, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("the database file is not writable: %w", err)
		}
		f.Close()
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	// SQLite creates the write-ahead log and shared-memory files beside the
	// database: the directory must be writable too.
	probe, err := os.CreateTemp(dir, ".grouping-probe-*")
	if err != nil {
		return fmt.Errorf("the directory of the database is not writable: %w", err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// fileGuard notices when the database file at a path is no longer the file
// the store opened: deleted, or replaced by another file. SQLite keeps
// writing to the file it has open, so writes would be acknowledged and then
// lost with the next start; the guard makes them fail instead, for good.
type fileGuard struct {
	path   string
	opened fileIdentity
	moved  atomic.Bool
}

func newFileGuard(path string) (*fileGuard, error) {
	id, err := identify(path)
	if err != nil {
		return nil, err
	}
	return &fileGuard{path: path, opened: id}, nil
}

// check returns errFileMoved once the path no longer names the opened file.
func (g *fileGuard) check() error {
	if g.moved.Load() {
		return errFileMoved
	}
	id, err := identify(g.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sqlite: check database file: %w", err)
	}
	if err != nil || !id.same(g.opened) {
		g.moved.Store(true)
		return errFileMoved
	}
	return nil
}

// isBusy reports whether err says that another connection holds a lock.
func isBusy(err error) bool {
	c := resultCode(err) & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// classify turns the database errors of a fault into the errors above and
// returns any other error as it is.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ge *grouping.Error
	if errors.As(err, &ge) {
		return err
	}
	wrap := func(e *grouping.Error) error {
		return &grouping.Error{Code: e.Code, Message: e.Message, Err: err}
	}
	switch resultCode(err) & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return wrap(errBusy)
	case sqlite3.SQLITE_FULL:
		return wrap(errDiskFull)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return wrap(errReadOnly)
	}
	return err
}

// Check reports whether the store can serve writes: its database file is
// still the one it opened, and a read answers. A server's readiness check
// calls it.
func (s *Store) Check(ctx context.Context) error {
	if err := s.d.guard.check(); err != nil {
		return err
	}
	var one int
	return s.d.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
