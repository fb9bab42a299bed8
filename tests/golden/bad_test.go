package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// The bad-input corpus (issue #8): every directory under testdata/bad/ is
// one input lattice must reject.
//
//	testdata/bad/<case>/input.yaml    the input (a YAML stream)
//	testdata/bad/<case>/expected.txt  exit code and stderr of the built
//	                                  binary in both modes, recorded by
//	                                  go test ./tests/golden -run TestBadInputs -update
//
// Each case runs through the real binary twice: `lattice render input.yaml`
// and as a KRM function with the documents as ResourceList items on stdin.
// Whatever -update records, a case must fail with a message on stderr
// (exit 1 in render mode; in function mode 1, or 2 when the ResourceList
// itself cannot be read, fn's code for unusable input) and put no derived
// object on stdout. Cases extend the golden bad-* cases: one rule each.

func TestBadInputs(t *testing.T) {
	inputs, err := filepath.Glob("testdata/bad/*/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 60 {
		t.Fatalf("the bad-input corpus has %d cases; issue #8 asks for at least 60", len(inputs))
	}
	harness.LatticeBin(t)
	for _, in := range inputs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			input, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			if err := os.WriteFile(filepath.Join(work, "input.yaml"), input, 0o644); err != nil {
				t.Fatal(err)
			}
			render := harness.RunBinary(t, work, 2*time.Minute, nil, "render", "input.yaml")
			fn := harness.RunBinary(t, work, 2*time.Minute, harness.ResourceList(input))

			if render.Code != 1 {
				t.Errorf("lattice render: exit %d, want 1", render.Code)
			}
			if render.Stdout != "" {
				t.Errorf("lattice render printed objects for a bad input:\n%s", render.Stdout)
			}
			if fn.Code != 1 {
				t.Errorf("function mode: exit %d, want 1 (or 2 for an unreadable ResourceList)", fn.Code)
			}
			if strings.Contains(fn.Stdout, "lattice.dev/derived-from") {
				t.Errorf("function mode printed derived objects for a bad input")
			}
			if !strings.Contains(render.Stderr, "error") {
				t.Errorf("lattice render: stderr names no error:\n%s", render.Stderr)
			}
			if strings.TrimSpace(fn.Stderr) == "" || strings.Contains(fn.Stderr, "panic") {
				t.Errorf("function mode: no clear message on stderr:\n%s", fn.Stderr)
			}
			if strings.Contains(render.Stderr, "panic") {
				t.Errorf("lattice render panicked:\n%s", render.Stderr)
			}
			var got bytes.Buffer
			fmt.Fprintf(&got, "$ lattice render input.yaml\nexit %d\n%s", render.Code, render.Stderr)
			fmt.Fprintf(&got, "$ lattice < resourcelist.yaml\nexit %d\n%s", fn.Code, fn.Stderr)
			harness.CheckFile(t, filepath.Join(dir, "expected.txt"), got.Bytes())
		})
	}
}
