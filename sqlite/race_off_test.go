//go:build !race

package sqlite

// raceEnabled reports whether the tests run under the race detector, which
// slows code many times over.
const raceEnabled = false
