// Command lattice renders LatticeService specs into the objects a platform
// derives from them. Without arguments it is a KRM function (ResourceList on
// stdin and stdout), for kustomize and kpt; `lattice render DIR` does the
// same for plain directories, for CI, pre-commit and Argo CD plugins.
package main

import (
	"math"
	"os"
	"runtime/debug"
)

// softMemoryLimit bounds a render's heap, and gcPercent paces the
// collector below it; see main.
const (
	softMemoryLimit = 900 << 20
	gcPercent       = 200
)

func main() {
	// Memory (#8, #16, docs/limits.md): a render is a short batch job, so
	// the heap may grow to three times its live data (GOGC 200) under a
	// 900 MiB soft limit. Collecting only at the limit (as before) ran the
	// collector again and again as a 10,000-service render neared it, at
	// 0.88 GiB of RSS; at 200 the render peaks at 0.70–0.74 GiB for the
	// same or less CPU (BENCHMARKS.md, issue 16 session 2). A GOMEMLIMIT or
	// GOGC the user sets wins.
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(softMemoryLimit)
		if gogc := debug.SetGCPercent(gcPercent); gogc != 100 {
			debug.SetGCPercent(gogc) // GOGC was set: keep it
		}
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
