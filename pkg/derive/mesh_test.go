package derive

import (
	"slices"
	"strings"
	"testing"

	networkingv1 "istio.io/api/networking/v1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/kinds"
)

func meshService(ref string, ports map[string]int32, res map[string]v1alpha1.Resource) *v1alpha1.LatticeService {
	ns, name, _ := strings.Cut(ref, "/")
	s := &v1alpha1.LatticeService{}
	s.Name, s.Namespace = name, ns
	s.Spec.Workload.Resources = res
	if len(ports) > 0 {
		s.Spec.Workload.Service = &v1alpha1.ServiceSpec{Ports: map[string]v1alpha1.ServicePort{}}
		for n, p := range ports {
			s.Spec.Workload.Service.Ports[n] = v1alpha1.ServicePort{Port: p}
		}
	}
	v1alpha1.DefaultService(s)
	return s
}

func meshPlatform(mut func(*v1alpha1.PlatformSpec)) *v1alpha1.Platform {
	p := &v1alpha1.Platform{}
	if mut != nil {
		mut(&p.Spec)
	}
	v1alpha1.DefaultPlatform(p)
	return p
}

// policies derives Mesh for ref and indexes the AuthorizationPolicies by
// name prefix (allow-to, allow-wp-to, allow-l7-to, allow-fqdn).
func policies(t *testing.T, p *v1alpha1.Platform, ref string, services ...*v1alpha1.LatticeService) map[string]*istiosecurityv1.AuthorizationPolicy {
	t.Helper()
	g := graph.Build(services)
	ns, name, _ := strings.Cut(ref, "/")
	n := g.Node(graph.Ref{Namespace: ns, Name: name})
	out, errs := Mesh(Input{Service: n.Service, Platform: p, Graph: g})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	aps := map[string]*istiosecurityv1.AuthorizationPolicy{}
	for _, d := range out {
		ap := d.Object.(*istiosecurityv1.AuthorizationPolicy)
		prefix := ap.Name[:strings.LastIndex(ap.Name, "-")]
		aps[prefix] = ap
	}
	return aps
}

// admitted flattens a policy into "principal@ports" and "principal:methods:paths".
func admitted(ap *istiosecurityv1.AuthorizationPolicy) []string {
	if ap == nil {
		return nil
	}
	var out []string
	for _, r := range ap.Spec.Rules {
		for _, f := range r.From {
			for _, p := range f.Source.Principals {
				if len(r.To) == 0 {
					out = append(out, p+":*")
				}
				for _, to := range r.To {
					op := to.Operation
					switch {
					case len(op.Ports) > 0:
						out = append(out, p+"@"+strings.Join(op.Ports, ","))
					default:
						out = append(out, p+":"+strings.Join(op.Methods, ",")+":"+strings.Join(op.Paths, ","))
					}
				}
			}
		}
	}
	return out
}

func TestInboundPolicies(t *testing.T) {
	in := func(rules ...v1alpha1.L7Rule) v1alpha1.Resource {
		return v1alpha1.Resource{Direction: v1alpha1.DirectionInbound, Rules: rules}
	}
	out := v1alpha1.Resource{Direction: v1alpha1.DirectionOutbound}
	get := v1alpha1.L7Rule{Methods: []string{"GET"}, Paths: []string{"/a/*"}}
	http := map[string]int32{"http": 8080}
	cases := map[string]struct {
		reason   string
		platform func(*v1alpha1.PlatformSpec)
		services []*v1alpha1.LatticeService
		want     map[string][]string // policy prefix -> admitted
	}{
		"no callers": {
			reason:   "without an active edge the service gets an allow-nothing policy: default-deny without the baseline",
			services: []*v1alpha1.LatticeService{meshService("p/api", http, map[string]v1alpha1.Resource{"gw": in()}), meshService("p/gw", nil, nil)},
			want:     map[string][]string{"allow-to": nil},
		},
		"sorted principals": {
			reason: "principals are sorted as strings (p-x sorts before p/), not as refs",
			services: []*v1alpha1.LatticeService{
				meshService("p/api", http, map[string]v1alpha1.Resource{"a": in(), "b": {Direction: v1alpha1.DirectionInbound, Namespace: "p-x"}}),
				meshService("p/a", nil, map[string]v1alpha1.Resource{"api": out}),
				meshService("p-x/b", nil, map[string]v1alpha1.Resource{"api": {Direction: v1alpha1.DirectionOutbound, Namespace: "p"}}),
			},
			want: map[string][]string{"allow-to": {"cluster.local/ns/p-x/sa/b@8080", "cluster.local/ns/p/sa/a@8080"}},
		},
		"trust domain": {
			reason:   "principals use Platform spec.cluster.trustDomain",
			platform: func(s *v1alpha1.PlatformSpec) { s.Cluster.TrustDomain = "lattice.example" },
			services: []*v1alpha1.LatticeService{meshService("p/api", http, map[string]v1alpha1.Resource{"gw": in()}), meshService("p/gw", nil, map[string]v1alpha1.Resource{"api": out})},
			want:     map[string][]string{"allow-to": {"lattice.example/ns/p/sa/gw@8080"}},
		},
		"target ports": {
			reason: "ztunnel sees container ports: target ports in port-name order, deduplicated",
			services: []*v1alpha1.LatticeService{
				func() *v1alpha1.LatticeService {
					s := meshService("p/api", map[string]int32{"web": 80, "alt": 81, "grpc": 9090}, map[string]v1alpha1.Resource{"gw": in()})
					s.Spec.Workload.Service.Ports["web"] = v1alpha1.ServicePort{Port: 80, TargetPort: ptr(int32(8080)), Protocol: "TCP"}
					s.Spec.Workload.Service.Ports["alt"] = v1alpha1.ServicePort{Port: 81, TargetPort: ptr(int32(8080)), Protocol: "TCP"}
					return s
				}(),
				meshService("p/gw", nil, map[string]v1alpha1.Resource{"api": out}),
			},
			want: map[string][]string{"allow-to": {"cluster.local/ns/p/sa/gw@8080,9090"}},
		},
		"l7 callers leave ztunnel": {
			reason: "a restricted caller admitted at L4 could skip the waypoint by dialling a pod IP",
			services: []*v1alpha1.LatticeService{
				meshService("p/api", http, map[string]v1alpha1.Resource{"ro": in(get), "rw": in()}),
				meshService("p/ro", nil, map[string]v1alpha1.Resource{"api": out}),
				meshService("p/rw", nil, map[string]v1alpha1.Resource{"api": out}),
			},
			want: map[string][]string{
				"allow-to":    {"cluster.local/ns/p/sa/rw@8080"},
				"allow-wp-to": {"cluster.local/ns/p/sa/p-waypoint@8080"},
				"allow-l7-to": {"cluster.local/ns/p/sa/ro:GET:/a/*", "cluster.local/ns/p/sa/rw:*"},
			},
		},
		"only l7 callers": {
			reason: "with every caller restricted, ztunnel admits only the waypoint",
			services: []*v1alpha1.LatticeService{
				meshService("p/api", http, map[string]v1alpha1.Resource{"ro": in(get)}),
				meshService("p/ro", nil, map[string]v1alpha1.Resource{"api": out}),
			},
			want: map[string][]string{
				"allow-to":    nil,
				"allow-wp-to": {"cluster.local/ns/p/sa/p-waypoint@8080"},
				"allow-l7-to": {"cluster.local/ns/p/sa/ro:GET:/a/*"},
			},
		},
		"inactive l7 rule": {
			reason: "rules on a caller that never calls need no waypoint",
			services: []*v1alpha1.LatticeService{
				meshService("p/api", http, map[string]v1alpha1.Resource{"ro": in(get)}),
				meshService("p/ro", nil, nil),
			},
			want: map[string][]string{"allow-to": nil},
		},
		"ingress gateway": {
			reason: "the platform gateway is admitted only on the ports the ingress routes to",
			services: []*v1alpha1.LatticeService{
				func() *v1alpha1.LatticeService {
					s := meshService("p/api", map[string]int32{"http": 8080, "admin": 9090}, nil)
					s.Spec.Ingress = &v1alpha1.IngressSpec{Hostname: "api.example.com", Paths: []v1alpha1.IngressPath{{Path: "/", Port: intstrName("http")}}}
					v1alpha1.DefaultService(s)
					return s
				}(),
			},
			want: map[string][]string{"allow-to": {"cluster.local/ns/gateway-system/sa/platform-gateway-istio@8080"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			aps := policies(t, meshPlatform(tc.platform), "p/api", tc.services...)
			var got []string
			for prefix := range aps {
				got = append(got, prefix)
			}
			var want []string
			for prefix := range tc.want {
				want = append(want, prefix)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%s\npolicies: got %q, want %q", tc.reason, got, want)
			}
			for prefix, w := range tc.want {
				if g := admitted(aps[prefix]); !slices.Equal(g, w) {
					t.Errorf("%s\n%s admits %q, want %q", tc.reason, prefix, g, w)
				}
			}
			if l7 := aps["allow-l7-to"]; l7 != nil {
				if ref := l7.Spec.TargetRefs[0]; ref.Group != "" || ref.Kind != "Service" || ref.Name != "api" || l7.Spec.Selector != nil {
					t.Errorf("allow-l7-to must target Service api only, got %v", l7.Spec.TargetRefs)
				}
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
			g := graph.Build([]*v1alpha1.LatticeService{s})
			var se *istionetworkingv1.ServiceEntry
			for _, d := range egressObjects(Input{Service: s, Platform: meshPlatform(nil), Graph: g}) {
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
			if !strings.HasPrefix(se.Name, "api-egress-") {
				t.Errorf("%s: entry %s is not named after its service", tc.reason, se.Name)
			}
			if spec.Location != networkingv1.ServiceEntry_MESH_EXTERNAL || !slices.Equal(spec.ExportTo, []string{"."}) || se.Labels[LabelUseWaypoint] != "p-waypoint" {
				t.Errorf("%s: entry must be MESH_EXTERNAL, namespace-local and routed through p-waypoint: %v %v %v", tc.reason, spec.Location, spec.ExportTo, se.Labels)
			}
		})
	}
}

// TestSharedMesh checks which namespace-level objects exist when.
func TestSharedMesh(t *testing.T) {
	in := v1alpha1.Resource{Direction: v1alpha1.DirectionInbound, Rules: []v1alpha1.L7Rule{{Methods: []string{"GET"}}}}
	out := v1alpha1.Resource{Direction: v1alpha1.DirectionOutbound}
	stripe := v1alpha1.Resource{Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: map[string]string{"a": "https://api.stripe.com"}}}
	cases := map[string]struct {
		reason     string
		platform   func(*v1alpha1.PlatformSpec)
		namespaces map[string]bool
		waypoints  map[string]bool
		services   []*v1alpha1.LatticeService
		want       []string
	}{
		"plain": {
			reason:     "L4 agreements need nothing shared",
			namespaces: map[string]bool{"p": true},
			services:   []*v1alpha1.LatticeService{meshService("p/api", map[string]int32{"http": 80}, map[string]v1alpha1.Resource{"gw": {Direction: v1alpha1.DirectionInbound}}), meshService("p/gw", nil, map[string]v1alpha1.Resource{"api": out})},
		},
		"l7": {
			reason:     "an L7 rule comes with its waypoint",
			namespaces: map[string]bool{"p": true},
			services:   []*v1alpha1.LatticeService{meshService("p/api", map[string]int32{"http": 80}, map[string]v1alpha1.Resource{"gw": in}), meshService("p/gw", nil, map[string]v1alpha1.Resource{"api": out})},
			want:       []string{"Gateway p/p-waypoint", "AuthorizationPolicy p/allow-to-waypoint"},
		},
		"egress": {
			reason:     "an external endpoint comes with the waypoint (its entry is the service's own)",
			namespaces: map[string]bool{"p": true},
			services:   []*v1alpha1.LatticeService{meshService("p/api", nil, map[string]v1alpha1.Resource{"stripe": stripe})},
			want:       []string{"Gateway p/p-waypoint", "AuthorizationPolicy p/allow-to-waypoint"},
		},
		"namespace of another render": {
			reason:   "the waypoint belongs to the render that holds the Namespace: one owner per namespace-level object",
			services: []*v1alpha1.LatticeService{meshService("p/api", nil, map[string]v1alpha1.Resource{"stripe": stripe})},
		},
		"waypoint asked for": {
			reason:     "a Namespace annotated lattice.dev/waypoint gets its waypoint from the render that holds it, for other renders' services",
			namespaces: map[string]bool{"p": true, "q": true},
			waypoints:  map[string]bool{"q": true},
			services:   []*v1alpha1.LatticeService{meshService("p/api", nil, nil)},
			want:       []string{"Gateway q/q-waypoint", "AuthorizationPolicy q/allow-to-waypoint"},
		},
		"baseline and namespaces": {
			reason: "the baseline lands in the root namespace; an absent namespace is emitted when managed",
			platform: func(s *v1alpha1.PlatformSpec) {
				s.Mesh.Baseline, s.Mesh.ManageNamespaces, s.Mesh.RootNamespace = true, true, "mesh-root"
			},
			namespaces: map[string]bool{"p": true},
			services:   []*v1alpha1.LatticeService{meshService("p/api", nil, nil), meshService("q/api", nil, nil)},
			want:       []string{"PeerAuthentication mesh-root/default", "AuthorizationPolicy mesh-root/mesh-default-deny", "AuthorizationPolicy mesh-root/waypoint-default-deny", "Namespace /q"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := graph.Build(tc.services)
			var got []string
			for _, d := range sharedMesh(SharedInput{Platform: meshPlatform(tc.platform), Graph: g, Namespaces: tc.namespaces, Waypoints: tc.waypoints}) {
				k, _ := kinds.Of(d.Object) // TypeMeta is set by Shared, not the deriver
				got = append(got, k.Kind+" "+d.Object.GetNamespace()+"/"+d.Object.GetName())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\ngot  %q\nwant %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestCheckMesh(t *testing.T) {
	cases := map[string]struct {
		reason     string
		namespaces map[string]bool
		services   []*v1alpha1.LatticeService
		want       []string // "source field warning?"
	}{
		"waypoint identity": {
			reason:     "a service named <ns>-waypoint would be trusted as the waypoint",
			namespaces: map[string]bool{"p": true},
			services:   []*v1alpha1.LatticeService{meshService("p/p-waypoint", nil, nil)},
			want:       []string{"p/p-waypoint metadata.name error"},
		},
		"gateway identity": {
			reason:     "a service named like the platform gateway's account in its namespace would be admitted by every ingress service",
			namespaces: map[string]bool{"gateway-system": true},
			services:   []*v1alpha1.LatticeService{meshService("gateway-system/platform-gateway-istio", nil, nil)},
			want:       []string{"gateway-system/platform-gateway-istio metadata.name error"},
		},
		"absent namespace": {
			reason:   "an absent namespace cannot be enrolled: one warning per namespace",
			services: []*v1alpha1.LatticeService{meshService("p/a", nil, nil), meshService("p/b", nil, nil)},
			want:     []string{"p/a metadata.namespace warning"},
		},
		"absent namespace with a waypoint user": {
			reason: "a service needing the waypoint of a namespace this render does not hold is told who emits it",
			services: []*v1alpha1.LatticeService{meshService("p/a", nil, nil), meshService("p/b", nil, map[string]v1alpha1.Resource{
				"ext": {Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: map[string]string{"a": "https://api.stripe.com"}}}})},
			want: []string{"p/a metadata.namespace warning", "p/b metadata.namespace warning"},
		},
		"udp": {
			reason:     "ztunnel does not carry UDP",
			namespaces: map[string]bool{"p": true},
			services: []*v1alpha1.LatticeService{func() *v1alpha1.LatticeService {
				s := meshService("p/dns", map[string]int32{"dns": 53}, nil)
				s.Spec.Workload.Service.Ports["dns"] = v1alpha1.ServicePort{Port: 53, Protocol: "UDP"}
				return s
			}()},
			want: []string{"p/dns spec.workload.service.ports[dns].protocol warning"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, p := range checkMesh(SharedInput{Platform: meshPlatform(nil), Graph: graph.Build(tc.services), Namespaces: tc.namespaces}) {
				sev := "error"
				if p.Warning {
					sev = "warning"
				}
				got = append(got, p.Source+" "+p.Field+" "+sev)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\ngot  %q\nwant %q", tc.reason, got, tc.want)
			}
		})
	}
}

func intstrName(name string) intstr.IntOrString { return intstr.FromString(name) }
