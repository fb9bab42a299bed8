package derive

import (
	"testing"

	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

func TestWaypoint(t *testing.T) {
	gw := &gwv1.Gateway{
		TypeMeta: metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "Gateway"},
		ObjectMeta: metav1.ObjectMeta{Name: "shop-waypoint", Namespace: "shop",
			Labels: map[string]string{LabelName: "shop-waypoint", LabelManagedBy: ManagedBy, "istio.io/waypoint-for": "service"}},
		Spec: gwv1.GatewaySpec{GatewayClassName: "istio-waypoint", Listeners: []gwv1.Listener{{Name: "mesh", Port: 15008, Protocol: "HBONE"}}},
	}
	allow := &istiosecurityv1.AuthorizationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "allow-to-waypoint", Namespace: "shop", Labels: Labels("allow-to-waypoint")},
	}
	allow.Spec.Selector = &typev1beta1.WorkloadSelector{MatchLabels: map[string]string{"gateway.networking.k8s.io/gateway-name": "shop-waypoint"}}
	allow.Spec.Action = securityv1.AuthorizationPolicy_ALLOW
	allow.Spec.Rules = []*securityv1.Rule{{To: []*securityv1.Rule_To{{Operation: &securityv1.Operation{Ports: []string{"15008"}}}}}}

	t.Run("objects", func(t *testing.T) {
		want := []Derived{
			{Object: gw, Sources: []string{"shop/api"}, Owner: "Namespace shop", Reason: "spec.workload.resources"},
			{Object: allow, Sources: []string{"shop/api"}, Owner: "Namespace shop", Reason: "spec.workload.resources"},
		}
		if d := diff(want, waypoint("shop", []string{"shop/api"})); d != "" {
			t.Errorf("the namespace waypoint (class istio-waypoint, HBONE 15008) and the policy letting any identity reach it on 15008 (-want +got):\n%s", d)
		}
	})

	out := v1alpha1.Resource{Direction: v1alpha1.DirectionOutbound}
	http := map[string]int32{"http": 8080}
	cases := map[string]struct {
		reason   string
		services []*v1alpha1.LatticeService
		users    []string // sources of the waypoint; nil: no waypoint
	}{
		"l7 callee": {
			reason: "a callee with L7 rules on an active edge needs the waypoint",
			services: []*v1alpha1.LatticeService{
				meshService("shop/api", http, map[string]v1alpha1.Resource{"web": {Direction: v1alpha1.DirectionInbound, Rules: []v1alpha1.L7Rule{{Methods: []string{"GET"}}}}}),
				meshService("shop/web", nil, map[string]v1alpha1.Resource{"api": out}),
			},
			users: []string{"shop/api"},
		},
		"external endpoint": {
			reason: "a service with an external endpoint routes it through the waypoint",
			services: []*v1alpha1.LatticeService{meshService("shop/pay", nil, map[string]v1alpha1.Resource{"stripe": {
				Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: map[string]string{"api": "https://api.stripe.com"}}}})},
			users: []string{"shop/pay"},
		},
		"l4 only": {
			reason: "L4 agreements are enforced by ztunnel: no waypoint",
			services: []*v1alpha1.LatticeService{
				meshService("shop/api", http, map[string]v1alpha1.Resource{"web": {Direction: v1alpha1.DirectionInbound}}),
				meshService("shop/web", nil, map[string]v1alpha1.Resource{"api": out}),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ofKind[*gwv1.Gateway](Shared(SharedInput{Platform: meshPlatform(nil), Graph: graph.Build(tc.services), Namespaces: map[string]bool{"shop": true}}))
			var want []*gwv1.Gateway
			if tc.users != nil {
				want = []*gwv1.Gateway{gw}
			}
			if d := diff(want, got); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
