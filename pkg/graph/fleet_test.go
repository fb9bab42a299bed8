package graph

import (
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// remote builds an inventory entry: "ns/name" plus peers "out:ns/name",
// "in:ns/name", "out:cluster/ns/name", "in:*", and "exported".
func remote(ref string, spec ...string) v1alpha1.InventoryService {
	ns, name, _ := strings.Cut(ref, "/")
	s := v1alpha1.InventoryService{Namespace: ns, Name: name, Ports: []v1alpha1.InventoryPort{{Name: "http", Port: 80, TargetPort: 8080, Protocol: "TCP"}}}
	for _, p := range spec {
		dir, peer, _ := strings.Cut(p, ":")
		if p == "exported" {
			s.Exported = true
			continue
		}
		if peer == "*" {
			s.AcceptsAnyDeclaredCaller = true
			continue
		}
		parts := strings.Split(peer, "/")
		ip := v1alpha1.InventoryPeer{Namespace: parts[len(parts)-2], Name: parts[len(parts)-1]}
		if len(parts) == 3 {
			ip.Cluster = parts[0]
		}
		if dir == "out" {
			s.Outbound = append(s.Outbound, ip)
		} else {
			s.Inbound = append(s.Inbound, ip)
		}
	}
	return s
}

// testFleet: local cluster east (trust domain td-east) with the given
// exported local services, and the remote clusters.
func testFleet(exportedHere []string, clusters ...Cluster) *Fleet {
	east := Cluster{Name: "east", TrustDomain: "td-east", Network: "east"}
	for _, e := range exportedHere {
		ns, name, _ := strings.Cut(e, "/")
		east.Services = append(east.Services, v1alpha1.InventoryService{Namespace: ns, Name: name, Exported: true})
	}
	return &Fleet{Local: "east", Clusters: append([]Cluster{east}, clusters...)}
}

func cluster(name, td string, services ...v1alpha1.InventoryService) Cluster {
	return Cluster{Name: name, TrustDomain: td, Network: name, Gateway: &v1alpha1.EastWestGateway{Address: "gw." + name, Port: 15443}, Services: services}
}

// allEdges lists local callees' and callers' edges, remote ones included.
func allEdges(g *Graph) []string {
	var out []string
	for _, n := range g.Nodes() {
		for _, e := range g.Callees(n.Ref) {
			out = append(out, e.From.String()+"->"+e.To.String())
		}
		for _, e := range g.Callers(n.Ref) {
			if e.From.Cluster != "" {
				out = append(out, e.From.String()+"->"+e.To.String())
			}
		}
	}
	slices.Sort(out)
	return out
}

func kinds(g *Graph) []string {
	names := map[FindingKind]string{CalleeDoesNotAllow: "callee-does-not-allow", CallerDoesNotDeclare: "caller-does-not-declare", PeerMissing: "missing",
		PeerRemote: "remote", NotExported: "not-exported", Ambiguous: "ambiguous", UnknownCluster: "unknown-cluster", Shadowed: "shadowed", SharedIdentity: "shared-identity"}
	var out []string
	for _, f := range g.Findings {
		s := names[f.Kind] + " " + f.On.String() + "[" + f.Key + "] " + f.Peer.String()
		if f.Field != "" {
			s += " ." + f.Field
		}
		out = append(out, s)
	}
	return out
}

func TestBuildFleet(t *testing.T) {
	west := func(s ...v1alpha1.InventoryService) Cluster { return cluster("west", "td-west", s...) }
	cases := map[string]struct {
		reason   string
		local    []*v1alpha1.LatticeService
		fleet    *Fleet
		edges    []string
		findings []string
	}{
		"location transparency": {
			reason: "checkout declares payments as if local; payments on west accepts checkout as if local",
			local:  []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound")},
			fleet:  testFleet(nil, west(remote("commerce/payments", "exported", "in:commerce/checkout"))),
			edges:  []string{"commerce/checkout->west/commerce/payments"},
		},
		"remote caller": {
			reason: "the callee's cluster admits a caller of another cluster that declares it",
			local:  []*v1alpha1.LatticeService{svc("commerce/payments", "checkout=inbound")},
			fleet:  testFleet([]string{"commerce/payments"}, west(remote("commerce/checkout", "out:commerce/payments"))),
			edges:  []string{"west/commerce/checkout->commerce/payments"},
		},
		"remote caller, callee not exported": {
			reason:   "without the export there is no edge, and the callee's cluster says why",
			local:    []*v1alpha1.LatticeService{svc("commerce/payments", "checkout=inbound")},
			fleet:    testFleet(nil, west(remote("commerce/checkout", "out:commerce/payments"))),
			findings: []string{"not-exported commerce/payments[checkout] west/commerce/checkout"},
		},
		"local wins": {
			reason:   "a peer without cluster: is the local service when there is one",
			local:    []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound"), svc("commerce/payments", "checkout=inbound")},
			fleet:    testFleet(nil, west(remote("commerce/payments", "exported", "in:commerce/checkout"))),
			edges:    []string{"commerce/checkout->commerce/payments"},
			findings: nil,
		},
		"not exported": {
			reason:   "a callee that runs elsewhere but is not exported gives a warning, not an edge",
			local:    []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound")},
			fleet:    testFleet(nil, west(remote("commerce/payments", "in:commerce/checkout"))),
			findings: []string{"not-exported commerce/checkout[payments] west/commerce/payments"},
		},
		"ambiguous callee": {
			reason: "two exporters and no cluster: is an error; cluster: resolves it",
			local:  []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound", "pw=outbound,id=payments,cluster=west")},
			fleet: testFleet(nil, west(remote("commerce/payments", "exported", "in:commerce/checkout")),
				cluster("north", "td-north", remote("commerce/payments", "exported"))),
			edges:    []string{"commerce/checkout->west/commerce/payments"},
			findings: []string{"ambiguous commerce/checkout[payments] commerce/payments"},
		},
		"ambiguous caller": {
			reason:   "a caller that runs on two clusters must be named with cluster:",
			local:    []*v1alpha1.LatticeService{svc("commerce/payments", "checkout=inbound")},
			fleet:    testFleet([]string{"commerce/payments"}, west(remote("commerce/checkout")), cluster("north", "td-north", remote("commerce/checkout"))),
			findings: []string{"ambiguous commerce/payments[checkout] commerce/checkout"},
		},
		"unknown cluster": {
			reason:   "cluster: must name a cluster of the fleet",
			local:    []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound,cluster=south")},
			fleet:    testFleet(nil, west(remote("commerce/payments", "exported"))),
			findings: []string{"unknown-cluster commerce/checkout[payments] south/commerce/payments .cluster"},
		},
		"shadowed": {
			reason:   "a remote callee that also runs here cannot be routed to (one host name)",
			local:    []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound,cluster=west"), svc("commerce/payments")},
			fleet:    testFleet(nil, west(remote("commerce/payments", "exported", "in:commerce/checkout"))),
			findings: []string{"shadowed commerce/checkout[payments] west/commerce/payments .cluster"},
		},
		"own cluster named": {
			reason: "cluster: naming this cluster is the local service",
			local:  []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound,cluster=east"), svc("commerce/payments", "checkout=inbound,cluster=east")},
			fleet:  testFleet(nil, west()),
			edges:  []string{"commerce/checkout->commerce/payments"},
		},
		"one-sided across clusters": {
			reason:   "each side's render reports its own declaration",
			local:    []*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound"), svc("commerce/cart", "worker=inbound,ns=jobs")},
			fleet:    testFleet([]string{"commerce/cart"}, west(remote("commerce/payments", "exported"), remote("jobs/worker"))),
			findings: []string{"callee-does-not-allow commerce/checkout[payments] west/commerce/payments", "caller-does-not-declare commerce/cart[worker] west/jobs/worker"},
		},
		"missing on named cluster": {
			reason:   "cluster: names a cluster that does not run the service",
			local:    []*v1alpha1.LatticeService{svc("commerce/checkout", "ledger=outbound,cluster=west")},
			fleet:    testFleet(nil, west()),
			findings: []string{"missing commerce/checkout[ledger] west/commerce/ledger"},
		},
		"wildcard admits remote callers": {
			reason: "\"*\" admits any caller that declares the service, on any cluster",
			local:  []*v1alpha1.LatticeService{svc("identity/auth", "any=inbound,id=*"), svc("commerce/checkout", "auth=outbound,ns=identity")},
			fleet:  testFleet([]string{"identity/auth"}, west(remote("commerce/payments", "out:identity/auth"), remote("commerce/idle"))),
			edges:  []string{"commerce/checkout->identity/auth", "west/commerce/payments->identity/auth"},
		},
		"remote wildcard": {
			reason: "a remote callee's \"*\" admits this cluster's declared callers",
			local:  []*v1alpha1.LatticeService{svc("commerce/checkout", "auth=outbound,ns=identity")},
			fleet:  testFleet(nil, west(remote("identity/auth", "exported", "in:*"))),
			edges:  []string{"commerce/checkout->west/identity/auth"},
		},
		"shared identity": {
			reason: "with one trust domain, a same-named service of another cluster holds the admitted identity",
			local:  []*v1alpha1.LatticeService{svc("commerce/payments", "checkout=inbound,cluster=west")},
			fleet: testFleet([]string{"commerce/payments"}, cluster("west", "td-shared", remote("commerce/checkout", "out:commerce/payments")),
				cluster("north", "td-shared", remote("commerce/checkout"))),
			edges:    []string{"west/commerce/checkout->commerce/payments"},
			findings: []string{"shared-identity commerce/payments[checkout] north/commerce/checkout"},
		},
		"federated identities are distinct": {
			reason: "own trust domains keep same-named services apart",
			local:  []*v1alpha1.LatticeService{svc("commerce/payments", "checkout=inbound,cluster=west")},
			fleet: testFleet([]string{"commerce/payments"}, cluster("west", "td-west", remote("commerce/checkout", "out:commerce/payments")),
				cluster("north", "td-north", remote("commerce/checkout"))),
			edges: []string{"west/commerce/checkout->commerce/payments"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := BuildFleet(tc.local, tc.fleet)
			if got := allEdges(g); !slices.Equal(got, tc.edges) {
				t.Errorf("%s\nedges: got %q, want %q", tc.reason, got, tc.edges)
			}
			if got := kinds(g); !slices.Equal(got, tc.findings) {
				t.Errorf("%s\nfindings: got %q, want %q", tc.reason, got, tc.findings)
			}
		})
	}
}

func TestFleetAccessors(t *testing.T) {
	g := BuildFleet([]*v1alpha1.LatticeService{svc("commerce/checkout", "payments=outbound")},
		testFleet(nil, cluster("west", "td-west", remote("commerce/payments", "exported", "in:commerce/checkout"))))
	pay := Ref{Cluster: "west", Namespace: "commerce", Name: "payments"}
	if got := g.TrustDomain(pay); got != "td-west" {
		t.Errorf("TrustDomain(west) = %q", got)
	}
	if got := g.TrustDomain(Ref{Namespace: "commerce", Name: "checkout"}); got != "td-east" {
		t.Errorf("TrustDomain(local) = %q", got)
	}
	if p, ok := g.Peer(Ref{Namespace: "commerce", Name: "checkout"}, "payments"); !ok || p != pay {
		t.Errorf("Peer = %v %v", p, ok)
	}
	if n := g.Node(pay); n == nil || n.Remote == nil || n.Ports()["http"].Port != 80 {
		t.Errorf("Node(remote) = %+v", n)
	}
	if len(g.Nodes()) != 1 || len(g.Remotes()) != 1 || g.Local() != "east" || g.Cluster("west").Gateway.Address != "gw.west" {
		t.Error("Nodes holds this render's services only; Remotes the others")
	}
	if !g.Exported(pay) || g.Exported(Ref{Namespace: "commerce", Name: "checkout"}) || !slices.Equal(g.ExportedBy("commerce", "payments"), []string{"west"}) || g.ExportedBy("commerce", "checkout") != nil {
		t.Error("Exported and ExportedBy follow the inventory's exports")
	}
	if Build(nil).TrustDomain(pay) != "" || Build(nil).Cluster("west") != nil || Build(nil).Exported(pay) || Build(nil).ExportedBy("commerce", "payments") != nil {
		t.Error("without a fleet there are no clusters")
	}
}

// TestBuildFleetSymmetric: the renders of both clusters find the same
// cross-cluster edge from one inventory.
func TestBuildFleetSymmetric(t *testing.T) {
	checkout := svc("commerce/checkout", "payments=outbound")
	payments := svc("commerce/payments", "checkout=inbound")
	inv := []Cluster{
		{Name: "east", TrustDomain: "td", Network: "east", Services: []v1alpha1.InventoryService{remote("commerce/checkout", "out:commerce/payments")}},
		{Name: "west", TrustDomain: "td", Network: "west", Gateway: &v1alpha1.EastWestGateway{Address: "gw", Port: 15443},
			Services: []v1alpha1.InventoryService{remote("commerce/payments", "exported", "in:commerce/checkout")}},
	}
	east := BuildFleet([]*v1alpha1.LatticeService{checkout}, &Fleet{Local: "east", Clusters: inv})
	west := BuildFleet([]*v1alpha1.LatticeService{payments}, &Fleet{Local: "west", Clusters: inv})
	if got := allEdges(east); !slices.Equal(got, []string{"commerce/checkout->west/commerce/payments"}) {
		t.Errorf("east: %q", got)
	}
	if got := allEdges(west); !slices.Equal(got, []string{"east/commerce/checkout->commerce/payments"}) {
		t.Errorf("west: %q", got)
	}
}
