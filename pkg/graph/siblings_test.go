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
