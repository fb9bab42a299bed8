package derive

import (
	"fmt"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// TestShared pins what Shared assembles, in order: the baseline, then per
// namespace (sorted) the Namespace, the waypoint and the ServiceEntries,
// then the edge's shared objects (none) and the cross-cluster routes.
func TestShared(t *testing.T) {
	l7 := v1alpha1.Resource{Direction: v1alpha1.DirectionInbound, Rules: []v1alpha1.L7Rule{{Paths: []string{"/api/*"}}}}
	stripe := v1alpha1.Resource{Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: map[string]string{"a": "https://api.stripe.com"}}}
	services := []*v1alpha1.LatticeService{
		meshService("shop/api", map[string]int32{"http": 80}, map[string]v1alpha1.Resource{"web": l7}),
		meshService("shop/web", nil, map[string]v1alpha1.Resource{"api": {Direction: v1alpha1.DirectionOutbound}}),
		meshService("pay/charge", nil, map[string]v1alpha1.Resource{"stripe": stripe}),
	}
	cases := map[string]struct {
		reason     string
		platform   func(*v1alpha1.PlatformSpec)
		namespaces map[string]bool
		want       []string
	}{
		"everything": {
			reason:   "baseline first, then namespaces in order, each with its Namespace and waypoint (egress entries are per service, from egressObjects)",
			platform: func(s *v1alpha1.PlatformSpec) { s.Mesh.Baseline, s.Mesh.ManageNamespaces = true, true },
			want: []string{
				"PeerAuthentication istio-system/default",
				"AuthorizationPolicy istio-system/mesh-default-deny",
				"AuthorizationPolicy istio-system/waypoint-default-deny",
				"Namespace /pay",
				"Gateway pay/pay-waypoint",
				"AuthorizationPolicy pay/allow-to-waypoint",
				"Namespace /shop",
				"Gateway shop/shop-waypoint",
				"AuthorizationPolicy shop/allow-to-waypoint",
			},
		},
		"minimal platform": {
			reason:     "without baseline or managed namespaces (and with the namespaces in the input) only what the services need",
			namespaces: map[string]bool{"pay": true, "shop": true},
			want: []string{
				"Gateway pay/pay-waypoint",
				"AuthorizationPolicy pay/allow-to-waypoint",
				"Gateway shop/shop-waypoint",
				"AuthorizationPolicy shop/allow-to-waypoint",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := SharedInput{Platform: meshPlatform(tc.platform), Graph: graph.Build(services), Namespaces: tc.namespaces}
			var got []string
			for _, d := range Shared(in) {
				got = append(got, fmt.Sprintf("%s %s/%s", kindOf(d.Object), d.Object.GetNamespace(), d.Object.GetName()))
			}
			if d := diff(tc.want, got); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

// TestCheck: Check gathers the mesh, edge and remote checks.
func TestCheck(t *testing.T) {
	ing := withIngress(v1alpha1.IngressSpec{Hostname: "shop.example.com"})
	ports := withPorts(map[string]int32{"http": 80})
	services := []*v1alpha1.LatticeService{
		service("shop/shop-waypoint"),
		service("a/web", ports, ing),
		service("b/api", ports, ing),
	}
	got := Check(SharedInput{Platform: meshPlatform(nil), Graph: graph.Build(services), Namespaces: map[string]bool{"a": true, "b": true}})
	var fields []string
	for _, p := range got {
		fields = append(fields, fmt.Sprintf("%s %s warning=%v", p.Source, p.Field, p.Warning))
	}
	want := []string{
		"shop/shop-waypoint metadata.name warning=false",     // mesh: the waypoint's identity
		"shop/shop-waypoint metadata.namespace warning=true", // mesh: namespace not in the render
		"b/api spec.ingress.hostname warning=false",          // edge: hostname claimed twice
	}
	if d := diff(want, fields); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
