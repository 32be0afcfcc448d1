//go:build !linux && !darwin

package httpapi_test

import "testing"

// ensureOpenFiles skips the test: this system has no limit of open files
// that the test knows how to read and raise.
func ensureOpenFiles(t *testing.T, n uint64) {
	t.Helper()
	t.Skipf("skipped: needs %d open files, and this system's limit is not one the test can raise", n)
}
