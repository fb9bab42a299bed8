package derive

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestListenerSet(t *testing.T) {
	allowed := func(kind gwv1.Kind) *gwv1.AllowedRoutes {
		return &gwv1.AllowedRoutes{
			Namespaces: &gwv1.RouteNamespaces{
				From:     ptr(gwv1.NamespacesFromSelector),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "shop"}},
			},
			Kinds: []gwv1.RouteGroupKind{{Group: ptr(gwv1.Group("gateway.networking.k8s.io")), Kind: kind}},
		}
	}
	set := func(gwName, gwNS string, l gwv1.ListenerEntry) *gwv1.ListenerSet {
		return &gwv1.ListenerSet{
			TypeMeta: metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "ListenerSet"},
			ObjectMeta: metav1.ObjectMeta{Name: "shop-web", Namespace: gwNS, Labels: Labels("web"),
				Annotations: map[string]string{AnnotationWave: WaveListener}},
			Spec: gwv1.ListenerSetSpec{
				ParentRef: gwv1.ParentGatewayReference{Group: ptr(gwv1.Group("gateway.networking.k8s.io")), Kind: ptr(gwv1.Kind("Gateway")), Name: gwv1.ObjectName(gwName)},
				Listeners: []gwv1.ListenerEntry{l},
			},
		}
	}
	https := gwv1.ListenerEntry{
		Name: "https", Hostname: ptr(gwv1.Hostname("web.example.com")), Port: 443, Protocol: gwv1.HTTPSProtocolType,
		TLS: &gwv1.ListenerTLSConfig{Mode: ptr(gwv1.TLSModeTerminate),
			CertificateRefs: []gwv1.SecretObjectReference{{Kind: ptr(gwv1.Kind("Secret")), Name: "shop-web-tls"}}},
		AllowedRoutes: allowed("HTTPRoute"),
	}
	tls := gwv1.ListenerEntry{
		Name: "tls", Hostname: ptr(gwv1.Hostname("web.example.com")), Port: 443, Protocol: gwv1.TLSProtocolType,
		TLS:           &gwv1.ListenerTLSConfig{Mode: ptr(gwv1.TLSModePassthrough)},
		AllowedRoutes: allowed("TLSRoute"),
	}
	cases := map[string]struct {
		reason   string
		platform func(*v1alpha1.PlatformSpec)
		tls      string
		want     *gwv1.ListenerSet
	}{
		"terminate": {
			reason: "one HTTPS listener on 443 for the hostname, terminating with <ns>-<svc>-tls, accepting HTTPRoutes from the service's namespace only",
			want:   set("platform-gateway", "gateway-system", https),
		},
		"passthrough": {
			reason: "one TLS passthrough listener accepting TLSRoutes from the service's namespace only; no certificate",
			tls:    v1alpha1.TLSPassthrough,
			want:   set("platform-gateway", "gateway-system", tls),
		},
		"platform gateway": {
			reason:   "the parent is the Platform's Gateway, and the set lives in its namespace (allowedListeners: Same)",
			platform: func(s *v1alpha1.PlatformSpec) { s.Gateway.Name, s.Gateway.Namespace = "edge-gw", "edge" },
			want:     set("edge-gw", "edge", https),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/web", withPorts(map[string]int32{"http": 8080}), withIngress(v1alpha1.IngressSpec{Hostname: "web.example.com", TLS: tc.tls}))
			out, errs := Edge(input(t, meshPlatform(tc.platform), "shop/web", s))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if d := diff(tc.want, one[*gwv1.ListenerSet](t, out)); d != "" {
				t.Errorf("%s\nListenerSet (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
