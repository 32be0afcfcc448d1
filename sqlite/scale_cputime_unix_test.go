//go:build unix

package sqlite

import (
	"syscall"
	"time"
)

// scaleProcessTime returns the processor time the process has used so far.
func scaleProcessTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
