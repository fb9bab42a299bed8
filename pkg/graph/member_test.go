package graph

import (
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// member builds a defaulted MeshMember: "ns/name", then "out=ns/name" or
// "in=ns/name" declarations.
func member(ref string, decls ...string) *v1alpha1.MeshMember {
	ns, name, _ := strings.Cut(ref, "/")
	m := &v1alpha1.MeshMember{}
	m.Name, m.Namespace = name, ns
	for _, d := range decls {
		dir, peer, _ := strings.Cut(d, "=")
		pns, pname, _ := strings.Cut(peer, "/")
		p := v1alpha1.MemberPeer{Namespace: pns, Name: pname}
		if dir == "out" {
			m.Spec.Outbound = append(m.Spec.Outbound, p)
		} else {
			m.Spec.Inbound = append(m.Spec.Inbound, p)
		}
	}
	v1alpha1.DefaultMeshMember(m)
	return m
}

func memberEdges(g *Graph) []string {
	out := edges(g)
	for _, n := range g.Members() {
		for _, e := range g.Callees(n.Ref) {
			out = append(out, e.From.String()+"->"+e.To.String())
		}
	}
	slices.Sort(out)
	return out
}

// TestMembers: a MeshMember is matched like a service, by the same
// bilateral rule, in both directions.
func TestMembers(t *testing.T) {
	cases := []struct {
		name     string
		reason   string
		services []*v1alpha1.LatticeService
		members  []*v1alpha1.MeshMember
		edges    []string
		findings []string
	}{
		{
			name:     "member calls service",
			reason:   "the scraper declares the service outbound, the service accepts it: an edge",
			services: []*v1alpha1.LatticeService{svc("shop/api", "vmagent=inbound,ns=monitoring")},
			members:  []*v1alpha1.MeshMember{member("monitoring/vmagent", "out=shop/api")},
			edges:    []string{"monitoring/vmagent->shop/api"},
		},
		{
			name:     "service calls member",
			reason:   "the database accepts the service, the service declares it: an edge",
			services: []*v1alpha1.LatticeService{svc("shop/api", "db=outbound,id=postgres,ns=data")},
			members:  []*v1alpha1.MeshMember{member("data/postgres", "in=shop/api")},
			edges:    []string{"shop/api->data/postgres"},
		},
		{
			name:    "member to member",
			reason:  "two members agree like two services",
			members: []*v1alpha1.MeshMember{member("data/postgres", "in=shop/migrate"), member("shop/migrate", "out=data/postgres")},
			edges:   []string{"shop/migrate->data/postgres"},
		},
		{
			name:     "wildcard",
			reason:   `a service accepting "*" admits a member that declares it`,
			services: []*v1alpha1.LatticeService{svc("shop/api", "any=inbound,id=*")},
			members:  []*v1alpha1.MeshMember{member("ingress/nginx", "out=shop/api")},
			edges:    []string{"ingress/nginx->shop/api"},
		},
		{
			name:     "one-sided service",
			reason:   "the service's inbound declaration alone admits nobody; the fix is the member's",
			services: []*v1alpha1.LatticeService{svc("shop/api", "vmagent=inbound,ns=monitoring")},
			members:  []*v1alpha1.MeshMember{member("monitoring/vmagent")},
			findings: []string{"1 shop/api[vmagent] monitoring/vmagent"},
		},
		{
			name:     "one-sided member",
			reason:   "the member's outbound declaration alone admits nothing",
			services: []*v1alpha1.LatticeService{svc("shop/api")},
			members:  []*v1alpha1.MeshMember{member("monitoring/vmagent", "out=shop/api")},
			findings: []string{"0 monitoring/vmagent[spec.outbound[0]] shop/api"},
		},
		{
			name:     "named like a service",
			reason:   "a member never replaces a service's node (the renderer rejects it)",
			services: []*v1alpha1.LatticeService{svc("shop/api", "web=inbound")},
			members:  []*v1alpha1.MeshMember{member("shop/api", "out=shop/web")},
			findings: []string{"2 shop/api[web] shop/web"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := BuildMesh(tc.services, tc.members, nil)
			if got := memberEdges(g); !slices.Equal(got, tc.edges) {
				t.Errorf("%s\nedges %q, want %q", tc.reason, got, tc.edges)
			}
			if got := findings(g); !slices.Equal(got, tc.findings) {
				t.Errorf("%s\nfindings %q, want %q", tc.reason, got, tc.findings)
			}
			for _, n := range g.Nodes() {
				if n.Service == nil {
					t.Errorf("Nodes lists member %s", n.Ref)
				}
			}
		})
	}
}

func TestMemberFixAndAccount(t *testing.T) {
	m := member("monitoring/vmagent")
	m.Spec.ServiceAccount = "vmagent-sa"
	g := BuildMesh([]*v1alpha1.LatticeService{svc("shop/api", "vmagent=inbound,ns=monitoring")}, []*v1alpha1.MeshMember{m}, nil)
	if len(g.Findings) != 1 || !strings.Contains(g.Findings[0].Message, "add to MeshMember monitoring/vmagent spec.outbound: `{name: api, namespace: shop}`") {
		t.Errorf("the fix names the member's list: %+v", g.Findings)
	}
	if sa := g.Node(Ref{Namespace: "monitoring", Name: "vmagent"}).ServiceAccount(); sa != "vmagent-sa" {
		t.Errorf("a member runs as its spec.serviceAccount, got %q", sa)
	}
	if sa := g.Node(Ref{Namespace: "shop", Name: "api"}).ServiceAccount(); sa != "api" {
		t.Errorf("a service runs as its name, got %q", sa)
	}
}
