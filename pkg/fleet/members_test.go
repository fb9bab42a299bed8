package fleet

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func member(ns, name, sa string, out, in []v1alpha1.MemberPeer) *v1alpha1.MeshMember {
	m := &v1alpha1.MeshMember{}
	m.Namespace, m.Name = ns, name
	m.Spec.ServiceAccount, m.Spec.Outbound, m.Spec.Inbound = sa, out, in
	if len(in) > 0 {
		m.Spec.Selector = map[string]string{"app": name}
	}
	v1alpha1.DefaultMeshMember(m)
	return m
}

// membersFleet: cluster prod rendered by a team (web) and the platform,
// whose render declares the members: vmagent calls web, logs accepts it;
// cluster edge has a member of its own, which prod never sees.
func membersFleet() (*v1alpha1.Fleet, []Render) {
	f := testFleet(
		v1alpha1.FleetCluster{Name: "prod", Renders: []v1alpha1.FleetRender{{Path: "teams/a"}, {Path: "platform"}}},
		v1alpha1.FleetCluster{Name: "edge", Path: "edge"},
	)
	web := service("shop", "web", map[string]v1alpha1.Resource{
		"vmagent": {Type: "service", Direction: "inbound", Namespace: "monitoring"},
		"logs":    {Type: "service", Direction: "outbound", Namespace: "monitoring"},
	})
	vmagent := member("monitoring", "vmagent", "vmagent-sa", []v1alpha1.MemberPeer{
		{Name: "web", Namespace: "shop"},
		{Name: "gone", Namespace: "shop"},       // dangling on the cluster: its render's business
		{Name: "logs", Namespace: "monitoring"}, // same render
	}, nil)
	logs := member("monitoring", "logs", "", nil, []v1alpha1.MemberPeer{{Name: "web", Namespace: "shop"}, {Name: "*"}})
	scraper := member("monitoring", "vmagent", "", []v1alpha1.MemberPeer{{Name: "web", Namespace: "shop"}}, nil)
	return f, []Render{
		{Cluster: "prod", Name: "teams/a", Services: []*v1alpha1.LatticeService{web}},
		{Cluster: "prod", Name: "platform", Members: []*v1alpha1.MeshMember{vmagent, logs}},
		{Cluster: "edge", Name: "edge", Members: []*v1alpha1.MeshMember{scraper}},
	}
}

// TestDirectoryMembers: a MeshMember's contract is carried like a
// service's: what leaves its render, with its identity (its own
// ServiceAccount); contracts assemble to the same directory; views carry
// members to the renders whose services agree with them, and never to
// another cluster's renders.
func TestDirectoryMembers(t *testing.T) {
	f, renders := membersFleet()
	d, errs := Directory(f, renders)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := ValidateDirectory(d); len(errs) > 0 {
		t.Fatalf("generated directory invalid: %v", errs)
	}
	vm := entry(d, "prod", "monitoring/vmagent")
	if vm == nil || !vm.Member || vm.ServiceAccount != "vmagent-sa" || vm.Identity != "cluster.local/ns/monitoring/sa/vmagent-sa" || vm.Render != "platform" ||
		!slices.Equal(peers(vm.Outbound), []string{"/shop/web"}) || len(vm.Ports) != 0 {
		t.Errorf("vmagent: %+v", vm)
	}
	logs := entry(d, "prod", "monitoring/logs")
	if logs == nil || !logs.Member || logs.ServiceAccount != "" || !logs.AcceptsAnyDeclaredCaller || !slices.Equal(peers(logs.Inbound), []string{"/shop/web"}) {
		t.Errorf("logs: %+v", logs)
	}
	web := entry(d, "prod", "shop/web")
	if !slices.Equal(peers(web.Outbound), []string{"/monitoring/logs"}) || !slices.Equal(peers(web.Inbound), []string{"/monitoring/vmagent"}) {
		t.Errorf("web: %+v", web)
	}
	// One render on edge: its member records no inbound declarations and
	// no peer of its own render, like a service.
	if e := entry(d, "edge", "monitoring/vmagent"); e == nil || !e.Member || len(e.Outbound) != 0 {
		t.Errorf("edge's member: %+v", e)
	}

	// The multi-repository flow gives the same bytes.
	var fromContracts []Render
	for _, r := range renders {
		c := ContractOf(r.Cluster, "cluster.local", r.Name, r.Services, r.Members)
		if errs := ValidateDirectory(c); len(errs) > 0 {
			t.Fatalf("contract %s: %v", r.Name, errs)
		}
		fromContracts = append(fromContracts, Render{Cluster: r.Cluster, Name: r.Name, Contract: c.Spec.Clusters[0].Services})
	}
	if got, errs := Directory(f, fromContracts); len(errs) > 0 || !reflect.DeepEqual(got, d) {
		t.Errorf("assembled from contracts:\n%+v\nwant\n%+v", got, d)
	}

	// Views: the team sees both members, the platform sees web, and
	// neither sees edge's member.
	names := func(v *v1alpha1.ServiceDirectory) []string {
		var out []string
		for _, c := range v.Spec.Clusters {
			for _, s := range c.Services {
				out = append(out, c.Name+"/"+s.Namespace+"/"+s.Name)
			}
		}
		return out
	}
	if got, want := names(View(d, "prod", "teams/a")), []string{"prod/monitoring/logs", "prod/monitoring/vmagent", "prod/shop/web"}; !slices.Equal(got, want) {
		t.Errorf("team's view: %q, want %q", got, want)
	}
	if got, want := names(View(d, "prod", "platform")), []string{"prod/monitoring/logs", "prod/monitoring/vmagent", "prod/shop/web"}; !slices.Equal(got, want) {
		t.Errorf("platform's view: %q, want %q", got, want)
	}
	if got, want := names(View(d, "edge", "edge")), []string{"edge/monitoring/vmagent"}; !slices.Equal(got, want) {
		t.Errorf("edge's view: %q, want %q", got, want)
	}

	// A member and a service of one name in two renders of a cluster.
	dup := append(slices.Clone(renders), Render{Cluster: "prod", Name: "teams/b", Services: []*v1alpha1.LatticeService{service("monitoring", "logs", nil)}, From: "teams/b"})
	if _, errs := Directory(f, dup); len(errs) != 1 || !strings.Contains(errs[0], "monitoring/logs is defined by render platform") {
		t.Errorf("duplicate: %q", errs)
	}
}

// TestCheckRenderMembers: a render whose own members disagree with the
// directory fails the way services do.
func TestCheckRenderMembers(t *testing.T) {
	f, renders := membersFleet()
	d, _ := Directory(f, renders)
	platform := renders[1].Members
	check := func(d *v1alpha1.ServiceDirectory, members []*v1alpha1.MeshMember) []string {
		rc := CheckRender(d, "prod", "cluster.local", nil, members, nil, DirectoryCommand)
		var out []string
		for _, m := range rc.Mismatches {
			out = append(out, m.Service+"|"+m.Message)
		}
		return out
	}
	if m := check(d, platform); len(m) != 0 {
		t.Fatalf("fresh: %q", m)
	}
	if m := check(View(d, "prod", "platform"), platform); len(m) != 0 {
		t.Fatalf("fresh view: %q", m)
	}
	renamed := member("monitoring", "vmagent", "scraper", []v1alpha1.MemberPeer{{Name: "web", Namespace: "shop"}}, nil)
	quiet := member("monitoring", "logs", "", nil, []v1alpha1.MemberPeer{{Name: "web", Namespace: "shop"}})
	extra := member("monitoring", "otel", "", nil, nil)
	got := check(d, []*v1alpha1.MeshMember{renamed, quiet, extra})
	want := []string{
		"monitoring/vmagent|the service directory is stale for render platform of cluster prod (MeshMember monitoring/vmagent changed: identity); run `lattice directory build` and commit the result with the change",
		"monitoring/logs|the service directory is stale for render platform of cluster prod (MeshMember monitoring/logs changed: inbound declarations); run `lattice directory build` and commit the result with the change",
		"monitoring/otel|the service directory is stale for render platform of cluster prod (MeshMember monitoring/otel is new); run `lattice directory build` and commit the result with the change",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stale:\ngot  %q\nwant %q", got, want)
	}
	if got := check(d, platform[:1]); len(got) != 1 || !strings.Contains(got[0], "monitoring/logs is in the directory but not in this render") {
		t.Errorf("removed member: %q", got)
	}
	// A FleetInventory carries no members: nothing to compare.
	if got := CheckRender(d, "prod", "cluster.local", nil, []*v1alpha1.MeshMember{extra}, nil, "lattice fleet inventory").Mismatches; len(got) != 0 {
		t.Errorf("inventory: %+v", got)
	}
}

// TestValidateDirectoryMembers: a member's entry holds nothing a member
// cannot have.
func TestValidateDirectoryMembers(t *testing.T) {
	f, renders := membersFleet()
	cases := []struct {
		name, want string
		edit       func(s *v1alpha1.InventoryService)
	}{
		{"ports: a member's Service is not lattice's", "no ports", func(s *v1alpha1.InventoryService) {
			s.Ports = []v1alpha1.InventoryPort{{Name: "http", Port: 80, TargetPort: 80, Protocol: "TCP"}}
		}},
		{"peers name no cluster", "on its own cluster", func(s *v1alpha1.InventoryService) { s.Outbound[0].Cluster = "edge" }},
		{"identity follows the account", "identity", func(s *v1alpha1.InventoryService) { s.ServiceAccount = "other" }},
		{"only members record an account", "only a member", func(s *v1alpha1.InventoryService) { s.Member, s.Identity = false, "" }},
	}
	for _, c := range cases {
		d, _ := Directory(f, renders)
		c.edit(entry(d, "prod", "monitoring/vmagent"))
		errs := ValidateDirectory(d)
		if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), c.want) {
			t.Errorf("%s: %v", c.name, errs)
		}
	}
}

// TestViewCoCallers: a render's view carries the cluster's other renders'
// callers of its remote callees, and the callee's declarations naming
// them: every render then picks the same owner for the stub, and the
// owner lists every caller (docs/ownership.md).
func TestViewCoCallers(t *testing.T) {
	f := testFleet(
		v1alpha1.FleetCluster{Name: "prod", Renders: []v1alpha1.FleetRender{{Path: "a"}, {Path: "b"}, {Path: "c"}}},
		v1alpha1.FleetCluster{Name: "edge", Path: "edge", EastWestGateway: &v1alpha1.EastWestGateway{Address: "gw"}, Exports: []string{"pay/*"}},
	)
	caller := func(name string) *v1alpha1.LatticeService {
		return service("shop", name, map[string]v1alpha1.Resource{"payments": {Type: "service", Direction: "outbound", Namespace: "pay"}})
	}
	payments := service("pay", "payments", map[string]v1alpha1.Resource{
		"cart":   {Type: "service", Direction: "inbound", Namespace: "shop", Cluster: "prod", Rules: []v1alpha1.L7Rule{{Methods: []string{"POST"}}}},
		"orders": {Type: "service", Direction: "inbound", Namespace: "shop", Cluster: "prod"},
	})
	d, errs := Directory(f, []Render{
		{Cluster: "prod", Name: "a", Services: []*v1alpha1.LatticeService{caller("cart")}},
		{Cluster: "prod", Name: "b", Services: []*v1alpha1.LatticeService{caller("orders")}},
		{Cluster: "prod", Name: "c", Services: []*v1alpha1.LatticeService{service("shop", "other", nil)}},
		{Cluster: "edge", Name: "edge", Services: []*v1alpha1.LatticeService{payments}},
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	v := View(d, "prod", "b")
	cart, pay := entry(v, "prod", "shop/cart"), entry(v, "edge", "pay/payments")
	if cart == nil || !slices.Equal(peers(cart.Outbound), []string{"/pay/payments"}) {
		t.Errorf("the other render's caller: %+v", cart)
	}
	if pay == nil || !slices.Equal(peers(pay.Inbound), []string{"prod/shop/cart", "prod/shop/orders"}) {
		t.Errorf("the remote callee: %+v", pay)
	}
	if entry(v, "prod", "shop/other") != nil {
		t.Error("a render with no caller of it is not in the view")
	}
}

// TestViewCoCallerResolution: a co-caller is an agreed caller of a remote
// callee only if the callee's declaration resolves to it, and a name with
// no cluster resolves on the callee's own cluster first. The view carries
// the callee cluster's holder of the co-caller's name, so the render sees
// that payments' "shop/cart" is edge's own cart, not prod's, as a render of
// the whole directory does (TestViewRendersLikeWholeDirectory found it).
func TestViewCoCallerResolution(t *testing.T) {
	f := testFleet(
		v1alpha1.FleetCluster{Name: "prod", Renders: []v1alpha1.FleetRender{{Path: "a"}, {Path: "b"}}},
		v1alpha1.FleetCluster{Name: "edge", Renders: []v1alpha1.FleetRender{{Path: "pay"}, {Path: "shop"}}, EastWestGateway: &v1alpha1.EastWestGateway{Address: "gw"}, Exports: []string{"pay/*"}},
	)
	caller := func(name string) *v1alpha1.LatticeService {
		return service("shop", name, map[string]v1alpha1.Resource{"payments": {Type: "service", Direction: "outbound", Namespace: "pay"}})
	}
	payments := service("pay", "payments", map[string]v1alpha1.Resource{
		"cart":   {Type: "service", Direction: "inbound", Namespace: "shop"}, // edge's own cart, of another render
		"orders": {Type: "service", Direction: "inbound", Namespace: "shop", Cluster: "prod"},
	})
	d, errs := Directory(f, []Render{
		{Cluster: "prod", Name: "a", Services: []*v1alpha1.LatticeService{caller("cart")}},
		{Cluster: "prod", Name: "b", Services: []*v1alpha1.LatticeService{caller("orders")}},
		{Cluster: "edge", Name: "pay", Services: []*v1alpha1.LatticeService{payments}},
		{Cluster: "edge", Name: "shop", Services: []*v1alpha1.LatticeService{service("shop", "cart", map[string]v1alpha1.Resource{
			"payments": {Type: "service", Direction: "outbound", Namespace: "pay"}})}},
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	v := View(d, "prod", "b")
	if pay := entry(v, "edge", "pay/payments"); pay == nil || !slices.Equal(peers(pay.Inbound), []string{"/shop/cart", "prod/shop/orders"}) {
		t.Fatalf("the remote callee: %+v", pay)
	}
	edge := v.Spec.Clusters[slices.IndexFunc(v.Spec.Clusters, func(c v1alpha1.InventoryCluster) bool { return c.Name == "edge" })]
	if !slices.Equal(edge.Names, []string{"shop/cart"}) || entry(WithNames(v), "edge", "shop/cart") == nil {
		t.Errorf("edge's own shop/cart, which payments' declaration names: names %q", edge.Names)
	}
}

// TestViewNames: a view lists the services only name resolution reads as
// names, one line each; a render reads them as entries with no ports and
// no declarations; names are refused outside a view, malformed or twice.
func TestViewNames(t *testing.T) {
	d := &v1alpha1.ServiceDirectory{Spec: v1alpha1.ServiceDirectorySpec{Render: "a", Clusters: []v1alpha1.InventoryCluster{{
		Name: "prod", TrustDomain: "prod.example", Network: "prod", Renders: []string{"a"},
		EastWestGateway: &v1alpha1.EastWestGateway{Address: "gw", Port: 15443},
		Names:           []string{"shop/cart"}, ExportedNames: []string{"pay/payments"},
	}}}}
	if errs := ValidateDirectory(d); len(errs) > 0 {
		t.Fatal(errs)
	}
	got := WithNames(d).Spec.Clusters[0].Services
	want := []v1alpha1.InventoryService{{Namespace: "shop", Name: "cart"}, {Namespace: "pay", Name: "payments", Exported: true}}
	if !reflect.DeepEqual(got, want) || len(d.Spec.Clusters[0].Services) != 0 {
		t.Errorf("WithNames: %+v, want %+v (and d unchanged)", got, want)
	}
	for _, tc := range []struct {
		reason string
		edit   func(*v1alpha1.ServiceDirectory)
		want   string
	}{
		{"the whole directory lists entries", func(d *v1alpha1.ServiceDirectory) { d.Spec.Render = "" }, "spec.clusters[0].names[0]: Forbidden"},
		{"a contract lists its own services", func(d *v1alpha1.ServiceDirectory) { d.Spec.Contract = true }, "spec.clusters[0].names[0]: Forbidden"},
		{"a name is namespace/name", func(d *v1alpha1.ServiceDirectory) { d.Spec.Clusters[0].Names = []string{"cart"} }, "spec.clusters[0].names[0]: Invalid value"},
		{"a name once", func(d *v1alpha1.ServiceDirectory) {
			d.Spec.Clusters[0].Services = []v1alpha1.InventoryService{{Namespace: "shop", Name: "cart", Render: "a"}}
		}, "spec.clusters[0].names[0]: Duplicate value"},
	} {
		bad := *d
		bad.Spec.Clusters = slices.Clone(d.Spec.Clusters)
		tc.edit(&bad)
		var got []string
		for _, e := range ValidateDirectory(&bad) {
			got = append(got, e.Error())
		}
		if !slices.ContainsFunc(got, func(e string) bool { return strings.HasPrefix(e, tc.want) }) {
			t.Errorf("%s: errors %q, want %q", tc.reason, got, tc.want)
		}
	}
}
