package derive

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestTLSRoute(t *testing.T) {
	route := func(port int32) *gwv1.TLSRoute {
		return &gwv1.TLSRoute{
			TypeMeta: metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "TLSRoute"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: Labels("web"),
				Annotations: map[string]string{AnnotationWave: WaveRoute}},
			Spec: gwv1.TLSRouteSpec{
				CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{{
					Group: ptr(gwv1.Group("gateway.networking.k8s.io")), Kind: ptr(gwv1.Kind("ListenerSet")),
					Name: "shop-web", Namespace: ptr(gwv1.Namespace("gateway-system")), SectionName: ptr(gwv1.SectionName("tls")),
				}}},
				Hostnames: []gwv1.Hostname{"web.example.com"},
				Rules: []gwv1.TLSRouteRule{{BackendRefs: []gwv1.BackendRef{{BackendObjectReference: gwv1.BackendObjectReference{
					Name: "web", Port: ptr(gwv1.PortNumber(port)),
				}}}}},
			},
		}
	}
	cases := map[string]struct {
		reason string
		ports  map[string]int32
		tls    string
		want   *gwv1.TLSRoute
	}{
		"only port": {
			reason: "passthrough forwards the SNI-selected stream to the service's only port; the parent is the ListenerSet's tls listener, never the Gateway",
			ports:  map[string]int32{"web": 8443}, tls: v1alpha1.TLSPassthrough,
			want: route(8443),
		},
		"port named https": {
			reason: "with several ports, passthrough goes to the port named https",
			ports:  map[string]int32{"https": 443, "metrics": 9090}, tls: v1alpha1.TLSPassthrough,
			want: route(443),
		},
		"terminate": {
			reason: "a terminated hostname gets an HTTPRoute, not a TLSRoute",
			ports:  map[string]int32{"http": 8080},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/web", withPorts(tc.ports), withIngress(v1alpha1.IngressSpec{Hostname: "web.example.com", TLS: tc.tls}))
			out, errs := Edge(input(t, nil, "shop/web", s))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if d := diff(tc.want, one[*gwv1.TLSRoute](t, out)); d != "" {
				t.Errorf("%s\nTLSRoute (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
