package fleet

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// teamsFleet: cluster prod rendered by two teams, cluster edge by one.
func teamsFleet() (*v1alpha1.Fleet, []Render) {
	f := testFleet(
		v1alpha1.FleetCluster{Name: "prod", Renders: []v1alpha1.FleetRender{{Path: "teams/a"}, {Path: "teams/b"}}},
		v1alpha1.FleetCluster{Name: "edge", Path: "edge", EastWestGateway: &v1alpha1.EastWestGateway{Address: "gw"}, Exports: []string{"*"}},
	)
	web := service("shop", "web", map[string]v1alpha1.Resource{
		"checkout": {Type: "service", Direction: "outbound"}, // same render
		"pay":      {Type: "service", Direction: "outbound", Namespace: "money", ID: "payments"},
	})
	checkout := service("shop", "checkout", map[string]v1alpha1.Resource{"web": {Type: "service", Direction: "inbound"}})
	payments := service("money", "payments", map[string]v1alpha1.Resource{
		"web":  {Type: "service", Direction: "inbound", Namespace: "shop", Rules: []v1alpha1.L7Rule{{Methods: []string{"POST"}}}},
		"cdn":  {Type: "service", Direction: "outbound", Cluster: "edge"},
		"gone": {Type: "service", Direction: "outbound", Cluster: "prod"}, // dangling in its own cluster
	})
	cdn := service("money", "cdn", map[string]v1alpha1.Resource{"any": {Type: "service", Direction: "inbound", ID: "*"}})
	return f, []Render{
		{Cluster: "prod", Name: "teams/a", Services: []*v1alpha1.LatticeService{web, checkout}},
		{Cluster: "prod", Name: "teams/b", Services: []*v1alpha1.LatticeService{payments}},
		{Cluster: "edge", Name: "edge", Services: []*v1alpha1.LatticeService{cdn}},
	}
}

func entry(d *v1alpha1.ServiceDirectory, cluster, key string) *v1alpha1.InventoryService {
	for i := range d.Spec.Clusters {
		for j := range d.Spec.Clusters[i].Services {
			s := &d.Spec.Clusters[i].Services[j]
			if d.Spec.Clusters[i].Name == cluster && s.Namespace+"/"+s.Name == key {
				return s
			}
		}
	}
	return nil
}

func peers(ps []v1alpha1.InventoryPeer) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Cluster+"/"+p.Namespace+"/"+p.Name)
	}
	return out
}

func TestDirectory(t *testing.T) {
	f, renders := teamsFleet()
	d, errs := Directory(f, renders)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if d.Kind != v1alpha1.KindServiceDirectory || d.Annotations[LocalConfig] != "true" {
		t.Fatalf("not a local-config ServiceDirectory: %+v", d.TypeMeta)
	}
	if errs := ValidateDirectory(d); len(errs) > 0 {
		t.Fatalf("generated directory invalid: %v", errs)
	}
	web := entry(d, "prod", "shop/web")
	// The declaration inside the render is not recorded; the one that
	// leaves it is; a cluster of two renders records ports for callers.
	if got := peers(web.Outbound); !slices.Equal(got, []string{"/money/payments"}) || len(web.Ports) != 1 || web.Render != "teams/a" || web.Identity != "cluster.local/ns/shop/sa/web" {
		t.Errorf("web: %+v", web)
	}
	if c := entry(d, "prod", "shop/checkout"); len(c.Inbound) != 0 {
		t.Errorf("an inbound declaration inside the render is nobody else's business: %+v", c)
	}
	p := entry(d, "prod", "money/payments")
	if got := peers(p.Outbound); !slices.Equal(got, []string{"edge/money/cdn"}) || len(p.Inbound) != 1 || len(p.Inbound[0].Rules) != 1 {
		t.Errorf("payments: outbound %q, inbound %+v", got, p.Inbound)
	}
	// edge is one render and exports everything: the FleetInventory's
	// entry, plus render and identity.
	if c := entry(d, "edge", "money/cdn"); !c.Exported || !c.AcceptsAnyDeclaredCaller || c.Render != "edge" {
		t.Errorf("cdn: %+v", c)
	}

	// Two renders may not define one service.
	dup := append(slices.Clone(renders), Render{Cluster: "prod", Name: "teams/c", Services: renders[0].Services[:1], From: "teams/c"})
	if _, errs := Directory(f, dup); len(errs) != 1 || !strings.Contains(errs[0], "shop/web is defined by render teams/a") {
		t.Errorf("duplicate: %q", errs)
	}
}

// TestContractsAssembleToTheSameDirectory: the multi-repository flow
// (contracts written alone, assembled by the platform) gives the
// monorepo's directory byte for byte.
func TestContractsAssembleToTheSameDirectory(t *testing.T) {
	f, renders := teamsFleet()
	want, _ := Directory(f, renders)
	var fromContracts []Render
	for _, r := range renders {
		td := "cluster.local"
		c := ContractOf(r.Cluster, td, r.Name, r.Services, r.Members)
		if errs := ValidateDirectory(c); len(errs) > 0 || !c.Spec.Contract || c.Spec.Render != r.Name {
			t.Fatalf("contract %s: %v %+v", r.Name, errs, c.Spec)
		}
		fromContracts = append(fromContracts, Render{Cluster: r.Cluster, Name: r.Name, Contract: c.Spec.Clusters[0].Services})
	}
	got, errs := Directory(f, fromContracts)
	if len(errs) > 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("assembled from contracts:\n%+v\nwant\n%+v", got, want)
	}
}

func TestCheckRender(t *testing.T) {
	f, renders := teamsFleet()
	d, _ := Directory(f, renders)
	a := renders[0].Services
	check := func(d *v1alpha1.ServiceDirectory, services []*v1alpha1.LatticeService, skip map[string]bool) (string, []string) {
		rc := CheckRender(d, "prod", "cluster.local", services, nil, skip, DirectoryCommand)
		var out []string
		for _, m := range rc.Mismatches {
			out = append(out, m.Service+"|"+m.Message)
		}
		return rc.Render, out
	}
	if r, m := check(d, a, nil); r != "teams/a" || len(m) != 0 {
		t.Fatalf("fresh: render %q, %q", r, m)
	}
	// The view is enough to check and to render.
	if r, m := check(View(d, "prod", "teams/a"), a, nil); r != "teams/a" || len(m) != 0 {
		t.Fatalf("fresh view: render %q, %q", r, m)
	}
	changed := service("shop", "web", map[string]v1alpha1.Resource{"checkout": {Type: "service", Direction: "outbound"}})
	extra := service("shop", "cart", nil)
	_, got := check(d, []*v1alpha1.LatticeService{changed, extra}, nil)
	want := []string{
		"shop/web|the service directory is stale for render teams/a of cluster prod (shop/web changed: outbound declarations); run `lattice directory build` and commit the result with the change",
		"shop/cart|the service directory is stale for render teams/a of cluster prod (shop/cart is new); run `lattice directory build` and commit the result with the change",
		"|the service directory is stale for render teams/a of cluster prod (shop/checkout is in the directory but not in this render); run `lattice directory build` and commit the result with the change",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stale:\ngot  %q\nwant %q", got, want)
	}
	// A service that failed validation is not reported missing.
	if _, got := check(d, a[:1], map[string]bool{"shop/checkout": true}); len(got) != 0 {
		t.Errorf("skipped service reported: %q", got)
	}
	// A service moved from another render (web's call to it now stays
	// inside the render, which changes web's contract too).
	moved := append(slices.Clone(a), renders[1].Services...)
	if _, got := check(d, moved, nil); len(got) != 2 || !strings.Contains(got[1], "money/payments is recorded in render teams/b") {
		t.Errorf("moved: %q", got)
	}
}

func TestView(t *testing.T) {
	f, renders := teamsFleet()
	d, _ := Directory(f, renders)
	v := View(d, "prod", "teams/b")
	var got []string
	for _, c := range v.Spec.Clusters {
		for _, s := range c.Services {
			got = append(got, c.Name+"/"+s.Namespace+"/"+s.Name)
		}
	}
	// payments itself, its peers (web, cdn), and its caller web; not
	// checkout, which neither calls it nor is called by it.
	if want := []string{"edge/money/cdn", "prod/money/payments", "prod/shop/web"}; !slices.Equal(got, want) || v.Spec.Render != "teams/b" || len(v.Spec.Clusters) != 2 {
		t.Errorf("view: %q, want %q (render %q)", got, want, v.Spec.Render)
	}
}

// TestDigest: a view's digest of a service names exactly the parts that
// changed, as the whole entry would (Diff), and nothing else passes for
// one.
func TestDigest(t *testing.T) {
	base := v1alpha1.InventoryService{Namespace: "pay", Name: "payments", Render: "teams/pay",
		Ports:    []v1alpha1.InventoryPort{{Name: "http", Port: 8080, TargetPort: 8080, Protocol: "TCP"}},
		Outbound: []v1alpha1.InventoryPeer{{Namespace: "id", Name: "auth"}},
		Inbound:  []v1alpha1.InventoryPeer{{Namespace: "shop", Name: "checkout", Rules: []v1alpha1.L7Rule{{Methods: []string{"POST"}, Paths: []string{"/charge"}}}}}}
	view := base
	view.Digest = Digest(base)
	view.Ports, view.Outbound, view.Inbound = nil, nil, nil
	for name, tc := range map[string]struct {
		reason string
		edit   func(*v1alpha1.InventoryService)
		want   string
	}{
		"same":        {"an unchanged service is not stale", func(*v1alpha1.InventoryService) {}, ""},
		"empty lists": {"an empty list and an absent one are the same, as in the directory", func(s *v1alpha1.InventoryService) { s.Inbound[0].Rules[0].Methods = append([]string{}, "POST") }, ""},
		"port": {"a new target port", func(s *v1alpha1.InventoryService) {
			s.Ports = []v1alpha1.InventoryPort{{Name: "http", Port: 8080, TargetPort: 9090, Protocol: "TCP"}}
		}, "ports"},
		"outbound": {"a new callee", func(s *v1alpha1.InventoryService) {
			s.Outbound = append(s.Outbound, v1alpha1.InventoryPeer{Namespace: "id", Name: "keys"})
		}, "outbound declarations"},
		"rule": {"an L7 rule widened", func(s *v1alpha1.InventoryService) {
			s.Inbound = []v1alpha1.InventoryPeer{{Namespace: "shop", Name: "checkout"}}
		}, "inbound declarations"},
		"any caller": {"an inbound \"*\"", func(s *v1alpha1.InventoryService) { s.AcceptsAnyDeclaredCaller = true }, "inbound declarations"},
		"two":        {"every changed part is named", func(s *v1alpha1.InventoryService) { s.Ports, s.Outbound = nil, nil }, "ports, outbound declarations"},
		"export":     {"what a view keeps whole is compared whole", func(s *v1alpha1.InventoryService) { s.Exported = true }, "exported"},
	} {
		t.Run(name, func(t *testing.T) {
			now := base
			now.Ports, now.Outbound = slices.Clone(base.Ports), slices.Clone(base.Outbound)
			now.Inbound = []v1alpha1.InventoryPeer{{Namespace: "shop", Name: "checkout", Rules: []v1alpha1.L7Rule{{Methods: []string{"POST"}, Paths: []string{"/charge"}}}}}
			tc.edit(&now)
			if got, whole := Diff(view, now), Diff(base, now); got != tc.want || whole != tc.want {
				t.Errorf("%s: Diff(view, now) = %q, Diff(directory, now) = %q, want %q", tc.reason, got, whole, tc.want)
			}
		})
	}
	if !validDigest(view.Digest) {
		t.Fatalf("Digest writes %q, which validDigest refuses", view.Digest)
	}
	for _, bad := range []string{"", "ports:- outbound:-", "ports:- inbound:- outbound:-", "ports:ABCDEF012345 outbound:- inbound:-",
		"ports:abc outbound:- inbound:-", "ports:-  outbound:- inbound:-", "ports:- outbound:- inbound:- x:-", "ports:zzzzzzzzzzzz outbound:- inbound:-"} {
		if validDigest(bad) {
			t.Errorf("validDigest(%q) = true", bad)
		}
	}
	d := &v1alpha1.ServiceDirectory{Spec: v1alpha1.ServiceDirectorySpec{Render: "teams/pay", Clusters: []v1alpha1.InventoryCluster{{Name: "prod", TrustDomain: "cluster.local", Network: "prod", Renders: []string{"teams/pay"}, Services: []v1alpha1.InventoryService{view}}}}}
	if errs := ValidateDirectory(d); len(errs) != 0 {
		t.Fatalf("a view with a digest: %v", errs)
	}
	d.Spec.Clusters[0].Services[0].Ports = base.Ports
	if errs := ValidateDirectory(d); len(errs) != 1 || !strings.Contains(errs[0].Error(), "spec.clusters[0].services[0].digest") {
		t.Errorf("a digest next to the ports it stands for: %v", errs)
	}
	d.Spec.Clusters[0].Services[0].Ports, d.Spec.Render = nil, ""
	if errs := ValidateDirectory(d); len(errs) != 1 {
		t.Errorf("a digest in a directory (no spec.render): %v", errs)
	}
}

// TestInventoryRefusesDigest: a FleetInventory records whole entries.
func TestInventoryRefusesDigest(t *testing.T) {
	inv := &v1alpha1.FleetInventory{Spec: v1alpha1.FleetInventorySpec{Clusters: []v1alpha1.InventoryCluster{{Name: "west", TrustDomain: "cluster.local", Network: "west",
		Services: []v1alpha1.InventoryService{{Namespace: "a", Name: "b", Digest: "ports:- outbound:- inbound:-"}}}}}}
	if errs := ValidateInventory(inv); len(errs) != 1 || !strings.Contains(errs[0].Error(), "spec.clusters[0].services[0].digest") {
		t.Errorf("a digest in a FleetInventory: %v", errs)
	}
	inv.Spec.Clusters[0].Services[0].Digest, inv.Spec.Clusters[0].Names = "", []string{"a/c"}
	if errs := ValidateInventory(inv); len(errs) != 1 || !strings.Contains(errs[0].Error(), "spec.clusters[0].names") {
		t.Errorf("names in a FleetInventory: %v", errs)
	}
}
