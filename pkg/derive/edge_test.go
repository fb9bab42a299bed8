package derive

import (
	"fmt"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// TestEdge pins which objects an ingress derives, in which namespace and
// why; each kind's fields have their own test.
func TestEdge(t *testing.T) {
	jwt := &v1alpha1.JWTSpec{Issuer: "https://id.example.com", JWKSURI: "https://id.example.com/jwks"}
	cases := map[string]struct {
		reason  string
		ingress *v1alpha1.IngressSpec
		want    []string // "Kind namespace/name (reason)"
	}{
		"no ingress": {reason: "a service without an ingress derives no edge object"},
		"terminate": {
			reason:  "terminate: Certificate and ListenerSet in the gateway namespace, HTTPRoute in the service's",
			ingress: &v1alpha1.IngressSpec{Hostname: "web.example.com"},
			want: []string{
				"Certificate gateway-system/shop-web-tls (spec.ingress.hostname)",
				"ListenerSet gateway-system/shop-web (spec.ingress.hostname)",
				"HTTPRoute shop/web (spec.ingress.paths)",
			},
		},
		"jwt": {
			reason:  "jwt adds the gateway's RequestAuthentication and DENY policy, in the gateway namespace",
			ingress: &v1alpha1.IngressSpec{Hostname: "web.example.com", JWT: jwt},
			want: []string{
				"Certificate gateway-system/shop-web-tls (spec.ingress.hostname)",
				"ListenerSet gateway-system/shop-web (spec.ingress.hostname)",
				"HTTPRoute shop/web (spec.ingress.paths)",
				"RequestAuthentication gateway-system/shop-web-jwt (spec.ingress.jwt)",
				"AuthorizationPolicy gateway-system/shop-web-jwt (spec.ingress.jwt)",
			},
		},
		"passthrough": {
			reason:  "passthrough: no certificate; a TLS ListenerSet and a TLSRoute",
			ingress: &v1alpha1.IngressSpec{Hostname: "web.example.com", TLS: v1alpha1.TLSPassthrough},
			want: []string{
				"ListenerSet gateway-system/shop-web (spec.ingress.tls)",
				"TLSRoute shop/web (spec.ingress.tls)",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/web", withPorts(map[string]int32{"http": 8080}), func(s *v1alpha1.LatticeService) { s.Spec.Ingress = tc.ingress })
			out, errs := Edge(input(t, nil, "shop/web", s))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var got []string
			for _, d := range out {
				got = append(got, fmt.Sprintf("%s %s/%s (%s)", kindOf(d.Object), d.Object.GetNamespace(), d.Object.GetName(), d.Reason))
				if d := diff([]string{"shop/web"}, d.Sources); d != "" {
					t.Errorf("every edge object is sourced from the service (-want +got):\n%s", d)
				}
			}
			if d := diff(tc.want, got); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestCheckEdge(t *testing.T) {
	ing := func(host string) func(*v1alpha1.LatticeService) {
		return withIngress(v1alpha1.IngressSpec{Hostname: host})
	}
	ports := withPorts(map[string]int32{"http": 8080})
	cases := map[string]struct {
		reason   string
		services []*v1alpha1.LatticeService
		want     []Problem
	}{
		"distinct": {
			reason:   "distinct hostnames and service names: no problem",
			services: []*v1alpha1.LatticeService{service("a/web", ports, ing("a.example.com")), service("b/api", ports, ing("b.example.com"))},
		},
		"same hostname": {
			reason:   "a hostname belongs to one service: the second claim is an error on it, naming the first",
			services: []*v1alpha1.LatticeService{service("a/web", ports, ing("shop.example.com")), service("b/api", ports, ing("shop.example.com"))},
			want: []Problem{{Source: "b/api", Field: "spec.ingress.hostname", Message: "a/web and b/api both claim hostname shop.example.com and path /; " +
				"a hostname belongs to one service, which owns its certificate and gateway listener: pick another hostname, or serve these paths from a/web"}},
		},
		"same name, two namespaces": {
			reason:   "<ns>-<svc>-tls carries the namespace: two services named alike in different namespaces get distinct Certificates",
			services: []*v1alpha1.LatticeService{service("a/web", ports, ing("a.example.com")), service("b/web", ports, ing("b.example.com"))},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := SharedInput{Platform: meshPlatform(nil), Graph: graph.Build(tc.services)}
			if d := diff(tc.want, checkEdge(in)); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
