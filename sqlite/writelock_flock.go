//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// haveFileLock says that writers wait for the lock file with flock.
const haveFileLock = true

// tryLockFile takes the exclusive flock of f if no other open file holds
// it, and returns errLockHeld if one does.
func tryLockFile(f *os.File) error {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLockHeld
	}
	return err
}

// waitLockFile takes the exclusive flock of f, waiting as long as it takes.
func waitLockFile(f *os.File) error { return flock(f, syscall.LOCK_EX) }

// unlockFile releases the flock of f.
func unlockFile(f *os.File) error { return flock(f, syscall.LOCK_UN) }

// flock runs flock(2) on f's descriptor. It holds the descriptor while the
// call waits, so that closing f meanwhile cannot hand its number to
// another file.
func flock(f *os.File, how int) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = raw.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return ferr
}
