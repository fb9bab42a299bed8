// Package derive turns one validated LatticeService, the service graph and
// the Platform into typed Kubernetes objects. Derivers are pure: no I/O, no
// clock, no environment, no map iteration without sorting. Each file is
// named after the kind (or feature) it emits.
package derive

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/kinds"
)

// Label and annotation keys written on derived objects.
const (
	LabelName        = "app.kubernetes.io/name"
	LabelManagedBy   = "app.kubernetes.io/managed-by"
	ManagedBy        = "lattice"
	AnnotationSource = "lattice.dev/derived-from"
	AnnotationReason = "lattice.dev/derived-by"
	AnnotationHash   = "lattice.dev/config-hash"
	AnnotationWave   = "argocd.argoproj.io/sync-wave"
)

// Object is any Kubernetes object with TypeMeta and ObjectMeta; its Go
// type must be listed in pkg/kinds.
type Object = kinds.Object

// Derived is one emitted object and why it exists.
type Derived struct {
	Object Object
	// Sources are the "namespace/name" of the services that produced it;
	// namespace-shared objects (a waypoint) list several, or none.
	Sources []string
	// Owner, for an object that is not one service's (a namespace's
	// waypoint, the cluster baseline), names what owns it instead:
	// "Namespace <ns>", "Platform spec.mesh.baseline". It is the object's
	// lattice.dev/derived-from annotation, which must not grow with the
	// number of services (docs/ownership.md).
	Owner string
	// Reason is the spec field that produced the object, for `lattice explain`.
	Reason string
}

// Input is everything a deriver may look at.
type Input struct {
	Service  *v1alpha1.LatticeService
	Platform *v1alpha1.Platform
	Graph    *graph.Graph
	// Node is the service's node in Graph, when the caller has it at
	// hand; nil: looked up.
	Node *graph.Node
}

// sources is what a service's own objects list as their source.
func (in Input) sources() []string { return []string{in.Source()} }

// labels are Labels(service).
func (in Input) labels() map[string]string { return Labels(in.Service.Name) }

// selector is Selector(service).
func (in Input) selector() map[string]string { return Selector(in.Service.Name) }

// node is the service's graph node.
func (in Input) node() *graph.Node {
	if in.Node != nil {
		return in.Node
	}
	return in.Graph.Node(in.Ref())
}

// Ref is the service's graph ref.
func (in Input) Ref() graph.Ref {
	return graph.Ref{Namespace: in.Service.Namespace, Name: in.Service.Name}
}

// Source is "namespace/name".
func (in Input) Source() string { return in.Service.Namespace + "/" + in.Service.Name }

// Meta is the standard metadata of an object derived from the service.
func (in Input) Meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: in.Service.Namespace,
		Labels:    in.labels(),
	}
}

// Labels are the labels every object derived from service carries.
func Labels(service string) map[string]string {
	return map[string]string{LabelName: service, LabelManagedBy: ManagedBy}
}

// Selector selects the service's pods.
func Selector(service string) map[string]string {
	return map[string]string{LabelName: service}
}

// Service derives every per-service object: the workload, the mesh policy
// it needs as a callee and its edge objects. Namespace- and cluster-shared
// objects come from Shared.
func Service(in Input) ([]Derived, field.ErrorList) {
	out, errs := Workload(in)
	mesh, merrs := Mesh(in)
	edge, eerrs := Edge(in)
	out = append(append(out, mesh...), edge...)
	errs = append(append(errs, merrs...), eerrs...)
	return out, append(errs, setTypeMeta(out)...)
}

// SourceAnnotation is the lattice.dev/derived-from value of d: the one
// service that derived it, or its Owner. Its length never depends on how
// many services share the object.
func SourceAnnotation(d Derived) string {
	if d.Owner != "" || len(d.Sources) == 0 {
		return d.Owner
	}
	if len(d.Sources) == 1 {
		return d.Sources[0]
	}
	return strconv.Itoa(len(d.Sources)) + " services"
}

// RemoteOwner is the Owner of what routes to a service of another cluster
// (stubs, routes): it names that service, not its callers.
func RemoteOwner(to graph.Ref) string { return "remote service " + to.String() }

// NamespaceOwner is the Owner of a namespace's shared objects.
func NamespaceOwner(ns string) string { return "Namespace " + ns }

// Hash is the first 8 hex characters of SHA-256 over parts joined by "/":
// the reference's recipe for names that must be stable and short.
func Hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:4])
}

// DNSLabel shortens s to a valid 63-character label, replacing the tail by
// a hash when it is too long so distinct inputs stay distinct.
func DNSLabel(s string) string {
	s = strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s), "-")
	if len(s) <= 63 {
		return s
	}
	return strings.TrimRight(s[:54], "-") + "-" + Hash(s)
}

// Principal is the Istio principal (SPIFFE ID without the scheme) of a
// service account.
func Principal(trustDomain, namespace, serviceAccount string) string {
	return trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount
}

func ptr[T any](v T) *T { return &v }
