package properties

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/fleet"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
)

// Directory benchmarks (issue 14, docs/teams.md): a fleet of 20 clusters x
// 500 services (10,000 services, federated trust domains, up to 6
// declarations per service, 70 % of them inside the service's own cluster,
// a quarter exported), each cluster rendered by three teams (200, 200 and
// 100 services: 60 renders). Figures go to BENCHMARKS.md:
//
//	go test ./tests/properties -run '^$' -bench Directory -benchmem -count 3 -benchtime 5x

const (
	dirBenchClusters   = 20
	dirBenchPerCluster = 500
	dirBenchSize       = 200
)

type dirBenchRender struct {
	cluster, name string
	in            []byte // the render's input, without its view
}

type dirBenchData struct {
	fleet    *v1alpha1.Fleet
	renders  []dirBenchRender
	services []fleet.Render // decoded, for the build without YAML
	contract []fleet.Render // the same as published contracts
	dir      *v1alpha1.ServiceDirectory
	dirBytes []byte
}

var (
	dirBenchOnce, teamBenchOnce sync.Once
	dirBenchVal, teamBenchVal   *dirBenchData
)

// teamBench is the same fleet where teams mostly talk among themselves:
// 80 % of the declarations name a service of the same team, 15 % one of
// the cluster, 5 % any service of the fleet.
func teamBench(b *testing.B) *dirBenchData {
	teamBenchOnce.Do(func() {
		teamBenchVal = teamsFleet(b, 14, fleetShape{clusters: dirBenchClusters, perCluster: dirBenchPerCluster, maxDecls: 6, localPct: 75, exportPct: 25, teamPct: 80, team: dirBenchSize}, dirBenchSize)
	})
	return teamBenchVal
}

func dirBench(b *testing.B) *dirBenchData {
	dirBenchOnce.Do(func() {
		dirBenchVal = teamsFleet(b, 14, fleetShape{clusters: dirBenchClusters, perCluster: dirBenchPerCluster, maxDecls: 6, localPct: 70, exportPct: 25}, dirBenchSize)
	})
	return dirBenchVal
}

// teamsFleet generates a fleet (federated trust domains) whose clusters are
// each rendered by teams of up to size services, and builds its directory.
func teamsFleet(t testing.TB, seed uint64, shape fleetShape, size int) *dirBenchData {
	f := genFleet(rand.New(rand.NewPCG(seed, seed)), true, shape)
	d := &dirBenchData{fleet: f.fleetObject()}
	for i := range d.fleet.Spec.Clusters {
		c := &d.fleet.Spec.Clusters[i]
		c.Path = ""
		fc := f.clusters[i]
		for lo, n := 0, 0; lo < len(fc.services); lo, n = lo+size, n+1 {
			part := &fCluster{name: fc.name, td: fc.td, network: fc.network, gateway: fc.gateway, gatewayPort: fc.gatewayPort,
				services: fc.services[lo:min(lo+size, len(fc.services))]}
			name := fmt.Sprintf("%s/team-%d", fc.name, n)
			c.Renders = append(c.Renders, v1alpha1.FleetRender{Path: name})
			in := f.yaml(t, part)
			d.renders = append(d.renders, dirBenchRender{cluster: fc.name, name: name, in: in})
			items, err := krm.ParseStream(in, name+".yaml")
			if err != nil {
				t.Fatal(err)
			}
			out := render.Render(items, nil, render.Inventory)
			if out.Failed {
				t.Fatalf("%s: %s", name, render.Format(out.Results))
			}
			d.services = append(d.services, fleet.Render{Cluster: fc.name, Name: name, Services: out.Services})
			ct := fleet.ContractOf(fc.name, fc.td, name, out.Services, out.Members)
			d.contract = append(d.contract, fleet.Render{Cluster: fc.name, Name: name, Contract: ct.Spec.Clusters[0].Services})
		}
	}
	dir, errs := fleet.Directory(d.fleet, d.services)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d.dir = dir
	var err error
	if d.dirBytes, err = krm.Encode(dir); err != nil {
		t.Fatal(err)
	}
	return d
}

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work, wall time per op measures the neighbours too; CPU time
// per op (reported as cpu-ms/op) measures lattice.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// binaryMemoryPolicy sets the lattice binary's memory policy (fn/main.go:
// GOGC 200 under a 900 MiB soft limit) from a collected heap, so the
// benchmarks measure what `lattice directory build` and a render spend;
// it returns the function that restores the test binary's.
func binaryMemoryPolicy() func() {
	gc, limit := debug.SetGCPercent(200), debug.SetMemoryLimit(900<<20)
	runtime.GC()
	return func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) }
}

// loopCPU runs f in b.Loop and reports its CPU time per op. The loop runs
// under the profiler label bench=<benchmark name> (goroutines started by f
// inherit it), so a profile of one benchmark can leave out the shared
// set-up: go tool pprof -tagfocus bench=with-view ...
func loopCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	n, start := 0, cpuTime()
	pprof.Do(context.Background(), pprof.Labels("bench", b.Name()), func(context.Context) {
		for b.Loop() {
			f()
			n++
		}
	})
	b.ReportMetric(float64(cpuTime()-start)/float64(n)/1e6, "cpu-ms/op")
}

// BenchmarkDirectoryBuild is `lattice directory build` without file I/O:
// from the render roots' YAML (decode, default and validate every service,
// summarize, every view, encode), and assembled from published contracts
// (decoding the contracts excluded).
func BenchmarkDirectoryBuild(b *testing.B) {
	defer binaryMemoryPolicy()()
	d := dirBench(b)
	total := 0
	for _, r := range d.services {
		total += len(r.Services)
	}
	views := func(dir *v1alpha1.ServiceDirectory) {
		vs := fleet.NewViews(dir)
		for _, r := range d.renders {
			if _, err := krm.Encode(vs.View(r.cluster, r.name)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run(fmt.Sprintf("from-sources/services=%d/renders=%d", total, len(d.renders)), func(b *testing.B) {
		loopCPU(b, func() {
			var renders []fleet.Render
			for _, r := range d.renders {
				items, err := krm.ParseStream(r.in, r.name+".yaml")
				if err != nil {
					b.Fatal(err)
				}
				out := render.Render(items, nil, render.Inventory)
				renders = append(renders, fleet.Render{Cluster: r.cluster, Name: r.name, Services: out.Services})
			}
			dir, _ := fleet.Directory(d.fleet, renders)
			if _, err := krm.Encode(dir); err != nil {
				b.Fatal(err)
			}
			views(dir)
		})
		b.ReportMetric(float64(len(d.dirBytes)), "directory-bytes")
	})
	b.Run(fmt.Sprintf("from-contracts/services=%d/renders=%d", total, len(d.renders)), func(b *testing.B) {
		loopCPU(b, func() {
			dir, _ := fleet.Directory(d.fleet, d.contract)
			if _, err := krm.Encode(dir); err != nil {
				b.Fatal(err)
			}
			views(dir)
		})
	})
}

// BenchmarkDirectoryRender renders one team of 200 services: alone (no
// directory), with its view of the 10,000-service directory (what
// `lattice directory build` writes into the render root), and with the
// whole directory (what a render would cost if it read every contract).
func BenchmarkDirectoryRender(b *testing.B) {
	defer binaryMemoryPolicy()()
	for _, fl := range []struct {
		name string
		data func(*testing.B) *dirBenchData
	}{{"", dirBench}, {"team-local/", teamBench}} {
		d := fl.data(b)
		r := d.renders[0]
		view, err := krm.Encode(fleet.View(d.dir, r.cluster, r.name))
		if err != nil {
			b.Fatal(err)
		}
		with := func(extra []byte) []byte { return append(append(slices.Clone(r.in), "---\n"...), extra...) }
		for _, tc := range []struct {
			name string
			in   []byte
		}{{"alone", r.in}, {"with-view", with(view)}, {"with-whole-directory", with(d.dirBytes)}} {
			b.Run(fmt.Sprintf("%s%s/services=%d", fl.name, tc.name, dirBenchSize), func(b *testing.B) {
				b.SetBytes(int64(len(tc.in)))
				loopCPU(b, func() { renderBytes(b, tc.in) })
				b.ReportMetric(float64(len(tc.in)-len(r.in)), "directory-bytes")
			})
		}
	}
}
