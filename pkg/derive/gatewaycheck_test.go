package derive

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// TestCheckGateway (issue 15 §2): the platform Gateway's listeners may
// not serve a lattice hostname without TLS.
func TestCheckGateway(t *testing.T) {
	svc := meshService("shop/web", map[string]int32{"http": 8080}, nil)
	svc.Spec.Ingress = &v1alpha1.IngressSpec{Hostname: "web.example.com", TLS: v1alpha1.TLSTerminate}
	in := SharedInput{Platform: meshPlatform(nil), Graph: graph.Build([]*v1alpha1.LatticeService{svc})}
	from := func(f gwv1.FromNamespaces, sel map[string]string) *gwv1.AllowedRoutes {
		ar := &gwv1.AllowedRoutes{Namespaces: &gwv1.RouteNamespaces{From: &f}}
		if sel != nil {
			ar.Namespaces.Selector = &metav1.LabelSelector{MatchLabels: sel}
		}
		return ar
	}
	host := func(h string) *gwv1.Hostname { x := gwv1.Hostname(h); return &x }
	https := gwv1.Listener{Name: "https", Port: 443, Protocol: gwv1.HTTPSProtocolType, AllowedRoutes: from(gwv1.NamespacesFromAll, nil)}
	http := func(l gwv1.Listener) gwv1.Listener {
		l.Name, l.Port, l.Protocol = "http", 80, gwv1.HTTPProtocolType
		return l
	}
	cases := map[string]struct {
		reason    string
		listeners []gwv1.Listener
		labels    map[string]map[string]string
		want      []string // one substring per problem, in order
	}{
		"platform example": {reason: "port 80 for the gateway namespace only, HTTPS named https",
			listeners: []gwv1.Listener{http(gwv1.Listener{AllowedRoutes: from(gwv1.NamespacesFromSame, nil)}), https}},
		"default allowedRoutes": {reason: "no allowedRoutes is from: Same",
			listeners: []gwv1.Listener{http(gwv1.Listener{}), https}},
		"from all": {reason: "any namespace may attach a plain route",
			listeners: []gwv1.Listener{http(gwv1.Listener{AllowedRoutes: from(gwv1.NamespacesFromAll, nil)}), https},
			want:      []string{`spec.listeners[0].allowedRoutes: plain-HTTP listener "http" (port 80) admits routes from all namespaces`}},
		"other hostname": {reason: "a listener hostname that covers no lattice hostname is safe",
			listeners: []gwv1.Listener{http(gwv1.Listener{Hostname: host("*.internal.example"), AllowedRoutes: from(gwv1.NamespacesFromAll, nil)}), https}},
		"wildcard covers": {reason: "*.example.com covers web.example.com",
			listeners: []gwv1.Listener{http(gwv1.Listener{Hostname: host("*.example.com"), AllowedRoutes: from(gwv1.NamespacesFromAll, nil)}), https},
			want:      []string{"for hostname *.example.com"}},
		"selector by name": {reason: "a selector on kubernetes.io/metadata.name matches without the Namespace in the input",
			listeners: []gwv1.Listener{http(gwv1.Listener{AllowedRoutes: from(gwv1.NamespacesFromSelector, map[string]string{"kubernetes.io/metadata.name": "shop"})}), https},
			want:      []string{"from: Selector"}},
		"selector elsewhere": {reason: "a selector the service namespace's labels do not match",
			listeners: []gwv1.Listener{http(gwv1.Listener{AllowedRoutes: from(gwv1.NamespacesFromSelector, map[string]string{"edge": "acme"})}), https},
			labels:    map[string]map[string]string{"shop": {"team": "shop"}}},
		"selector by label": {reason: "the Namespace in the input carries the selected label",
			listeners: []gwv1.Listener{http(gwv1.Listener{AllowedRoutes: from(gwv1.NamespacesFromSelector, map[string]string{"edge": "acme"})}), https},
			labels:    map[string]map[string]string{"shop": {"edge": "acme"}},
			want:      []string{"from: Selector"}},
		"no https": {reason: "the listener the Platform names is missing",
			listeners: []gwv1.Listener{http(gwv1.Listener{})},
			want:      []string{`has no listener "https"`}},
		"section is http": {reason: "the listener the Platform names is plain HTTP",
			listeners: []gwv1.Listener{http(gwv1.Listener{Name: "x"}), {Name: "https", Port: 443, Protocol: gwv1.HTTPProtocolType}},
			want:      []string{`spec.listeners[1].protocol: listener "https" is HTTP`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gw := &gwv1.Gateway{Spec: gwv1.GatewaySpec{Listeners: tc.listeners}}
			got := CheckGateway(gw, in, tc.labels)
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %d problems, want %d: %v", tc.reason, len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				if line := got[i].Field + ": " + got[i].Message; !strings.Contains(line, w) {
					t.Errorf("%s: problem %d %q lacks %q", tc.reason, i, line, w)
				}
			}
		})
	}
}
