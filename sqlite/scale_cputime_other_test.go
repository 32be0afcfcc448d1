//go:build !unix

package sqlite

import "time"

// scaleProcessTime is not measured here: cpu-ns/op reads 0.
func scaleProcessTime() time.Duration { return 0 }
