//go:build !unix

package benchkit

import "time"

// ProcessCPU returns 0 where the process's processor time is not read.
func ProcessCPU() time.Duration { return 0 }
