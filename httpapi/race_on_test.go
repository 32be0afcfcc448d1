//go:build race

package httpapi_test

// raceEnabled reports whether the tests run under the race detector, which
// slows code and inflates memory many times over.
const raceEnabled = true
