package tests

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/gen/synth"
)

// BenchmarkFunction: the KRM function alone: a ResourceList of a synthetic app
// (tests/gen/synth) in, the rendered ResourceList and the stderr report out,
// exactly what `lattice` does on stdin. Figures go to BENCHMARKS.md:
//
//	go test ./tests -run '^$' -bench Function -benchmem -count 5

var benchSizes = []int{10, 100, 1000, 10000}

var (
	benchInputsMu sync.Mutex
	benchInputs   = map[int][]byte{}
)

func benchInput(n int) []byte {
	benchInputsMu.Lock()
	defer benchInputsMu.Unlock()
	if in, ok := benchInputs[n]; ok {
		return in
	}
	in := synth.Generate(synth.Options{Services: n, Seed: 1}).ResourceList()
	benchInputs[n] = in
	return in
}

// runFunction is fn's function mode without the process around it.
func runFunction(in []byte, stdout, stderr io.Writer) (failed bool, err error) {
	items, fnConfig, err := krm.ReadResourceList(bytes.NewReader(in))
	if err != nil {
		return true, err
	}
	out := render.Render(items, fnConfig, render.Function)
	if _, err := io.WriteString(stderr, render.Format(out.Results)); err != nil {
		return true, err
	}
	return out.Failed, krm.WriteResourceList(stdout, out.Items, fnConfig, out.Results)
}

func BenchmarkFunction(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			in := benchInput(n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				failed, err := runFunction(in, io.Discard, io.Discard)
				if err != nil || failed {
					b.Fatalf("render failed: %v", err)
				}
			}
		})
	}
}

// BenchmarkRender is `lattice render` without the process: the synthetic
// app as one YAML stream in, the rendered stream out.
//
//	go test ./tests -run '^$' -bench Render -benchmem -count 5
func BenchmarkRender(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			in := synth.Generate(synth.Options{Services: n, Seed: 1}).Stream()
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				items, err := krm.ParseStream(in, "app.yaml")
				if err != nil {
					b.Fatal(err)
				}
				out := render.Render(items, nil, render.Stream)
				if out.Failed {
					b.Fatal("render failed")
				}
				if err := krm.WriteStream(io.Discard, out.Items); err != nil {
					b.Fatal(err)
				}
				_ = render.Format(out.Results)
			}
		})
	}
}
