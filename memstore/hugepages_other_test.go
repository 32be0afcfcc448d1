//go:build !linux

package memstore

import "testing"

// hugeWords skips tb: transparent huge pages are asked for here only on
// Linux.
func hugeWords(tb testing.TB, n int) ([]int, int64) {
	tb.Helper()
	tb.Skip("transparent huge pages: Linux only")
	return nil, 0
}
