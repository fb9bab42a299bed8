package derive

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/kinds"
)

// TestSharedMesh checks which namespace-level objects exist when.
func TestSharedMesh(t *testing.T) {
	in := v1alpha1.Resource{Direction: v1alpha1.DirectionInbound, Rules: []v1alpha1.L7Rule{{Methods: []string{"GET"}}}}
	out := v1alpha1.Resource{Direction: v1alpha1.DirectionOutbound}
	stripe := v1alpha1.Resource{Type: v1alpha1.ResourceExternalService, Params: &v1alpha1.ResourceParams{Endpoints: map[string]string{"a": "https://api.stripe.com"}}}
	cases := map[string]struct {
		reason     string
		platform   func(*v1alpha1.PlatformSpec)
		namespaces map[string]bool
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
			reason:     "an external endpoint comes with the waypoint (its ServiceEntry is the service's own)",
			namespaces: map[string]bool{"p": true},
			services:   []*v1alpha1.LatticeService{meshService("p/api", nil, map[string]v1alpha1.Resource{"stripe": stripe})},
			want:       []string{"Gateway p/p-waypoint", "AuthorizationPolicy p/allow-to-waypoint"},
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
			for _, d := range sharedMesh(SharedInput{Platform: meshPlatform(tc.platform), Graph: g, Namespaces: tc.namespaces}) {
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
