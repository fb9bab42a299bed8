// Command lattice renders LatticeService specs into the objects a platform
// derives from them. Without arguments it is a KRM function (ResourceList on
// stdin and stdout), for kustomize and kpt; `lattice render DIR` does the
// same for plain directories, for CI, pre-commit and Argo CD plugins.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
