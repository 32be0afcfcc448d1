//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package sqlite

import (
	"errors"
	"os"
)

// haveFileLock says that this system has no flock: writers wait for
// SQLite's lock alone, retrying it as its busy handling does.
const haveFileLock = false

func tryLockFile(*os.File) error  { return errors.ErrUnsupported }
func waitLockFile(*os.File) error { return errors.ErrUnsupported }
func unlockFile(*os.File) error   { return errors.ErrUnsupported }
