package fleet

import (
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func testFleet(clusters ...v1alpha1.FleetCluster) *v1alpha1.Fleet {
	f := &v1alpha1.Fleet{Spec: v1alpha1.FleetSpec{Clusters: clusters}}
	Default(f)
	return f
}

func TestValidate(t *testing.T) {
	gw := &v1alpha1.EastWestGateway{Address: "gw.example.net"}
	cases := map[string]struct {
		fleet *v1alpha1.Fleet
		want  []string // "field: type"
	}{
		"valid": {
			fleet: testFleet(v1alpha1.FleetCluster{Name: "east", Path: "east"}, v1alpha1.FleetCluster{Name: "west", Path: "west", EastWestGateway: gw, Exports: []string{"commerce/payments", "identity/*", "*"}}),
		},
		"empty":              {fleet: testFleet(), want: []string{"spec.clusters: Required value"}},
		"same cluster twice": {fleet: testFleet(v1alpha1.FleetCluster{Name: "east", Path: "a"}, v1alpha1.FleetCluster{Name: "east", Path: "b"}), want: []string{"spec.clusters[1].name: Duplicate value"}},
		"invalid trust domain": {
			fleet: testFleet(v1alpha1.FleetCluster{Name: "east", Path: "a", TrustDomain: "Not A Domain"}),
			want:  []string{"spec.clusters[0].trustDomain: Invalid value"},
		},
		"exports without gateway": {
			fleet: testFleet(v1alpha1.FleetCluster{Name: "west", Path: "w", Exports: []string{"commerce/payments"}}),
			want:  []string{"spec.clusters[0].eastWestGateway.address: Required value"},
		},
		"bad gateway and export": {
			fleet: testFleet(v1alpha1.FleetCluster{Name: "west", Path: "w", EastWestGateway: &v1alpha1.EastWestGateway{Address: "not a host", Port: 70000}, Exports: []string{"payments"}}),
			want:  []string{"spec.clusters[0].eastWestGateway.address: Invalid value", "spec.clusters[0].eastWestGateway.port: Invalid value", "spec.clusters[0].exports[0]: Invalid value"},
		},
		"bad name, no path": {
			fleet: testFleet(v1alpha1.FleetCluster{Name: "East"}),
			want:  []string{"spec.clusters[0].name: Invalid value", "spec.clusters[0].path: Required value"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, e := range Validate(tc.fleet) {
				got = append(got, e.Field+": "+e.Type.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	f := testFleet(v1alpha1.FleetCluster{Name: "east", EastWestGateway: &v1alpha1.EastWestGateway{Address: "10.0.0.1"}})
	c := f.Spec.Clusters[0]
	if c.TrustDomain != "cluster.local" || c.Network != "east" || c.EastWestGateway.Port != DefaultEastWestPort {
		t.Errorf("defaults: %+v", c)
	}
}

func service(ns, name string, res map[string]v1alpha1.Resource) *v1alpha1.LatticeService {
	s := &v1alpha1.LatticeService{}
	s.Namespace, s.Name = ns, name
	s.Spec.Workload.Service = &v1alpha1.ServiceSpec{Ports: map[string]v1alpha1.ServicePort{"http": {Port: 8080}}}
	s.Spec.Workload.Resources = res
	return s
}

func TestInventoryAndCheck(t *testing.T) {
	f := testFleet(
		v1alpha1.FleetCluster{Name: "west", Path: "w", EastWestGateway: &v1alpha1.EastWestGateway{Address: "gw"}, Exports: []string{"commerce/*"}},
		v1alpha1.FleetCluster{Name: "east", Path: "e"},
	)
	payments := service("commerce", "payments", map[string]v1alpha1.Resource{"checkout": {Type: "service", Direction: "inbound", Rules: []v1alpha1.L7Rule{{Methods: []string{"POST"}}}}})
	checkout := service("commerce", "checkout", map[string]v1alpha1.Resource{"payments": {Type: "service", Direction: "outbound"}, "any": {Type: "service", Direction: "inbound", ID: "*"}})
	inv := Inventory(f, map[string][]*v1alpha1.LatticeService{"west": {payments}, "east": {checkout}})
	if inv.Spec.Clusters[0].Name != "east" || inv.Annotations[LocalConfig] != "true" || inv.Kind != v1alpha1.KindFleetInventory {
		t.Fatalf("inventory not sorted or not local-config: %+v", inv)
	}
	if errs := ValidateInventory(inv); len(errs) > 0 {
		t.Fatalf("generated inventory invalid: %v", errs)
	}
	west := inv.Spec.Clusters[1]
	if !west.Services[0].Exported || len(west.Services[0].Inbound[0].Rules) != 1 || len(west.Services[0].Ports) != 1 {
		t.Errorf("an exported service carries its ports and inbound declarations: %+v", west.Services[0])
	}
	// payments restricts a caller by L7 rules: every cluster binds its copy
	// of the Service to the namespace waypoint.
	if !west.Services[0].Waypoint {
		t.Errorf("an exported service with L7 rules is bound to the waypoint on every cluster: %+v", west.Services[0])
	}
	// checkout is not exported: only its outbound declarations leave east.
	if c := inv.Spec.Clusters[0].Services[0]; c.AcceptsAnyDeclaredCaller || len(c.Ports) > 0 || len(c.Outbound) != 1 {
		t.Errorf("a service that is not exported carries its outbound declarations only: %+v", c)
	}
	if m := Check(inv, "west", "cluster.local", []*v1alpha1.LatticeService{payments}); len(m) != 0 {
		t.Errorf("fresh inventory: %+v", m)
	}
	changed := service("commerce", "payments", map[string]v1alpha1.Resource{"checkout": {Type: "service", Direction: "inbound"}})
	extra := service("commerce", "refunds", nil)
	var got []string
	for _, m := range Check(inv, "west", "cluster.local", []*v1alpha1.LatticeService{changed, extra}) {
		got = append(got, m.Service+"|"+m.Field+"|"+m.Message)
	}
	want := []string{
		"commerce/payments||the fleet inventory is stale for cluster west (commerce/payments changed: inbound declarations, waypoint); run `lattice fleet inventory` and commit the result with the change",
		"commerce/refunds||the fleet inventory is stale for cluster west (commerce/refunds is new); run `lattice fleet inventory` and commit the result with the change",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stale:\ngot  %q\nwant %q", got, want)
	}
	if m := Check(inv, "west", "cluster.local", nil); len(m) != 1 || !strings.Contains(m[0].Message, "commerce/payments is in the inventory but not in this render") {
		t.Errorf("removed service: %+v", m)
	}
	if m := Check(inv, "south", "cluster.local", nil); len(m) != 1 || m[0].Field != "spec.cluster.name" {
		t.Errorf("unknown cluster: %+v", m)
	}
	if m := Check(inv, "west", "west.example", nil); len(m) != 1 || m[0].Field != "spec.cluster.trustDomain" {
		t.Errorf("trust domain: %+v", m)
	}
	// Empty and absent lists are the same declaration.
	empty := service("commerce", "payments", map[string]v1alpha1.Resource{"checkout": {Type: "service", Direction: "inbound", Rules: []v1alpha1.L7Rule{{Methods: []string{"POST"}, Paths: []string{}}}}})
	if m := Check(inv, "west", "cluster.local", []*v1alpha1.LatticeService{empty}); len(m) != 0 {
		t.Errorf("empty list: %+v", m)
	}

	newer := Inventory(f, map[string][]*v1alpha1.LatticeService{"west": {changed, extra}})
	if got := Changes(inv, newer); !slices.Equal(got, []string{"- east commerce/checkout", "~ west commerce/payments: inbound declarations, waypoint", "+ west commerce/refunds"}) {
		t.Errorf("Changes: %q", got)
	}
}

func TestValidateInventory(t *testing.T) {
	inv := &v1alpha1.FleetInventory{Spec: v1alpha1.FleetInventorySpec{Clusters: []v1alpha1.InventoryCluster{
		{Name: "east", TrustDomain: "cluster.local", Network: "east"},
		{Name: "east", TrustDomain: "Bad Domain", Services: []v1alpha1.InventoryService{{Namespace: "a", Name: "b", Exported: true}, {Namespace: "a", Name: "b"}}},
	}}}
	var got []string
	for _, e := range ValidateInventory(inv) {
		got = append(got, e.Field)
	}
	want := []string{"spec.clusters[1].name", "spec.clusters[1].trustDomain", "spec.clusters[1].network", "spec.clusters[1].services[1]", "spec.clusters[1].eastWestGateway"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestServiceSurface: declarations that stay inside the cluster are not
// in the inventory, so changing them never makes other clusters stale.
func TestServiceSurface(t *testing.T) {
	api := service("p", "api", map[string]v1alpha1.Resource{
		"db":     {Type: "service", Direction: "outbound"},                   // local: p/db runs here
		"cache":  {Type: "service", Direction: "outbound", Cluster: "east"},  // names this cluster
		"search": {Type: "service", Direction: "outbound"},                   // p/search runs elsewhere
		"web":    {Type: "service", Direction: "inbound"},                    // local caller
		"mobile": {Type: "service", Direction: "inbound", Cluster: "west"},   // remote caller
		"ledger": {Type: "service", Direction: "both", Namespace: "finance"}, // remote both ways
	})
	services := []*v1alpha1.LatticeService{api, service("p", "db", nil), service("p", "web", nil)}
	got := Service(api, true, Local("east", services))
	var out, in []string
	for _, p := range got.Outbound {
		out = append(out, p.Cluster+"/"+p.Namespace+"/"+p.Name)
	}
	for _, p := range got.Inbound {
		in = append(in, p.Cluster+"/"+p.Namespace+"/"+p.Name)
	}
	if !slices.Equal(out, []string{"/finance/ledger", "/p/search"}) || !slices.Equal(in, []string{"/finance/ledger", "west/p/mobile"}) {
		t.Errorf("outbound %q, inbound %q", out, in)
	}
}

// The rules of "*" declarations travel with the exported service (the
// caller's cluster enforces them on its waypoint) and add up as in the
// graph: one declaration without rules admits every request.
func TestInventoryAnyCallerRules(t *testing.T) {
	get := v1alpha1.L7Rule{Methods: []string{"GET"}}
	post := v1alpha1.L7Rule{Methods: []string{"POST"}}
	cases := []struct {
		name  string
		res   map[string]v1alpha1.Resource
		want  []v1alpha1.L7Rule
		wp    bool
		needs string
	}{
		{"one wildcard with rules", map[string]v1alpha1.Resource{"a": {Type: "service", Direction: "inbound", ID: "*", Rules: []v1alpha1.L7Rule{get}}}, []v1alpha1.L7Rule{get}, true, "its rules"},
		{"two wildcards add up", map[string]v1alpha1.Resource{"a": {Type: "service", Direction: "inbound", ID: "*", Rules: []v1alpha1.L7Rule{get}}, "b": {Type: "service", Direction: "inbound", ID: "*", Rules: []v1alpha1.L7Rule{post}}}, []v1alpha1.L7Rule{get, post}, true, "both rules"},
		{"a wildcard without rules wins", map[string]v1alpha1.Resource{"a": {Type: "service", Direction: "inbound", ID: "*", Rules: []v1alpha1.L7Rule{get}}, "b": {Type: "service", Direction: "inbound", ID: "*"}}, nil, true, "no rules: every request"},
		{"no rules anywhere", map[string]v1alpha1.Resource{"a": {Type: "service", Direction: "inbound", ID: "*"}}, nil, false, "no waypoint"},
	}
	for _, c := range cases {
		s := Service(service("commerce", "payments", c.res), true, func(v1alpha1.InventoryPeer) bool { return false })
		if !s.AcceptsAnyDeclaredCaller || !slices.EqualFunc(s.AnyCallerRules, c.want, func(a, b v1alpha1.L7Rule) bool { return slices.Equal(a.Methods, b.Methods) }) || s.Waypoint != c.wp {
			t.Errorf("%s: want %s, got %+v", c.name, c.needs, s)
		}
	}
}
