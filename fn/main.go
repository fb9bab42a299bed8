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

// softMemoryLimit keeps a 10,000-service render under 1 GiB of RSS: with
// Go's default GC the heap grows to twice its live size. A GOMEMLIMIT set
// by the user wins.
const softMemoryLimit = 900 << 20

func main() {
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
