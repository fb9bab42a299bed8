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

// softMemoryLimit bounds a render's heap; see main.
const softMemoryLimit = 900 << 20

func main() {
	// Memory (#8, docs/limits.md): a render is a short batch job, so the
	// heap is collected only as it nears a 900 MiB soft limit. With Go's
	// default (collect whenever the heap doubles) a 10,000-service render
	// spent a tenth of its CPU collecting and its heap still reached twice
	// its live size. A GOMEMLIMIT or GOGC the user sets wins.
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(softMemoryLimit)
		if gogc := debug.SetGCPercent(-1); gogc != 100 {
			debug.SetGCPercent(gogc) // GOGC was set: keep it
		}
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
