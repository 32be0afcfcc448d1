package memstore

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// hugePage is the size of a transparent huge page on amd64 and on arm64
// with 4 KiB pages; elsewhere the block may get none, as huge-MiB shows.
const hugePage = 2 << 20

// hugeWords returns a block of n words in memory that the kernel is asked
// to back with transparent huge pages (madvise MADV_HUGEPAGE), so that a
// load from anywhere in it needs no page walk that misses the caches, and
// the number of bytes of the process that huge pages back once the block
// is written. The block is freed when tb ends. It skips tb where the
// kernel has no transparent huge pages.
func hugeWords(tb testing.TB, n int) ([]int, int64) {
	tb.Helper()
	size := n * int(unsafe.Sizeof(int(0)))
	whole := (size + hugePage - 1) / hugePage * hugePage // the huge pages that hold the block
	m, err := syscall.Mmap(-1, 0, whole+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		tb.Fatalf("map %d bytes: %v", whole+hugePage, err)
	}
	tb.Cleanup(func() { syscall.Munmap(m) })
	skip := (hugePage - int(uintptr(unsafe.Pointer(&m[0])))%hugePage) % hugePage // to a huge page's start
	pages := m[skip : skip+whole]
	if err := syscall.Madvise(pages, syscall.MADV_HUGEPAGE); err != nil {
		tb.Skipf("no transparent huge pages: %v", err)
	}
	clear(pages) // every page backed now
	block := pages[:size]
	return unsafe.Slice((*int)(unsafe.Pointer(&block[0])), n), anonHugeBytes(tb)
}

// anonHugeBytes returns how many bytes of the process's anonymous memory
// transparent huge pages back (AnonHugePages in /proc/self/smaps_rollup).
func anonHugeBytes(tb testing.TB) int64 {
	tb.Helper()
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		tb.Skipf("no smaps_rollup: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == "AnonHugePages:" {
			kib, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				tb.Fatalf("smaps_rollup: %q: %v", sc.Text(), err)
			}
			return kib << 10
		}
	}
	tb.Skip("smaps_rollup reports no AnonHugePages")
	return 0
}
