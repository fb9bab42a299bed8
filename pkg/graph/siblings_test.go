package graph

import (
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// TestSiblings: services of the cluster's other renders (from the
// directory) are matched like services of this render, and never derived.
func TestSiblings(t *testing.T) {
	sib := func(ref, render string, spec ...string) v1alpha1.InventoryService {
		s := remote(ref, spec...)
		s.Render = render
		return s
	}
	f := &Fleet{Local: "prod", Render: "a", Clusters: []Cluster{{Name: "prod", TrustDomain: "cluster.local", Network: "prod", Services: []v1alpha1.InventoryService{
		sib("shop/checkout", "a"), // this render's own, as recorded
		sib("money/payments", "b", "in:shop/checkout", "out:shop/cart"),
		sib("money/ledger", "b"), // accepts nobody
		sib("ops/auditor", "c", "out:shop/checkout"),
	}}}}
	g := BuildFleet([]*v1alpha1.LatticeService{
		svc("shop/checkout", "pay=outbound,id=payments,ns=money", "ledger=outbound,ns=money", "auditor=inbound,ns=ops"),
		svc("shop/cart", "payments=inbound,ns=money"),
	}, f)
	var nodes []string
	for _, n := range g.Nodes() {
		nodes = append(nodes, n.Ref.String())
	}
	if !slices.Equal(nodes, []string{"shop/cart", "shop/checkout"}) {
		t.Errorf("Nodes() = %q: siblings are not derived", nodes)
	}
	if e := g.Callees(Ref{Namespace: "shop", Name: "checkout"}); len(e) != 1 || e[0].To != (Ref{Namespace: "money", Name: "payments"}) {
		t.Errorf("checkout's callees: %+v", e)
	}
	var callers []string
	for _, c := range []string{"cart", "checkout"} {
		for _, e := range g.Callers(Ref{Namespace: "shop", Name: c}) {
			callers = append(callers, e.From.String()+">"+c)
		}
	}
	if !slices.Equal(callers, []string{"money/payments>cart", "ops/auditor>checkout"}) {
		t.Errorf("callers from other renders: %q", callers)
	}
	var msgs []string
	for _, fd := range g.Findings {
		msgs = append(msgs, fd.Message)
	}
	want := "shop/checkout declares money/ledger of render b outbound, but money/ledger of render b does not accept shop/checkout inbound, so every call is denied; to allow it, add to money/ledger of render b spec.workload.resources: `checkout: {type: service, direction: inbound, namespace: shop}`"
	if !slices.Contains(msgs, want) {
		t.Errorf("one-sided across renders:\n%s\nwant\n%s", strings.Join(msgs, "\n"), want)
	}
}

// TestSiblingMembers: a MeshMember of another render (a directory entry
// with member: true) is admitted and called like a sibling service, under
// its own account; its peers are on this cluster whatever other clusters
// run; a one-sided declaration names the member's fix. A member of this
// render resolves here before any other cluster's service of its name.
func TestSiblingMembers(t *testing.T) {
	mem := func(ref, render, sa string, spec ...string) v1alpha1.InventoryService {
		s := remote(ref, spec...)
		s.Render, s.Member, s.Ports, s.ServiceAccount = render, true, nil, sa
		return s
	}
	f := &Fleet{Local: "prod", Render: "a", Clusters: []Cluster{
		{Name: "prod", TrustDomain: "cluster.local", Network: "prod", Services: []v1alpha1.InventoryService{
			mem("monitoring/vmagent", "platform", "scraper", "out:shop/api"),
			mem("monitoring/logs", "platform", "", "in:shop/api"),
			mem("monitoring/quiet", "platform", ""),
		}},
		// Another cluster's member is never seen; its exported service
		// named like this render's member never wins.
		cluster("edge", "cluster.local", mem("monitoring/vmagent", "edge", "", "out:shop/api"), remote("ops/otel", "exported", "in:*")),
	}}
	g := BuildMesh([]*v1alpha1.LatticeService{
		svc("shop/api", "vmagent=inbound,ns=monitoring", "logs=outbound,ns=monitoring", "quiet=outbound,ns=monitoring", "otel=outbound,ns=ops"),
	}, []*v1alpha1.MeshMember{member("ops/otel", "in=shop/api")}, f)
	api := Ref{Namespace: "shop", Name: "api"}
	var got []string
	for _, e := range g.Callers(api) {
		got = append(got, e.From.String()+"->api as "+g.Node(e.From).ServiceAccount())
	}
	for _, e := range g.Callees(api) {
		got = append(got, "api->"+e.To.String())
	}
	if want := []string{"monitoring/vmagent->api as scraper", "api->monitoring/logs", "api->ops/otel"}; !slices.Equal(got, want) {
		t.Errorf("edges: %q, want %q", got, want)
	}
	if !g.HasMembers() || !g.Node(Ref{Namespace: "monitoring", Name: "vmagent"}).IsMember() {
		t.Error("a member of another render is a member")
	}
	var msgs []string
	for _, fd := range g.Findings {
		msgs = append(msgs, fd.Message)
	}
	want := "shop/api declares monitoring/quiet outbound, but monitoring/quiet does not accept shop/api inbound, so every call is denied; to allow it, add to MeshMember monitoring/quiet of render platform spec.inbound: `{name: api, namespace: shop}`"
	if !slices.Contains(msgs, want) {
		t.Errorf("one-sided on a member of another render:\n%s\nwant\n%s", strings.Join(msgs, "\n"), want)
	}
}

// TestSiblingCallersOfRemote: the cluster's other renders' callers of a
// remote callee get their edges to it (the stub's owner lists them all).
func TestSiblingCallersOfRemote(t *testing.T) {
	sib := func(ref, render string, spec ...string) v1alpha1.InventoryService {
		s := remote(ref, spec...)
		s.Render = render
		return s
	}
	f := &Fleet{Local: "prod", Render: "b", Clusters: []Cluster{
		{Name: "prod", TrustDomain: "cluster.local", Network: "prod", Services: []v1alpha1.InventoryService{
			sib("shop/cart", "a", "out:pay/payments"),
			sib("shop/spy", "a", "out:edge/pay/payments"), // not admitted
		}},
		cluster("edge", "cluster.local", remote("pay/payments", "exported", "in:prod/shop/cart", "in:prod/shop/orders")),
	}}
	f.Clusters[1].Services[0].Inbound[0].Rules = []v1alpha1.L7Rule{{Methods: []string{"POST"}}}
	g := BuildFleet([]*v1alpha1.LatticeService{svc("shop/orders", "payments=outbound,ns=pay")}, f)
	var got []string
	for _, e := range g.Callers(Ref{Cluster: "edge", Namespace: "pay", Name: "payments"}) {
		got = append(got, e.From.String())
		if e.From.Name == "cart" && len(e.Rules) != 1 {
			t.Errorf("cart's rules: %+v", e.Rules)
		}
	}
	if want := []string{"shop/cart", "shop/orders"}; !slices.Equal(got, want) || g.Render() != "b" {
		t.Errorf("callers of the remote callee: %q, want %q (render %q)", got, want, g.Render())
	}
}
