package graph

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// svc builds a defaulted service; resources use the API's shorthand
// "key=direction[,id=x][,ns=y][,cluster=z][,rules=METHOD:path|METHOD:path]".
func svc(ref string, resources ...string) *v1alpha1.LatticeService {
	ns, name, _ := strings.Cut(ref, "/")
	s := &v1alpha1.LatticeService{}
	s.Name, s.Namespace = name, ns
	s.Spec.Workload.Resources = map[string]v1alpha1.Resource{}
	for _, r := range resources {
		parts := strings.Split(r, ",")
		key, dir, _ := strings.Cut(parts[0], "=")
		res := v1alpha1.Resource{Type: v1alpha1.ResourceService, Direction: dir}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			switch k {
			case "id":
				res.ID = v
			case "ns":
				res.Namespace = v
			case "cluster":
				res.Cluster = v
			case "type":
				res.Type = v
			case "rules":
				for _, rule := range strings.Split(v, "|") {
					m, path, _ := strings.Cut(rule, ":")
					res.Rules = append(res.Rules, v1alpha1.L7Rule{Methods: []string{m}, Paths: []string{path}})
				}
			}
		}
		s.Spec.Workload.Resources[key] = res
	}
	return s
}

func edges(g *Graph) []string {
	var out []string
	for _, n := range g.Nodes() {
		for _, e := range g.Callees(n.Ref) {
			s := e.From.String() + "->" + e.To.String()
			for _, r := range e.Rules {
				s += " " + strings.Join(r.Methods, "+") + ":" + strings.Join(r.Paths, "+")
			}
			out = append(out, s)
		}
	}
	return out
}

func findings(g *Graph) []string {
	var out []string
	for _, f := range g.Findings {
		out = append(out, fmt.Sprintf("%d %s[%s] %s", f.Kind, f.On, f.Key, f.Peer))
	}
	return out
}

func TestBuild(t *testing.T) {
	cases := map[string]struct {
		reason   string
		services []*v1alpha1.LatticeService
		edges    []string
		findings []string
	}{
		"bilateral": {
			reason:   "outbound on the caller and inbound on the callee make one edge",
			services: []*v1alpha1.LatticeService{svc("p/api", "gw=inbound"), svc("p/gw", "api=outbound")},
			edges:    []string{"p/gw->p/api"},
		},
		"outbound only": {
			reason:   "a caller cannot grant itself access",
			services: []*v1alpha1.LatticeService{svc("p/api"), svc("p/gw", "api=outbound")},
			findings: []string{"0 p/gw[api] p/api"},
		},
		"inbound only": {
			reason:   "a callee accepting a caller that never calls it makes no edge",
			services: []*v1alpha1.LatticeService{svc("p/api", "gw=inbound"), svc("p/gw")},
			findings: []string{"1 p/api[gw] p/gw"},
		},
		"wildcard needs outbound": {
			reason:   "\"*\" admits callers that declare the callee, never anyone else",
			services: []*v1alpha1.LatticeService{svc("p/api", "any=inbound,id=*"), svc("p/gw", "api=outbound"), svc("p/idle"), svc("q/far", "api=outbound,ns=p")},
			edges:    []string{"p/gw->p/api", "q/far->p/api"},
		},
		"wildcard rules": {
			reason:   "the wildcard declaration's L7 rules bind the callers it admits",
			services: []*v1alpha1.LatticeService{svc("p/api", "any=inbound,id=*,rules=GET:/pub/*"), svc("p/gw", "api=outbound")},
			edges:    []string{"p/gw->p/api GET:/pub/*"},
		},
		"named beats wildcard": {
			reason:   "a caller declared by name gets its own declaration, not the wildcard's",
			services: []*v1alpha1.LatticeService{svc("p/api", "any=inbound,id=*,rules=GET:/pub/*", "gw=inbound"), svc("p/gw", "api=outbound")},
			edges:    []string{"p/gw->p/api"},
		},
		"duplicate inbound adds up": {
			reason: "two declarations of one caller are a union",
			services: []*v1alpha1.LatticeService{
				svc("p/api", "gw=inbound,rules=GET:/a", "gw2=inbound,id=gw,rules=POST:/b"),
				svc("p/gw", "api=outbound"),
			},
			edges: []string{"p/gw->p/api GET:/a POST:/b"},
		},
		"duplicate inbound unrestricted": {
			reason: "an unrestricted declaration of a caller makes it unrestricted",
			services: []*v1alpha1.LatticeService{
				svc("p/api", "gw=inbound,rules=GET:/a", "gw2=inbound,id=gw"),
				svc("p/gw", "api=outbound"),
			},
			edges: []string{"p/gw->p/api"},
		},
		"duplicate outbound": {
			reason:   "declaring a callee twice is still one edge (one principal)",
			services: []*v1alpha1.LatticeService{svc("p/api", "gw=inbound"), svc("p/gw", "api=outbound", "again=outbound,id=api")},
			edges:    []string{"p/gw->p/api"},
		},
		"both": {
			reason:   "direction both on both sides gives an edge each way",
			services: []*v1alpha1.LatticeService{svc("p/a", "b=both"), svc("p/b", "a=both")},
			edges:    []string{"p/a->p/b", "p/b->p/a"},
		},
		"cross namespace": {
			reason:   "the namespace qualifies the peer on both sides",
			services: []*v1alpha1.LatticeService{svc("back/api", "web=inbound,ns=front"), svc("front/web", "api=outbound,ns=back")},
			edges:    []string{"front/web->back/api"},
		},
		"namespace mismatch": {
			reason:   "accepting web of another namespace does not accept this one",
			services: []*v1alpha1.LatticeService{svc("back/api", "web=inbound"), svc("front/web", "api=outbound,ns=back")},
			findings: []string{"0 front/web[api] back/api", "2 back/api[web] back/web"},
		},
		"id override": {
			reason:   "the id, not the key, names the peer",
			services: []*v1alpha1.LatticeService{svc("p/api", "caller=inbound,id=gw"), svc("p/gw", "backend=outbound,id=api")},
			edges:    []string{"p/gw->p/api"},
		},
		"self": {
			reason:   "a service may agree with itself (peer traffic between its pods)",
			services: []*v1alpha1.LatticeService{svc("p/api", "me=both,id=api")},
			edges:    []string{"p/api->p/api"},
		},
		"missing peer": {
			reason:   "a peer outside the render is reported from both directions",
			services: []*v1alpha1.LatticeService{svc("p/api", "db=outbound", "gw=inbound")},
			findings: []string{"2 p/api[db] p/db", "2 p/api[gw] p/gw"},
		},
		"remote peer": {
			reason:   "a cluster-qualified peer is never matched at render time",
			services: []*v1alpha1.LatticeService{svc("p/api", "db=outbound,cluster=east")},
			findings: []string{"3 p/api[db] east/p/db"},
		},
		"non-service resources": {
			reason:   "secrets and volumes are not graph edges",
			services: []*v1alpha1.LatticeService{svc("p/api", "gw=,type=secret"), svc("p/gw", "api=outbound")},
			findings: []string{"0 p/gw[api] p/api"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := Build(tc.services)
			if got := edges(g); !slices.Equal(got, tc.edges) {
				t.Errorf("%s\nedges: got %q, want %q", tc.reason, got, tc.edges)
			}
			if got := findings(g); !slices.Equal(got, tc.findings) {
				t.Errorf("%s\nfindings: got %q, want %q", tc.reason, got, tc.findings)
			}
		})
	}
}

func TestFindingMessages(t *testing.T) {
	cases := map[string]struct {
		reason   string
		services []*v1alpha1.LatticeService
		want     string
	}{
		"add inbound": {
			reason:   "the callee gets the exact resource to add",
			services: []*v1alpha1.LatticeService{svc("p/api"), svc("p/gw", "api=outbound")},
			want:     "p/gw declares p/api outbound, but p/api does not accept p/gw inbound, so every call is denied; to allow it, add to p/api spec.workload.resources: `gw: {type: service, direction: inbound}`",
		},
		"add outbound cross namespace": {
			reason:   "a caller in another namespace needs namespace: in the suggestion",
			services: []*v1alpha1.LatticeService{svc("b/api", "web=inbound,ns=f"), svc("f/web")},
			want:     "b/api accepts f/web inbound, but f/web does not declare b/api outbound, so no traffic is allowed; to allow it, add to f/web spec.workload.resources: `api: {type: service, direction: outbound, namespace: b}`",
		},
		"turn into both": {
			reason:   "a resource naming the peer the other way only needs direction: both",
			services: []*v1alpha1.LatticeService{svc("p/a", "b=outbound"), svc("p/b", "a=outbound")},
			want:     "p/a declares p/b outbound, but p/b does not accept p/a inbound, so every call is denied; to allow it, change p/b spec.workload.resources[a] to direction: both",
		},
		"key taken": {
			reason:   "a suggestion never reuses a key the peer already has",
			services: []*v1alpha1.LatticeService{svc("p/api", "gw=,type=secret"), svc("p/gw", "api=outbound")},
			want:     "p/gw declares p/api outbound, but p/api does not accept p/gw inbound, so every call is denied; to allow it, add to p/api spec.workload.resources: `p-gw: {type: service, direction: inbound, id: gw}`",
		},
		"missing": {
			reason:   "a missing peer is named as namespace/name",
			services: []*v1alpha1.LatticeService{svc("f/web", "api=outbound,ns=b")},
			want:     "f/web declares b/api outbound, but b/api is not in this render, so the agreement cannot be checked and no policy admits this traffic; render both services together, or declare a workload lattice does not derive with a MeshMember (docs/mesh-members.md)",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := Build(tc.services)
			if len(g.Findings) == 0 {
				t.Fatalf("%s: no finding", tc.reason)
			}
			if got := g.Findings[0].Message; got != tc.want {
				t.Errorf("%s\ngot:  %s\nwant: %s", tc.reason, got, tc.want)
			}
		})
	}
}

// TestBuildOrderIndependent: the graph is a function of the set of services.
func TestBuildOrderIndependent(t *testing.T) {
	services := []*v1alpha1.LatticeService{
		svc("p/api", "gw=inbound", "b=inbound"), svc("p/gw", "api=outbound", "x=outbound"),
		svc("p/b", "api=outbound"), svc("q/x", "gw=inbound,ns=p"),
	}
	want := fmt.Sprint(edges(Build(services)), findings(Build(services)))
	for i := range services {
		rotated := append(slices.Clone(services[i:]), services[:i]...)
		if got := fmt.Sprint(edges(Build(rotated)), findings(Build(rotated))); got != want {
			t.Errorf("rotation %d: %s, want %s", i, got, want)
		}
	}
}

// BenchmarkBuild: a fan-in of n callers on one callee plus a chain; the
// time per service must stay flat as n grows (Build is linear).
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var services []*v1alpha1.LatticeService
		var inbound []string
		for i := range n {
			name := fmt.Sprintf("s%d", i)
			inbound = append(inbound, name+"=inbound")
			services = append(services, svc("p/"+name, "hub=outbound", fmt.Sprintf("s%d=outbound", i+1)))
		}
		services = append(services, svc("p/hub", inbound...))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Build(services)
			}
		})
	}
}

// TestManyPeers: past manyPeers declarations a node looks its peers up in
// maps instead of scanning; the graph is the same either way.
func TestManyPeers(t *testing.T) {
	for _, n := range []int{manyPeers - 1, manyPeers, manyPeers + 1, 3 * manyPeers} {
		var hubRes []string
		var services []*v1alpha1.LatticeService
		for i := range n {
			name := fmt.Sprintf("s%02d", i)
			hubRes = append(hubRes, name+"=inbound")
			res := []string{"hub=outbound"}
			if i%2 == 0 {
				res = []string{"hub=both"}
				hubRes = append(hubRes, fmt.Sprintf("out%02d=outbound,id=%s", i, name))
			}
			services = append(services, svc("p/"+name, res...))
		}
		// A second declaration of one caller, by id: merged.
		hubRes = append(hubRes, "again=inbound,id=s01,rules=GET:/x")
		services = append(services, svc("p/hub", hubRes...))
		g := Build(services)
		hub := Ref{Namespace: "p", Name: "hub"}
		if got := len(g.Callers(hub)); got != n {
			t.Errorf("n=%d: %d callers of the hub, want %d", n, got, n)
		}
		if got, want := len(g.Callees(hub)), (n+1)/2; got != want {
			t.Errorf("n=%d: hub calls %d services, want %d", n, got, want)
		}
		for i := range n {
			p, ok := g.Peer(hub, fmt.Sprintf("s%02d", i))
			if !ok || p.Name != fmt.Sprintf("s%02d", i) {
				t.Errorf("n=%d: key s%02d resolved to %v %v", n, i, p, ok)
			}
		}
		if len(g.Findings) != 0 {
			t.Errorf("n=%d: findings %v", n, findings(g))
		}
	}
}
