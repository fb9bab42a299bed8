package derive

import (
	"testing"

	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

func TestBaseline(t *testing.T) {
	meta := func(name, ns string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: Labels(name)}
	}
	ap := func(m metav1.ObjectMeta) *istiosecurityv1.AuthorizationPolicy {
		return &istiosecurityv1.AuthorizationPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"}, ObjectMeta: m}
	}
	objects := func(root string) []Object {
		pa := &istiosecurityv1.PeerAuthentication{
			TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication"},
			ObjectMeta: meta("default", root),
		}
		pa.Spec.Mtls = &securityv1.PeerAuthentication_MutualTLS{Mode: securityv1.PeerAuthentication_MutualTLS_STRICT}
		wp := ap(meta("waypoint-default-deny", root))
		wp.Spec.TargetRefs = []*typev1beta1.PolicyTargetReference{{Group: "gateway.networking.k8s.io", Kind: "GatewayClass", Name: "istio-waypoint"}}
		return []Object{pa, ap(meta("mesh-default-deny", root)), wp}
	}
	derived := func(objs []Object, sources ...string) []Derived {
		var out []Derived
		for _, o := range objs {
			out = append(out, Derived{Object: o, Sources: sources, Owner: "Platform spec.mesh.baseline", Reason: "Platform spec.mesh.baseline"})
		}
		return out
	}
	cases := map[string]struct {
		reason   string
		platform func(*v1alpha1.PlatformSpec)
		services []*v1alpha1.LatticeService
		want     []Derived
	}{
		"baseline": {
			reason:   "STRICT mTLS, an allow-nothing policy on every workload and one on every waypoint, in the root namespace, sourced from every service",
			platform: func(s *v1alpha1.PlatformSpec) { s.Mesh.Baseline = true },
			services: []*v1alpha1.LatticeService{meshService("b/y", nil, nil), meshService("a/x", nil, nil)},
			want:     derived(objects("istio-system"), "a/x", "b/y"),
		},
		"root namespace": {
			reason:   "the objects go to Platform spec.mesh.rootNamespace",
			platform: func(s *v1alpha1.PlatformSpec) { s.Mesh.Baseline, s.Mesh.RootNamespace = true, "mesh-root" },
			services: []*v1alpha1.LatticeService{meshService("a/x", nil, nil), meshService("b/y", nil, nil)},
			want:     derived(objects("mesh-root"), "a/x", "b/y"),
		},
		"off": {
			reason:   "without spec.mesh.baseline nothing is emitted",
			services: []*v1alpha1.LatticeService{meshService("a/x", nil, nil)},
		},
		"no services": {
			reason:   "the render with spec.mesh.baseline owns the baseline, services or not",
			platform: func(s *v1alpha1.PlatformSpec) { s.Mesh.Baseline = true },
			want:     derived(objects("istio-system")),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := SharedInput{Platform: meshPlatform(tc.platform), Graph: graph.Build(tc.services)}
			if d := diff(tc.want, baseline(in)); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
