// Golden tests: every directory under testdata/ is one case.
//
//	testdata/<case>/input.yaml     YAML stream: LatticeServices, an optional
//	                               Platform, any other objects
//	testdata/<case>/expected.yaml  the rendered stream (absent when the
//	                               render fails)
//	testdata/<case>/results.txt    the human-readable results (errors and
//	                               warnings), absent when there are none
//
// Add a case by creating input.yaml and running `go test ./tests -update`;
// review the generated files before committing them. Every case is also
// rendered twice (byte-identical), with its documents shuffled
// (byte-identical) and from its own output (a fixed point).
package tests

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
)

var update = flag.Bool("update", false, "rewrite expected files from the current output")

// renderStream renders a YAML stream like `lattice render` does.
func renderStream(t testing.TB, input []byte, name string) (out []byte, results string, failed bool) {
	t.Helper()
	items, err := krm.ParseStream(input, name)
	if err != nil {
		return nil, "error: " + err.Error() + "\n", true
	}
	o := render.Render(items, nil, render.Stream)
	var buf bytes.Buffer
	if !o.Failed {
		if err := krm.WriteStream(&buf, o.Items); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes(), render.Format(o.Results), o.Failed
}

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
			out, results, failed := renderStream(t, input, "input.yaml")
			checkFile(t, filepath.Join(dir, "expected.yaml"), out)
			checkFile(t, filepath.Join(dir, "results.txt"), []byte(results))
			if failed && len(out) > 0 {
				t.Errorf("a failed render printed %d bytes of output", len(out))
			}

			again, _, _ := renderStream(t, input, "input.yaml")
			if !bytes.Equal(out, again) {
				t.Errorf("second render differs from the first")
			}
			docs := bytes.Split(input, []byte("\n---\n"))
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range 3 {
				rng.Shuffle(len(docs), func(a, b int) { docs[a], docs[b] = docs[b], docs[a] })
				shuffled, _, _ := renderStream(t, bytes.Join(docs, []byte("\n---\n")), "input.yaml")
				if !bytes.Equal(out, shuffled) {
					t.Errorf("shuffle %d: output depends on input order", i)
				}
			}
			if !failed {
				fixed, res2, failed2 := renderStream(t, out, "expected.yaml")
				if failed2 || !bytes.Equal(out, fixed) {
					t.Errorf("rendering the output again changed it (failed=%v):\n%s", failed2, res2)
				}
			}
		})
	}
}

// checkFile compares got with the file, or rewrites it with -update. An
// empty got means the file must not exist.
func checkFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if len(got) == 0 {
			_ = os.Remove(path)
			return
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		want = nil
	} else if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run go test ./tests -update and review):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
