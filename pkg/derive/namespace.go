package derive

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lattice-dev/lattice/pkg/graph"
)

// Namespace enrollment: ztunnel captures a pod's traffic only when its
// namespace is labelled istio.io/dataplane-mode: ambient. Outside the mesh
// a pod has no identity and no policy protects it, so every namespace that
// holds a service must be enrolled. A Namespace in the input is labelled by
// the renderer (see Enrollment); a missing one is emitted when the platform
// manages namespaces and is a warning otherwise (checkMesh).

// Enrollment is the label every namespace holding a service must carry.
func Enrollment() (key, value string) { return LabelDataplaneMode, DataplaneAmbient }

// MeshNamespaces lists the namespaces that hold services, sorted.
func MeshNamespaces(g *graph.Graph) []string {
	var out []string
	for _, n := range g.Nodes() {
		if len(out) == 0 || out[len(out)-1] != n.Ref.Namespace {
			out = append(out, n.Ref.Namespace)
		}
	}
	return out
}

// namespace emits the enrolled Namespace ns when the platform manages
// namespaces and the input does not have it.
func namespace(in SharedInput, ns string, nodes []*graph.Node) []Derived {
	if in.Namespaces[ns] || !in.Platform.Spec.Mesh.ManageNamespaces {
		return nil
	}
	labels := map[string]string{LabelManagedBy: ManagedBy, LabelDataplaneMode: DataplaneAmbient}
	obj := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels},
	}
	var sources []string
	for _, n := range nodes {
		sources = append(sources, n.Ref.String())
	}
	return []Derived{{Object: obj, Sources: sources, Owner: "Platform spec.mesh.manageNamespaces", Reason: "Platform spec.mesh.manageNamespaces"}}
}
