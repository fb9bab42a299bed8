// Package golden holds the file-based cases: the golden renders
// (testdata/<case>/), the bad-input corpus (testdata/bad/<case>/) and the
// error catalogue generated from both (docs/errors.md).
//
// Golden tests: every directory under testdata/ (but bad/) is one case.
//
//	testdata/<case>/input.yaml     YAML stream: LatticeServices, an optional
//	                               Platform, any other objects
//	testdata/<case>/expected.yaml  the rendered stream (absent when the
//	                               render fails)
//	testdata/<case>/results.txt    the human-readable results (errors and
//	                               warnings), absent when there are none
//
// Add a case by creating input.yaml and running `make golden` (go test
// ./tests/golden -run TestGolden -update); review the generated files before committing them. Every case is also
// rendered twice (byte-identical), with its documents shuffled
// (byte-identical) and from its own output (a fixed point).
package golden

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, in := range dirs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			input, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, results, failed := harness.RenderStream(t, input, "input.yaml")
			harness.CheckFile(t, filepath.Join(dir, "expected.yaml"), out)
			harness.CheckFile(t, filepath.Join(dir, "results.txt"), []byte(results))
			if failed && len(out) > 0 {
				t.Errorf("a failed render printed %d bytes of output", len(out))
			}

			again, _, _ := harness.RenderStream(t, input, "input.yaml")
			if !bytes.Equal(out, again) {
				t.Errorf("second render differs from the first")
			}
			docs := bytes.Split(input, []byte("\n---\n"))
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range 3 {
				rng.Shuffle(len(docs), func(a, b int) { docs[a], docs[b] = docs[b], docs[a] })
				shuffled, _, _ := harness.RenderStream(t, bytes.Join(docs, []byte("\n---\n")), "input.yaml")
				if !bytes.Equal(out, shuffled) {
					t.Errorf("shuffle %d: output depends on input order", i)
				}
			}
			if !failed {
				fixed, res2, failed2 := harness.RenderStream(t, out, "expected.yaml")
				if failed2 || !bytes.Equal(out, fixed) {
					t.Errorf("rendering the output again changed it (failed=%v):\n%s", failed2, res2)
				}
			}
		})
	}
}

// TestNoCasesOutsideGolden: the golden cases moved from tests/testdata to
// tests/golden/testdata. A case added under the old directory (a branch
// older than the move) would be skipped silently; name it instead.
func TestNoCasesOutsideGolden(t *testing.T) {
	old := filepath.Join(harness.RepoRoot(), "tests", "testdata")
	stray, _ := filepath.Glob(filepath.Join(old, "*", "*"))
	for _, p := range stray {
		t.Errorf("%s is outside tests/golden/testdata: move its case directory to tests/golden/testdata/ (bad inputs to tests/golden/testdata/bad/)", p)
	}
}
