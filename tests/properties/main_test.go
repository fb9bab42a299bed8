package properties

import (
	"os"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
