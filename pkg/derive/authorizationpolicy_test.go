package derive

import (
	"slices"
	"strings"
	"testing"

	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

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

// TestInboundPolicyObjects pins the whole objects for one callee with a
// plain caller, an L7-restricted caller and an ingress.
func TestInboundPolicyObjects(t *testing.T) {
	h := Hash("shop", "api")
	ap := func(name string) *istiosecurityv1.AuthorizationPolicy {
		return &istiosecurityv1.AuthorizationPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: Labels("api")},
		}
	}
	from := func(principals ...string) []*securityv1.Rule_From {
		return []*securityv1.Rule_From{{Source: &securityv1.Source{Principals: principals}}}
	}
	ports := func(ps ...string) []*securityv1.Rule_To {
		return []*securityv1.Rule_To{{Operation: &securityv1.Operation{Ports: ps}}}
	}
	allowTo := ap("allow-to-" + h)
	allowTo.Spec.Selector = &typev1beta1.WorkloadSelector{MatchLabels: Selector("api")}
	allowTo.Spec.Rules = []*securityv1.Rule{
		{From: from("cluster.local/ns/shop/sa/batch"), To: ports("8080")},
		{From: from("cluster.local/ns/gateway-system/sa/platform-gateway-istio"), To: ports("8080")},
	}
	allowWP := ap("allow-wp-to-" + h)
	allowWP.Spec.Selector = &typev1beta1.WorkloadSelector{MatchLabels: Selector("api")}
	allowWP.Spec.Rules = []*securityv1.Rule{{From: from("cluster.local/ns/shop/sa/shop-waypoint"), To: ports("8080")}}
	allowL7 := ap("allow-l7-to-" + h)
	allowL7.Spec.TargetRefs = []*typev1beta1.PolicyTargetReference{{Kind: "Service", Name: "api"}}
	allowL7.Spec.Rules = []*securityv1.Rule{
		{From: from("cluster.local/ns/shop/sa/batch")},
		{From: from("cluster.local/ns/shop/sa/web"), To: []*securityv1.Rule_To{{Operation: &securityv1.Operation{Methods: []string{"GET"}, Paths: []string{"/api/*"}}}}},
	}
	want := []Derived{
		{Object: allowTo, Sources: []string{"shop/api"}, Reason: "spec.workload.resources"},
		{Object: allowWP, Sources: []string{"shop/api"}, Reason: "spec.workload.resources"},
		{Object: allowL7, Sources: []string{"shop/api"}, Reason: "spec.workload.resources"},
	}
	out := v1alpha1.Resource{Direction: v1alpha1.DirectionOutbound}
	services := []*v1alpha1.LatticeService{
		service("shop/api", withPorts(map[string]int32{"http": 8080}), withIngress(v1alpha1.IngressSpec{Hostname: "api.example.com"}),
			withResources(map[string]v1alpha1.Resource{
				"web":   {Direction: v1alpha1.DirectionInbound, Rules: []v1alpha1.L7Rule{{Methods: []string{"GET"}, Paths: []string{"/api/*"}}}},
				"batch": {Direction: v1alpha1.DirectionInbound},
			})),
		service("shop/web", withResources(map[string]v1alpha1.Resource{"api": out})),
		service("shop/batch", withResources(map[string]v1alpha1.Resource{"api": out})),
	}
	if d := diff(want, inboundPolicies(input(t, nil, "shop/api", services...))); d != "" {
		t.Errorf("allow-to admits unrestricted callers and the gateway on the target ports (ztunnel); with an L7 caller, allow-wp-to admits the waypoint and allow-l7-to (on the Service, at the waypoint) lists every caller, with its rules (-want +got):\n%s", d)
	}
}
