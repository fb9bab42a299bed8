package properties

import (
	"os"
	"strconv"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// seedCount is how many random cases a property test runs: full, short
// under -short, or the number in the environment variable env (when env
// is not "" and the variable is set), to run more where a failure was seen.
func seedCount(full, short int, env string) int {
	n := full
	if testing.Short() {
		n = short
	}
	if env == "" {
		return n
	}
	if s := os.Getenv(env); s != "" {
		n, _ = strconv.Atoi(s)
	}
	return n
}
