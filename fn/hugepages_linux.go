package main

import (
	"runtime"
	"syscall"
)

// hugePages asks Linux for transparent huge pages on the first n bytes the
// heap grows into (#8). A 10,000-service render touches about 900 MB of
// fresh memory; in 4 KiB pages that was 255,000 page faults and a quarter
// of its CPU, in 2 MiB pages 25,000 (BENCHMARKS.md). Go does not advise its
// heap itself, and most kernels give huge pages only where advised
// (transparent_hugepage=madvise). So: one large allocation at start-up,
// which reserves heap address space without touching it, is advised and
// freed; the render's allocations then reuse that range. Where huge pages
// are off this costs one allocation and an empty collection.
func hugePages(n int) {
	b := make([]byte, n) // fresh from the OS: not zeroed, not touched
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	runtime.KeepAlive(b)
	b = nil
	runtime.GC() // hand the range back to the heap
}
