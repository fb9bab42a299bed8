// Package par runs independent work on every core. Callers write results
// by index, so what they produce does not depend on scheduling.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(i) for i in [0, n) on GOMAXPROCS goroutines, handing
// out indexes in small batches. Callers write results by index, so the
// outcome does not depend on scheduling.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n < 4 {
		for i := range n {
			f(i)
		}
		return
	}
	batch := max(1, n/(workers*16))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(int64(batch))) - batch
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+batch, n); i++ {
					f(i)
				}
			}
		})
	}
	wg.Wait()
}

// ChunkSize is the size of the ranges ForChunks hands out: large enough
// that a range costs more than handing it out, small enough for both
// cores to get several.
const ChunkSize = 1 << 20

// NumChunks is how many ranges ForChunks cuts [0, n) into.
func NumChunks(n int) int { return (n + ChunkSize - 1) / ChunkSize }

// ForChunks calls f(k, lo, hi) for the k-th range [lo, hi) of [0, n), on
// every core.
func ForChunks(n int, f func(k, lo, hi int)) {
	For(NumChunks(n), func(k int) { f(k, k*ChunkSize, min(n, (k+1)*ChunkSize)) })
}
