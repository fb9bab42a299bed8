// Multi-cluster mesh soundness: for random fleets (several clusters, both
// trust models), the cross-cluster traffic the rendered objects allow is
// exactly the set of bilateral agreements whose callee is exported.
//
// Each cluster is rendered alone with the FleetInventory generated the way
// `lattice fleet inventory` does it. The two computations are independent:
//
//   - want: the generator's own model. It picks each declaration's target
//     service itself (its cluster included) and then spells the
//     declaration so that lattice's resolution rules must find that target:
//     cluster: is omitted only where the name is unambiguous, sometimes
//     written where it is not needed.
//   - got: the evaluator (tests/istiosem) run on every cluster's output,
//     with every workload of every cluster as a caller (its own trust
//     domain): Inbound for the callers of the callee's own cluster, and
//     CrossInbound (Istio ambient multi-network: global Services, the
//     caller cluster's selector-less copy and its waypoint) for callers on
//     the other clusters. Identities are not filtered by trust domain:
//     ztunnel accepts peers of its own trust domain only, which the render
//     reports as a warning for federated fleets (checked below); the
//     policies are what is compared.
//
// Requests are compared per (cluster, caller principal, callee, port,
// method, path); caller-cluster Services are also checked the other way:
// no copy, and no global Service, without an agreement behind it.
package properties

import (
	"fmt"
	"maps"
	"math/rand/v2"
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

type fService struct {
	cluster, ns, name string
	ports             []mPort
	exported          bool
	// outbound and inbound are keyed by the target's fleet ref
	// "cluster/ns/name"; inbound holds one rules list per declaration.
	outbound map[string]bool
	inbound  map[string][][]mRule
	wildcard [][]mRule
	res      map[string]any
}

func (s *fService) ref() string   { return s.cluster + "/" + s.ns + "/" + s.name }
func (s *fService) local() string { return s.ns + "/" + s.name }

type fCluster struct {
	name, td, network, gateway string
	gatewayPort                int
	services                   []*fService
}

type fFleet struct {
	federated  bool
	clusters   []*fCluster
	byRef      map[string]*fService
	namespaces []string
}

func (f *fFleet) runs(cluster, local string) bool {
	_, ok := f.byRef[cluster+"/"+local]
	return ok
}

// others lists the clusters other than from that run local (exported only
// when exported is set).
func (f *fFleet) others(from, local string, exported bool) []string {
	var out []string
	for _, c := range f.clusters {
		if s, ok := f.byRef[c.name+"/"+local]; ok && c.name != from && (!exported || s.exported) {
			out = append(out, c.name)
		}
	}
	return out
}

// fleetShape sizes a generated fleet.
type fleetShape struct {
	clusters, perCluster int
	// maxDecls bounds each service's declarations; localPct of them name a
	// service of its own cluster (else any service of the fleet);
	// exportPct of the services are exported.
	maxDecls, localPct, exportPct int
	// teamPct of the declarations (before localPct applies to the rest)
	// name a service of the same team: the same block of team services
	// of the cluster, as teamsFleet splits clusters into renders.
	teamPct, team int
}

// genFleet generates a fleet of about clusters x perCluster services
// (some are skipped: a federated cluster never runs one ns/name twice) in
// three namespaces per cluster.
func genFleet(rng *rand.Rand, federated bool, shape fleetShape) *fFleet {
	clusters, perCluster, maxDecls := shape.clusters, shape.perCluster, shape.maxDecls
	f := &fFleet{federated: federated, byRef: map[string]*fService{}}
	for i := range 3 {
		f.namespaces = append(f.namespaces, fmt.Sprintf("team-%d", i))
	}
	global := 0
	for i := range clusters {
		c := &fCluster{name: fmt.Sprintf("c%d", i), td: propTrustDomain, network: fmt.Sprintf("net-%d", i), gatewayPort: 15443}
		if federated {
			c.td = fmt.Sprintf("c%d.fleet.test", i)
		}
		c.gateway = fmt.Sprintf("gw.c%d.fleet.test", i)
		if i%2 == 1 {
			c.gateway, c.gatewayPort = fmt.Sprintf("10.0.%d.1", i), 15008
		}
		for j := range perCluster {
			// One trust domain makes ns/name one identity fleet-wide, so
			// names are unique then; federated clusters reuse names (the
			// resolution rules must tell them apart).
			name := fmt.Sprintf("s%d", global)
			if federated {
				name = fmt.Sprintf("s%d", j)
			}
			global++
			s := &fService{cluster: c.name, ns: f.namespaces[rng.IntN(len(f.namespaces))], name: name,
				outbound: map[string]bool{}, inbound: map[string][][]mRule{}, res: map[string]any{}}
			if f.runs(c.name, s.local()) {
				continue
			}
			if rng.IntN(10) < 8 {
				s.ports = append(s.ports, mPort{"http", 80, 8080 + rng.IntN(3)})
				if rng.IntN(4) == 0 {
					s.ports = append(s.ports, mPort{"grpc", 9090, 9090})
				}
				if rng.IntN(12) == 0 {
					s.wildcard = append(s.wildcard, genRules(rng, 3))
				}
			}
			// Istio ambient makes one namespace/name one service across
			// clusters (the render reports a second export), so one
			// cluster at most exports a name.
			s.exported = rng.IntN(100) < shape.exportPct && len(f.others(c.name, s.local(), true)) == 0
			c.services = append(c.services, s)
			f.byRef[s.ref()] = s
		}
		f.clusters = append(f.clusters, c)
	}
	all := slices.Sorted(maps.Keys(f.byRef))
	for _, c := range f.clusters {
		for si, s := range c.services {
			for range rng.IntN(maxDecls + 1) {
				t := f.byRef[all[rng.IntN(len(all))]]
				if shape.teamPct > 0 && rng.IntN(100) < shape.teamPct {
					lo := si / shape.team * shape.team
					t = c.services[lo+rng.IntN(min(lo+shape.team, len(c.services))-lo)]
				} else if rng.IntN(100) < shape.localPct {
					t = c.services[rng.IntN(len(c.services))]
				}
				if t.cluster != s.cluster && f.runs(s.cluster, t.local()) {
					continue // a remote callee named like a local service: lattice rejects it (Shadowed)
				}
				restrict := 0
				if len(t.ports) > 0 {
					restrict = 3
				}
				switch r := rng.IntN(10); {
				case r < 2: // one-sided outbound
					s.outbound[t.ref()] = true
				case r < 3: // one-sided inbound
					t.inbound[s.ref()] = append(t.inbound[s.ref()], genRules(rng, 0))
				default:
					s.outbound[t.ref()] = true
					t.inbound[s.ref()] = append(t.inbound[s.ref()], genRules(rng, restrict))
				}
			}
		}
	}
	for _, c := range f.clusters {
		for _, s := range c.services {
			f.spell(rng, s)
		}
	}
	return f
}

// spell writes s's declarations, naming each target so that lattice's
// rules resolve it to exactly that service.
func (f *fFleet) spell(rng *rand.Rand, s *fService) {
	n := 0
	decl := func(target string, callee bool) (string, map[string]any) {
		t := f.byRef[target]
		n++
		r := map[string]any{"type": "service", "id": t.name}
		if t.ns != s.ns {
			r["namespace"] = t.ns
		}
		var canOmit bool
		if t.cluster == s.cluster {
			canOmit = true
		} else {
			candidates := f.others(s.cluster, t.local(), callee)
			canOmit = !f.runs(s.cluster, t.local()) && (len(candidates) == 0 || len(candidates) == 1 && candidates[0] == t.cluster) &&
				(callee || len(f.others(s.cluster, t.local(), false)) == 1)
		}
		if !canOmit || rng.IntN(3) == 0 {
			r["cluster"] = t.cluster
		}
		return fmt.Sprintf("r%d", n), r
	}
	for _, target := range slices.Sorted(maps.Keys(s.outbound)) {
		k, r := decl(target, true)
		r["direction"] = "outbound"
		s.res[k] = r
	}
	for _, target := range slices.Sorted(maps.Keys(s.inbound)) {
		for _, rules := range s.inbound[target] {
			k, r := decl(target, false)
			r["direction"] = "inbound"
			setRules(r, rules)
			s.res[k] = r
		}
	}
	for i, rules := range s.wildcard {
		r := map[string]any{"type": "service", "direction": "inbound", "id": "*"}
		setRules(r, rules)
		s.res[fmt.Sprintf("anyone-%d", i)] = r
	}
}

func (f *fFleet) fleetObject() *v1alpha1.Fleet {
	fl := &v1alpha1.Fleet{}
	for _, c := range f.clusters {
		fc := v1alpha1.FleetCluster{Name: c.name, TrustDomain: c.td, Network: c.network, Path: c.name,
			EastWestGateway: &v1alpha1.EastWestGateway{Address: c.gateway, Port: int32(c.gatewayPort)}}
		for _, s := range c.services {
			if s.exported {
				fc.Exports = append(fc.Exports, s.local())
			}
		}
		fl.Spec.Clusters = append(fl.Spec.Clusters, fc)
	}
	fleet.Default(fl)
	return fl
}

// yaml is one cluster's render input, without the inventory.
func (f *fFleet) yaml(t testing.TB, c *fCluster) []byte {
	docs := []any{map[string]any{
		"apiVersion": "lattice.dev/v1alpha1", "kind": "Platform", "metadata": map[string]any{"name": "platform"},
		"spec": map[string]any{
			"cluster": map[string]any{"name": c.name, "trustDomain": c.td},
			"gateway": map[string]any{"name": "edge-gw", "namespace": "edge", "serviceAccount": "edge-proxy"},
			"mesh":    map[string]any{"baseline": true, "manageNamespaces": true},
		},
	}}
	for _, s := range c.services {
		doc, _ := serviceDoc(s.name, s.ns, s.ports, s.res)
		docs = append(docs, doc)
	}
	return harness.YAMLStream(t, docs)
}

// inventory is what `lattice fleet inventory` writes for the fleet.
func (f *fFleet) inventory(t testing.TB, inputs map[string][]byte) []byte {
	services := map[string][]*v1alpha1.LatticeService{}
	for _, c := range f.clusters {
		items, err := krm.ParseStream(inputs[c.name], c.name+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		out := render.Render(items, nil, render.Inventory)
		if out.Failed {
			t.Fatalf("cluster %s: %s", c.name, render.Format(out.Results))
		}
		services[c.name] = out.Services
	}
	data, err := krm.Encode(fleet.Inventory(f.fleetObject(), services))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// want: every bilateral agreement whose callee is exported (or local), as
// allowed requests keyed by the callee's cluster.
func (f *fFleet) want() map[string]bool {
	out := map[string]bool{}
	for _, c := range f.clusters {
		for _, s := range c.services {
			if len(s.ports) == 0 {
				continue
			}
			for _, caller := range f.byRef {
				if !caller.outbound[s.ref()] || (caller.cluster != s.cluster && !s.exported) {
					continue
				}
				decls, named := s.inbound[caller.ref()]
				if !named {
					if len(s.wildcard) == 0 {
						continue
					}
					decls = s.wildcard
				}
				principal := f.cluster(caller.cluster).td + "/ns/" + caller.ns + "/sa/" + caller.name
				for _, p := range s.ports {
					for _, m := range propMethods {
						for _, path := range propPaths {
							if admits(decls, m, path) {
								out[strings.Join([]string{s.cluster, principal, s.local(), strconv.Itoa(p.target), m, path}, "|")] = true
							}
						}
					}
				}
			}
		}
	}
	return out
}

func (f *fFleet) cluster(name string) *fCluster {
	for _, c := range f.clusters {
		if c.name == name {
			return c
		}
	}
	return nil
}

func TestFleetSoundness(t *testing.T) {
	seeds := seedCount(16, 4, "FLEET_SEEDS")
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 0xf1ee7))
		f := genFleet(rng, seed%2 == 1, fleetShape{clusters: 3 + rng.IntN(2), perCluster: 25 + rng.IntN(20), maxDecls: 5, localPct: 30, exportPct: 50})
		model := "shared-root"
		if f.federated {
			model = "federated"
		}
		t.Run(fmt.Sprintf("seed-%d-%s", seed, model), func(t *testing.T) {
			t.Parallel()
			inputs := map[string][]byte{}
			for _, c := range f.clusters {
				inputs[c.name] = f.yaml(t, c)
			}
			inv := f.inventory(t, inputs)
			parsed := map[string]*istiosem.Mesh{}
			var warnings []string
			// principal -> its service's cluster and namespace
			home := map[string][2]string{}
			for _, c := range f.clusters {
				out, results, failed := harness.RenderStream(t, append(append(slices.Clone(inputs[c.name]), "---\n"...), inv...), c.name+".yaml")
				if failed {
					t.Fatalf("cluster %s: render failed:\n%s", c.name, results)
				}
				if strings.Contains(results, "error") {
					t.Fatalf("cluster %s: %s", c.name, results)
				}
				warnings = append(warnings, results)
				pc := istiosem.New(c.td)
				if err := pc.Load(out); err != nil {
					t.Fatal(err)
				}
				checkEnrolled(t, pc)
				parsed[c.name] = pc
				for _, w := range pc.Workloads() {
					if id := pc.Identity(w); id != "" {
						if prev, dup := home[id]; dup && prev != [2]string{c.name, w.Namespace} {
							t.Fatalf("identity %s on %s and %s: the generator must not share identities", id, prev[0], c.name)
						}
						home[id] = [2]string{c.name, w.Namespace}
					}
				}
			}
			// got: what the callee clusters' policies admit from their own
			// callers, and across clusters what CrossInbound finds.
			got := map[string]bool{}
			for _, c := range f.clusters {
				pc := parsed[c.name]
				in := pc.Inbound(callers(pc, c.td+"/ns/edge/sa/edge-proxy", c.td+"/ns/intruder/sa/intruder", ""), propMethods, propPaths)
				for k := range in {
					if h, ok := home[strings.SplitN(k, "|", 2)[0]]; !ok || h[0] == c.name {
						got[c.name+"|"+k] = true
					}
				}
			}
			for _, a := range f.clusters {
				for _, b := range f.clusters {
					if a.name != b.name {
						// a's callers: the identities of a's own workloads.
						var from []string
						for _, w := range parsed[a.name].Workloads() {
							if id := parsed[a.name].Identity(w); id != "" && home[id][0] == a.name {
								from = append(from, id)
							}
						}
						slices.Sort(from)
						in, problems := istiosem.CrossInbound(parsed[a.name], parsed[b.name], from, propMethods, propPaths)
						for _, p := range problems {
							t.Errorf("%s -> %s: %s", a.name, b.name, p)
						}
						for k := range in {
							got[b.name+"|"+k] = true
						}
					}
				}
			}
			want := f.want()
			diff(t, "fleet", got, want)
			// Every agreement across clusters has its copy on the caller's
			// cluster and a global Service on the callee's; nothing is
			// global or copied without one.
			needed, global := map[string]bool{}, map[string]bool{}
			for k := range want {
				parts := strings.Split(k, "|") // cluster, principal, ns/name, port, method, path
				if h := home[parts[1]]; h[0] != parts[0] {
					needed[h[0]+"|"+parts[2]] = true
					global[parts[0]+"|"+parts[2]] = true
				}
			}
			routesSeen := 0
			for _, c := range f.clusters {
				for _, s := range parsed[c.name].Services() {
					k := c.name + "|" + s.Namespace + "/" + s.Name
					switch {
					case len(s.Selector) == 0:
						routesSeen++
						if !needed[k] || !s.Global() {
							t.Errorf("cluster %s has a copy of %s/%s without an agreement or not global (%v)", c.name, s.Namespace, s.Name, s.Labels)
						}
					case s.Global() != global[k]:
						t.Errorf("cluster %s: Service %s/%s global=%v, but an agreement from another cluster=%v", c.name, s.Namespace, s.Name, s.Global(), global[k])
					}
				}
			}
			for k := range needed {
				c, ref, _ := strings.Cut(k, "|")
				if !slices.ContainsFunc(parsed[c].Services(), func(s istiosem.Service) bool { return s.Namespace+"/"+s.Name == ref && len(s.Selector) == 0 }) {
					t.Errorf("cluster %s calls %s on another cluster but has no copy of its Service", c, ref)
				}
			}
			cross := 0
			for k := range want {
				parts := strings.Split(k, "|")
				if home[parts[1]][0] != parts[0] {
					cross++
				}
			}
			if f.federated && cross > 0 && !slices.ContainsFunc(warnings, func(w string) bool {
				return strings.Contains(w, "Istio ambient carries no call between different trust domains")
			}) {
				t.Errorf("federated fleet with agreements across clusters, but no render warns that ztunnel accepts its own trust domain only")
			}
			t.Logf("%d clusters (%s), %d services: %d allowed requests, %d across clusters, %d routes",
				len(f.clusters), model, len(f.byRef), len(want), cross, routesSeen)
		})
	}
}
