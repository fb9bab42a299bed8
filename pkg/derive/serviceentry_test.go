package derive

import (
	"slices"
	"testing"

	networkingv1 "istio.io/api/networking/v1"
	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// external is a service of ns/name declaring endpoints (name → URL).
func external(ref string, endpoints map[string]string) *v1alpha1.LatticeService {
	return meshService(ref, nil, map[string]v1alpha1.Resource{"ext": {
		Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: endpoints}}})
}

func TestServiceEntryObjects(t *testing.T) {
	entry := func(host string, spec func(*networkingv1.ServiceEntry), ports ...*networkingv1.ServicePort) *istionetworkingv1.ServiceEntry {
		name := seName("shop", "pay", host)
		se := &istionetworkingv1.ServiceEntry{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop",
				Labels: map[string]string{LabelManagedBy: ManagedBy, "istio.io/use-waypoint": "shop-waypoint"}},
		}
		se.Spec.Hosts = []string{host}
		se.Spec.ExportTo = []string{"."}
		se.Spec.Location = networkingv1.ServiceEntry_MESH_EXTERNAL
		se.Spec.Resolution = networkingv1.ServiceEntry_DNS
		se.Spec.Ports = ports
		if spec != nil {
			spec(&se.Spec)
		}
		return se
	}
	port := func(n uint32, proto, name string) *networkingv1.ServicePort {
		return &networkingv1.ServicePort{Number: n, Protocol: proto, Name: name}
	}
	cases := map[string]struct {
		reason   string
		services []*v1alpha1.LatticeService
		want     []Derived
	}{
		"dns host": {
			reason:   "one entry per service and host (named <svc>-egress-<hash>), exported to its own namespace, through the namespace waypoint, resolved by DNS; https defaults to 443",
			services: []*v1alpha1.LatticeService{external("shop/pay", map[string]string{"a": "https://api.stripe.com"})},
			want: []Derived{{Object: entry("api.stripe.com", nil, port(443, "HTTPS", "https-443")),
				Sources: []string{"shop/pay"}, Reason: "spec.workload.resources"}},
		},
		"wildcard": {
			reason:   "a wildcard host resolves NONE: Istio rejects DNS resolution for it",
			services: []*v1alpha1.LatticeService{external("shop/pay", map[string]string{"a": "https://*.s3.amazonaws.com"})},
			want: []Derived{{Object: entry("*.s3.amazonaws.com", func(s *networkingv1.ServiceEntry) { s.Resolution = networkingv1.ServiceEntry_NONE },
				port(443, "HTTPS", "https-443")), Sources: []string{"shop/pay"}, Reason: "spec.workload.resources"}},
		},
		"ip": {
			reason:   "an IP host gets a synthetic hostname, the address and a static endpoint, so traffic to the IP matches",
			services: []*v1alpha1.LatticeService{external("shop/pay", map[string]string{"db": "tcp://10.1.0.5:5432"})},
			want: []Derived{{Object: entry("10.1.0.5", func(s *networkingv1.ServiceEntry) {
				s.Hosts = []string{"ip-10-1-0-5.svc.external"}
				s.Addresses = []string{"10.1.0.5"}
				s.Endpoints = []*networkingv1.WorkloadEntry{{Address: "10.1.0.5"}}
				s.Resolution = networkingv1.ServiceEntry_STATIC
			}, port(5432, "TCP", "tcp-5432")), Sources: []string{"shop/pay"}, Reason: "spec.workload.resources"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ofKind[*istionetworkingv1.ServiceEntry](egressObjects(input(t, nil, "shop/pay", tc.services...)))
			var want []*istionetworkingv1.ServiceEntry
			for _, d := range tc.want {
				want = append(want, d.Object.(*istionetworkingv1.ServiceEntry))
			}
			if d := diff(want, got); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestEgressPolicies(t *testing.T) {
	policy := func(host string, ports ...string) *istiosecurityv1.AuthorizationPolicy {
		ap := &istiosecurityv1.AuthorizationPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: "allow-fqdn-" + Hash("shop", "pay", host), Namespace: "shop", Labels: Labels("pay")},
		}
		ap.Spec.TargetRefs = []*typev1beta1.PolicyTargetReference{{Group: "networking.istio.io", Kind: "ServiceEntry", Name: seName("shop", "pay", host)}}
		ap.Spec.Action = securityv1.AuthorizationPolicy_ALLOW
		ap.Spec.Rules = []*securityv1.Rule{{
			From: []*securityv1.Rule_From{{Source: &securityv1.Source{Principals: []string{"cluster.local/ns/shop/sa/pay"}}}},
			To:   []*securityv1.Rule_To{{Operation: &securityv1.Operation{Ports: ports}}},
		}}
		return ap
	}
	cases := map[string]struct {
		reason    string
		endpoints map[string]string
		want      []*istiosecurityv1.AuthorizationPolicy
	}{
		"per host": {
			reason:    "one allow-fqdn policy per host, on its ServiceEntry (enforced by the waypoint), admitting only the declaring service on its declared ports",
			endpoints: map[string]string{"a": "https://api.stripe.com", "b": "https://api.stripe.com:8443", "c": "tcp://db.example.com:5432"},
			want:      []*istiosecurityv1.AuthorizationPolicy{policy("api.stripe.com", "443", "8443"), policy("db.example.com", "5432")},
		},
		"none": {
			reason: "a service without external endpoints gets no egress policy",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := meshService("shop/pay", nil, nil)
			if tc.endpoints != nil {
				s = external("shop/pay", tc.endpoints)
			}
			got := ofKind[*istiosecurityv1.AuthorizationPolicy](egressObjects(input(t, nil, "shop/pay", s)))
			if d := diff(tc.want, got); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestServiceEntries(t *testing.T) {
	ext := func(eps ...string) map[string]v1alpha1.Resource {
		m := map[string]string{}
		for i, e := range eps {
			m[string(rune('a'+i))] = e
		}
		return map[string]v1alpha1.Resource{"ext": {Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: m}}}
	}
	cases := map[string]struct {
		reason     string
		endpoint   string
		host       string
		resolution networkingv1.ServiceEntry_Resolution
		addresses  []string
		port       string // name/protocol
	}{
		"fqdn":     {"a DNS name resolves by DNS", "https://api.stripe.com", "api.stripe.com", networkingv1.ServiceEntry_DNS, nil, "https-443/HTTPS"},
		"wildcard": {"Istio rejects DNS resolution for wildcard hosts", "https://*.s3.amazonaws.com", "*.s3.amazonaws.com", networkingv1.ServiceEntry_NONE, nil, "https-443/HTTPS"},
		"ipv4":     {"an IP is STATIC and carries its address so traffic to it matches", "tcp://10.0.0.5:5432", "ip-10-0-0-5.svc.external", networkingv1.ServiceEntry_STATIC, []string{"10.0.0.5"}, "tcp-5432/TCP"},
		"ipv6":     {"IPv6 hosts get a DNS-safe synthetic name", "[2001:db8::5]:6379", "ip-2001-db8--5.svc.external", networkingv1.ServiceEntry_STATIC, []string{"2001:db8::5"}, "tcp-6379/TCP"},
		"http":     {"http keeps HTTP so the waypoint can read it", "http://plain.example.com:8080", "plain.example.com", networkingv1.ServiceEntry_DNS, nil, "http-8080/HTTP"},
		"udp":      {"udp endpoints keep UDP (and are warned about)", "udp://resolver.example.com:53", "resolver.example.com", networkingv1.ServiceEntry_DNS, nil, "udp-53/UDP"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := meshService("p/api", nil, ext(tc.endpoint))
			var se *istionetworkingv1.ServiceEntry
			for _, d := range egressObjects(input(t, nil, "p/api", s)) {
				if e, ok := d.Object.(*istionetworkingv1.ServiceEntry); ok {
					se = e
				}
			}
			if se == nil {
				t.Fatalf("%s: no ServiceEntry", tc.reason)
			}
			spec := &se.Spec
			port := spec.Ports[0].Name + "/" + spec.Ports[0].Protocol
			if spec.Hosts[0] != tc.host || spec.Resolution != tc.resolution || !slices.Equal(spec.Addresses, tc.addresses) || port != tc.port {
				t.Errorf("%s\ngot hosts %v resolution %v addresses %v port %s", tc.reason, spec.Hosts, spec.Resolution, spec.Addresses, port)
			}
			if spec.Location != networkingv1.ServiceEntry_MESH_EXTERNAL || !slices.Equal(spec.ExportTo, []string{"."}) || se.Labels[LabelUseWaypoint] != "p-waypoint" {
				t.Errorf("%s: entry must be MESH_EXTERNAL, namespace-local and routed through p-waypoint: %v %v %v", tc.reason, spec.Location, spec.ExportTo, se.Labels)
			}
		})
	}
}
