//go:build !unix

package memstore

import "time"

// processTime is not measured here: cpu-ns/op reads 0.
func processTime() time.Duration { return 0 }
