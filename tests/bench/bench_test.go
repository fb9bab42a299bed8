// Package bench holds the benchmarks of the function as a whole (decode,
// render, encode) on the synthetic apps of tests/gen/synth; figures go to
// BENCHMARKS.md. The fleet benchmarks live with the fleet generator in
// tests/properties.
package bench

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/gen/synth"
)

// BenchmarkFunction: the KRM function alone: a ResourceList of a synthetic app
// (tests/gen/synth) in, the rendered ResourceList and the stderr report out,
// exactly what `lattice` does on stdin, with its memory policy. Figures go
// to BENCHMARKS.md:
//
//	go test ./tests/bench -run '^$' -bench Function -benchmem -count 5

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
	// The binary's memory policy (fn/main.go): GOGC 200 under a 900 MiB
	// soft limit. Each size starts from a collected heap.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(900 << 20))
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			in := benchInput(n)
			runtime.GC()
			b.ResetTimer()
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
//	go test ./tests/bench -run '^$' -bench Render -benchmem -count 5
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

// BenchmarkEncode: encoding the derived objects of the synthetic app, per
// kind, the largest share of a function's CPU.
//
//	go test ./tests/bench -run '^$' -bench Encode -benchmem
func BenchmarkEncode(b *testing.B) {
	items, fnConfig, err := krm.ReadResourceList(bytes.NewReader(benchInput(1000)))
	if err != nil {
		b.Fatal(err)
	}
	out := render.Render(items, fnConfig, render.Stream)
	if out.Failed {
		b.Fatal("render failed")
	}
	byKind := map[string][]any{}
	for _, d := range out.Derived {
		k := d.Object.GetObjectKind().GroupVersionKind().Kind
		byKind[k] = append(byKind[k], d.Object)
	}
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		objs := byKind[k]
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				size = 0
				for _, o := range objs {
					y, err := krm.Encode(o)
					if err != nil {
						b.Fatal(err)
					}
					size += len(y)
				}
			}
			b.ReportMetric(float64(size)/float64(len(objs)), "B/obj")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/obj")
		})
	}
}
