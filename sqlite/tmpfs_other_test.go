//go:build !linux

package sqlite

import "testing"

// mountTmpfs skips the test: it mounts file systems of a given size the way
// Linux does, and this system is not Linux.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	t.Skipf("skipped: needs a tmpfs of %d bytes, mounted as Linux mounts one", size)
	return ""
}

// remountReadOnly is not reached: mountTmpfs skips first.
func remountReadOnly(t *testing.T, dir string) {
	t.Helper()
	t.Fatalf("remount %s read-only: not supported here", dir)
}
