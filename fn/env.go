package main

import "os"

// The environment variables lattice reads: each has its own function here
// and is documented in docs/limits.md ("Environment"). golangci-lint
// (forbidigo) rejects environment reads anywhere else in lattice.

// sourceDateEPOCH is $SOURCE_DATE_EPOCH: `lattice push`'s image creation
// time when --created is not given (reproducible builds).
func sourceDateEPOCH() string { return os.Getenv("SOURCE_DATE_EPOCH") }
