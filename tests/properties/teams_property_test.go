package properties

// Many renders, one mesh (docs/teams.md). The mesh soundness property
// (mesh_property_test.go) extended to a graph split across renders: the
// same random graphs, split at random into k renders (k = 1…10) that read
// their views of one ServiceDirectory, must admit over the union of every
// render's output exactly the (caller, callee, port, method, path) set one
// render of the whole graph admits. And a directory that is stale for the
// other renders (random edits of their contracts) must never admit a
// request the callee's own current spec does not admit.
//
// The evaluator of Istio semantics is used through genGraph, mGraph.yaml,
// mGraph.want, parseCluster, cluster.allowed and diff only.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/fleet"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/internal/harness"
	"github.com/lattice-dev/lattice/tests/istiosem"
)

var docSplit = regexp.MustCompile(`(?m)^---\n`)

// splitRenders deals the graph's LatticeServices at random into k renders;
// the Platform goes to every render, a Namespace to the renders with
// services in it (a namespace in the input belongs to the teams that use
// it). It returns each render's stream and the owner of each service.
func splitRenders(t testing.TB, rng *rand.Rand, g *mGraph, k int) ([][]byte, map[string]int) {
	docs := docSplit.Split(string(g.yaml(t)), -1)
	streams := make([][]string, k)
	owner := map[string]int{}
	for i, s := range g.services {
		// Every render gets at least one service.
		r := rng.IntN(k)
		if i < k {
			r = i
		}
		owner[s.ref()] = r
	}
	uses := map[string]map[int]bool{}
	for _, s := range g.services {
		if uses[s.ns] == nil {
			uses[s.ns] = map[int]bool{}
		}
		uses[s.ns][owner[s.ref()]] = true
	}
	for _, d := range docs {
		if strings.Contains(d, "kind: Namespace") {
			name := regexp.MustCompile(`(?m)^  name: (\S+)$`).FindStringSubmatch(d)
			for r := range streams {
				if name != nil && uses[name[1]][r] {
					streams[r] = append(streams[r], d)
				}
			}
			continue
		}
		if !strings.Contains(d, "kind: LatticeService") {
			for r := range streams {
				streams[r] = append(streams[r], d)
			}
			continue
		}
		ns := regexp.MustCompile(`(?m)^  namespace: (\S+)$`).FindStringSubmatch(d)
		name := regexp.MustCompile(`(?m)^  name: (\S+)$`).FindStringSubmatch(d)
		if ns == nil || name == nil {
			t.Fatalf("cannot find the service's name in\n%s", d)
		}
		r := owner[ns[1]+"/"+name[1]]
		streams[r] = append(streams[r], d)
	}
	out := make([][]byte, k)
	for r, ds := range streams {
		out[r] = []byte(strings.Join(ds, "---\n"))
	}
	return out, owner
}

func renderName(r int) string { return "team-" + strconv.Itoa(r) }

// teamsDirectory builds the directory of the renders, as `lattice
// directory build` does from their roots.
func teamsDirectory(t testing.TB, streams [][]byte) (*v1alpha1.Fleet, *v1alpha1.ServiceDirectory) {
	f := &v1alpha1.Fleet{Spec: v1alpha1.FleetSpec{Clusters: []v1alpha1.FleetCluster{{Name: v1alpha1.DefaultClusterName, TrustDomain: propTrustDomain}}}}
	var renders []fleet.Render
	for r, in := range streams {
		f.Spec.Clusters[0].Renders = append(f.Spec.Clusters[0].Renders, v1alpha1.FleetRender{Path: renderName(r)})
		items, err := krm.ParseStream(in, renderName(r)+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		out := render.Render(items, nil, render.Inventory)
		if out.Failed {
			t.Fatalf("render %d: %s", r, render.Format(out.Results))
		}
		renders = append(renders, fleet.Render{Cluster: v1alpha1.DefaultClusterName, Name: renderName(r), Services: out.Services, Members: out.Members})
	}
	fleet.Default(f)
	d, errs := fleet.Directory(f, renders)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return f, d
}

// renderTeams renders every render with its view of d and returns the
// union of their outputs.
func renderTeams(t testing.TB, streams [][]byte, d *v1alpha1.ServiceDirectory) []byte {
	var all [][]byte
	for r, in := range streams {
		view, err := krm.Encode(fleet.View(d, v1alpha1.DefaultClusterName, renderName(r)))
		if err != nil {
			t.Fatal(err)
		}
		out, results, failed := harness.RenderStream(t, append(append(slices.Clone(in), "---\n"...), view...), renderName(r)+".yaml")
		if failed {
			t.Fatalf("render %s failed:\n%s", renderName(r), results)
		}
		all = append(all, bytes.TrimSuffix(out, []byte("\n")))
	}
	return bytes.Join(all, []byte("\n---\n"))
}

func TestTeamsSoundness(t *testing.T) {
	seeds := seedCount(8, 3, "TEAMS_SEEDS")
	for seed := range seeds {
		for k := 1; k <= 10; k++ {
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(k)))
			g := genGraph(rng, 40+rng.IntN(40))
			t.Run(fmt.Sprintf("seed-%d/renders-%d", seed, k), func(t *testing.T) {
				t.Parallel()
				streams, _ := splitRenders(t, rng, g, k)
				_, d := teamsDirectory(t, streams)
				gotIn, gotEg := admitted(t, renderTeams(t, streams, d))
				wantIn, wantEg := g.want()
				diff(t, "inbound", gotIn, wantIn)
				diff(t, "egress", gotEg, wantEg)
			})
		}
	}
}

// TestTeamsStaleDirectoryFailsSafe: random edits of the other renders'
// contracts (callers claiming calls, callees claiming to accept anyone,
// rules dropped, ports added) never admit more than each callee's current
// spec, and never fail the render (its own entries are current).
func TestTeamsStaleDirectoryFailsSafe(t *testing.T) {
	seeds := seedCount(12, 4, "")
	for seed := range seeds {
		k := 2 + seed%9
		rng := rand.New(rand.NewPCG(uint64(seed), 0x57a1e))
		g := genGraph(rng, 40+rng.IntN(40))
		t.Run(fmt.Sprintf("seed-%d/renders-%d", seed, k), func(t *testing.T) {
			t.Parallel()
			streams, _ := splitRenders(t, rng, g, k)
			_, clean := teamsDirectory(t, streams)
			edited := staleEdits(rng, clean, g)
			var all [][]byte
			for r := range streams {
				// The render's own entries are current (else it fails as
				// stale); every other render's may be anything.
				d := ownCurrent(edited, clean, renderName(r))
				all = append(all, renderTeams(t, streams[r:r+1], renamed(d, renderName(r), renderName(0))))
			}
			gotIn, _ := admitted(t, bytes.Join(all, []byte("\n---\n")))
			bound := g.calleeBound()
			var over []string
			for req := range gotIn {
				if !bound[req] {
					over = append(over, req)
				}
			}
			slices.Sort(over)
			if len(over) > 0 {
				t.Errorf("%d requests admitted beyond the callees' own specs, e.g. %q", len(over), over[:min(5, len(over))])
			}
		})
	}
}

// renamed renames render from to the name renderTeams gives its one
// stream.
func renamed(d *v1alpha1.ServiceDirectory, from, to string) *v1alpha1.ServiceDirectory {
	if from == to {
		return d
	}
	out := cloneDirectory(d)
	for i := range out.Spec.Clusters {
		for j := range out.Spec.Clusters[i].Services {
			s := &out.Spec.Clusters[i].Services[j]
			switch s.Render {
			case from:
				s.Render = to
			case to:
				s.Render = from
			}
		}
	}
	return out
}

func cloneDirectory(d *v1alpha1.ServiceDirectory) *v1alpha1.ServiceDirectory {
	out := *d
	out.Spec.Clusters = slices.Clone(d.Spec.Clusters)
	for i := range out.Spec.Clusters {
		out.Spec.Clusters[i].Services = slices.Clone(d.Spec.Clusters[i].Services)
	}
	return &out
}

// ownCurrent is edited with render's own entries from clean.
func ownCurrent(edited, clean *v1alpha1.ServiceDirectory, render string) *v1alpha1.ServiceDirectory {
	out := cloneDirectory(edited)
	for i := range out.Spec.Clusters {
		for j, s := range clean.Spec.Clusters[i].Services {
			if s.Render == render {
				out.Spec.Clusters[i].Services[j] = s
			}
		}
	}
	return out
}

// staleEdits changes a random third of the directory's entries the way a
// stale or hand-edited directory could differ from the specs.
func staleEdits(rng *rand.Rand, d *v1alpha1.ServiceDirectory, g *mGraph) *v1alpha1.ServiceDirectory {
	out := cloneDirectory(d)
	random := func() v1alpha1.InventoryPeer {
		s := g.services[rng.IntN(len(g.services))]
		return v1alpha1.InventoryPeer{Namespace: s.ns, Name: s.name}
	}
	for i := range out.Spec.Clusters {
		for j := range out.Spec.Clusters[i].Services {
			if rng.IntN(3) != 0 {
				continue
			}
			s := &out.Spec.Clusters[i].Services[j]
			s.Outbound = slices.Clone(s.Outbound)
			s.Inbound = slices.Clone(s.Inbound)
			switch rng.IntN(5) {
			case 0: // claims calls it does not declare
				for range 1 + rng.IntN(5) {
					s.Outbound = append(s.Outbound, random())
				}
			case 1: // claims to accept anyone
				s.AcceptsAnyDeclaredCaller = true
			case 2: // claims to accept callers, without rules
				for range 1 + rng.IntN(5) {
					s.Inbound = append(s.Inbound, random())
				}
			case 3: // claims to accept its callers without their rules
				for p := range s.Inbound {
					s.Inbound[p].Rules = nil
				}
			case 4: // claims more ports
				s.Ports = append(slices.Clone(s.Ports), v1alpha1.InventoryPort{Name: "admin", Port: 1, TargetPort: 1, Protocol: "TCP"})
			}
		}
	}
	return out
}

// calleeBound is every request a callee's own spec admits from any
// caller that might declare it: named inbound declarations, else the
// wildcard, on the callee's ports; and the gateway on ingress ports.
func (g *mGraph) calleeBound() map[string]bool {
	// The same computation as want, with every caller declaring every
	// callee outbound.
	all := &mGraph{byRef: g.byRef, namespaces: g.namespaces}
	for _, s := range g.services {
		c := *s
		c.outbound = map[string][]string{}
		for _, o := range g.services {
			c.outbound[o.ref()] = []string{""}
		}
		all.services = append(all.services, &c)
	}
	bound, _ := all.want()
	return bound
}

// admitted loads the union of the renders' output into the shared Istio
// evaluator: the admitted requests and egress grants.
func admitted(t testing.TB, out []byte) (inbound, egress map[string]bool) {
	t.Helper()
	m := istiosem.New(propTrustDomain)
	if err := m.Load(out); err != nil {
		t.Fatal(err)
	}
	return m.Inbound(callers(m, propGateway, propIntruder, ""), propMethods, propPaths), m.Egress()
}
