//go:build linux || darwin

package httpapi_test

import (
	"syscall"
	"testing"
)

// ensureOpenFiles raises the soft limit of open files to n if it is lower,
// and skips the test when the hard limit does not allow it.
func ensureOpenFiles(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("skipped: cannot read the limit of open files: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("skipped: needs %d open files, and the hard limit is %d", n, lim.Max)
	}
	old := lim.Cur
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("skipped: cannot raise the limit of open files to %d: %v", n, err)
	}
	t.Logf("raised the soft limit of open files from %d to %d", old, n)
	t.Cleanup(func() {
		lim.Cur = old
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	})
}
