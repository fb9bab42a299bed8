package derive

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

func TestNamespace(t *testing.T) {
	enrolled := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{LabelManagedBy: ManagedBy, "istio.io/dataplane-mode": "ambient"}},
	}
	cases := map[string]struct {
		reason  string
		manage  bool
		inInput bool
		want    []Derived
	}{
		"managed": {
			reason: "a namespace holding services, missing from the input, is emitted enrolled in ambient when the platform manages namespaces",
			manage: true,
			want:   []Derived{{Object: enrolled, Sources: []string{"shop/a", "shop/b"}, Owner: "Platform spec.mesh.manageNamespaces", Reason: "Platform spec.mesh.manageNamespaces"}},
		},
		"in the input": {
			reason:  "a Namespace in the input is labelled by the renderer, not emitted again",
			manage:  true,
			inInput: true,
		},
		"not managed": {
			reason: "without manageNamespaces nothing is emitted (checkMesh warns instead)",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := graph.Build([]*v1alpha1.LatticeService{meshService("shop/a", nil, nil), meshService("shop/b", nil, nil)})
			p := meshPlatform(func(s *v1alpha1.PlatformSpec) { s.Mesh.ManageNamespaces = tc.manage })
			in := SharedInput{Platform: p, Graph: g, Namespaces: map[string]bool{"shop": tc.inInput}}
			if d := diff(tc.want, namespace(in, "shop", g.Nodes())); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestMeshNamespaces(t *testing.T) {
	g := graph.Build([]*v1alpha1.LatticeService{meshService("b/x", nil, nil), meshService("a/y", nil, nil), meshService("b/z", nil, nil)})
	if d := diff([]string{"a", "b"}, MeshNamespaces(g)); d != "" {
		t.Errorf("namespaces holding services, sorted and distinct (-want +got):\n%s", d)
	}
}
