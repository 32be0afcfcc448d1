//go:build unix

package httpapi_test

import "syscall"

// setReceiveBuffer sets the size of a socket's receive buffer.
func setReceiveBuffer(fd uintptr, size int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
}
