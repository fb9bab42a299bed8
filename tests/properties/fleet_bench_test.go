package properties

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
)

// Multi-cluster benchmarks: a fleet of 20 clusters x 200 services (federated
// trust domains, three namespaces per cluster, up to 6 declarations per
// service, 70% of them inside the service's own cluster, a quarter of the
// services exported), from the property test's generator. Figures go to BENCHMARKS.md:
//
//	go test ./tests/properties -run '^$' -bench Fleet -benchmem -count 5

const (
	benchClusters   = 20
	benchPerCluster = 200
)

type benchFleetData struct {
	fleet  *fFleet
	inputs map[string][]byte // per cluster, with the inventory
	bare   map[string][]byte // per cluster, without it
	inv    []byte
}

var (
	benchFleetOnce sync.Once
	benchFleetVal  *benchFleetData
)

func benchFleet(b *testing.B) *benchFleetData {
	benchFleetOnce.Do(func() {
		f := genFleet(rand.New(rand.NewPCG(7, 7)), true, fleetShape{clusters: benchClusters, perCluster: benchPerCluster, maxDecls: 6, localPct: 70, exportPct: 25})
		d := &benchFleetData{fleet: f, inputs: map[string][]byte{}, bare: map[string][]byte{}}
		for _, c := range f.clusters {
			d.bare[c.name] = f.yaml(b, c)
		}
		d.inv = f.inventory(b, d.bare)
		for _, c := range f.clusters {
			d.inputs[c.name] = append(append(slices.Clone(d.bare[c.name]), "---\n"...), d.inv...)
		}
		benchFleetVal = d
	})
	return benchFleetVal
}

// renderBytes is `lattice render` on a stream, output discarded.
func renderBytes(b *testing.B, in []byte) {
	items, err := krm.ParseStream(in, "input.yaml")
	if err != nil {
		b.Fatal(err)
	}
	out := render.Render(items, nil, render.Stream)
	if out.Failed {
		b.Fatalf("render failed:\n%s", render.Format(out.Results))
	}
	var buf bytes.Buffer
	if err := krm.WriteStream(&buf, out.Items); err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, &buf)
}

// BenchmarkFleetInventory is `lattice fleet inventory` without file I/O:
// decode, default and validate every cluster's services, summarize, encode.
func BenchmarkFleetInventory(b *testing.B) {
	d := benchFleet(b)
	b.ReportAllocs()
	for b.Loop() {
		d.fleet.inventory(b, d.bare)
	}
	b.ReportMetric(float64(len(d.inv)), "inventory-bytes")
}

// BenchmarkFleetRenderCluster renders one cluster of the fleet with the
// inventory (what each cluster's CI or Argo CD does), and the same cluster
// without it (the cost of the fleet is the difference).
func BenchmarkFleetRenderCluster(b *testing.B) {
	d := benchFleet(b)
	c := d.fleet.clusters[0].name
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"with-inventory", d.inputs[c]}, {"without-inventory", d.bare[c]}} {
		b.Run(fmt.Sprintf("%s/services=%d", tc.name, len(d.fleet.clusters[0].services)), func(b *testing.B) {
			b.SetBytes(int64(len(tc.in)))
			b.ReportAllocs()
			for b.Loop() {
				renderBytes(b, tc.in)
			}
		})
	}
}

// BenchmarkFleetRenderAll renders all 20 clusters, one after the other:
// one commit's whole fleet.
func BenchmarkFleetRenderAll(b *testing.B) {
	d := benchFleet(b)
	total := 0
	for _, c := range d.fleet.clusters {
		total += len(c.services)
	}
	b.Run(fmt.Sprintf("clusters=%d/services=%d", len(d.fleet.clusters), total), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range d.fleet.clusters {
				renderBytes(b, d.inputs[c.name])
			}
		}
	})
}
