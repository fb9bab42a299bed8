package render

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
)

// FuzzRender (issue #8): any YAML stream, rendered in both modes, never
// panics, and rendering it twice gives byte-equal output and results.
// Seeds: every golden input (tests/golden/testdata/*/input.yaml), plus
// testdata/fuzz/FuzzRender.
func FuzzRender(f *testing.F) {
	inputs, _ := filepath.Glob("../../tests/golden/testdata/*/input.yaml")
	for _, in := range inputs {
		if data, err := os.ReadFile(in); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := krm.ParseStream(data, "input.yaml"); err != nil {
			return
		}
		for _, mode := range []Mode{Stream, Function} {
			first := renderBytes(t, data, mode)
			again := renderBytes(t, data, mode)
			if !bytes.Equal(first, again) {
				t.Fatalf("mode %d: two renders of the same input differ", mode)
			}
		}
	})
}

// renderBytes parses and renders data afresh (Render annotates its input)
// and returns the output with the results.
func renderBytes(t *testing.T, data []byte, mode Mode) []byte {
	items, err := krm.ParseStream(data, "input.yaml")
	if err != nil {
		t.Fatalf("second parse failed: %v", err)
	}
	out := Render(items, nil, mode)
	var b bytes.Buffer
	if mode == Stream {
		if !out.Failed {
			if err := krm.WriteStream(&b, out.Items); err != nil {
				t.Fatal(err)
			}
		}
	} else if err := krm.WriteResourceList(&b, out.Items, nil, out.Results); err != nil {
		t.Fatal(err)
	}
	b.WriteString(Format(out.Results))
	return b.Bytes()
}
