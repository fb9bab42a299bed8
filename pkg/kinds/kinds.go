// Package kinds is the one list of the kinds lattice emits: for each, its
// group, version and kind, its Go type, where it goes in the output and
// where `lattice validate` finds its schema. Everything that must know the
// emitted kinds reads this list:
//
//   - pkg/derive sets every derived object's apiVersion and kind from it,
//     by Go type (derivers never write TypeMeta);
//   - pkg/render orders the output with Rank;
//   - pkg/validate embeds the core schemas of the Core kinds and checks
//     that every kind has a schema;
//   - the tests in this package require that every kind derive returns is
//     listed, that every listed kind encodes through pkg/krm and round-trips,
//     is derived by a golden case, has an embedded schema and a base object
//     in the API-server conformance corpus.
//
// Adding a derived kind: write the deriver, add one line to All, run
// `make golden`; the tests here name anything else that is missing.
// ARCHITECTURE.md walks through it.
package kinds

import (
	"fmt"
	"reflect"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	esv1 "github.com/lattice-dev/lattice/pkg/api/externalsecrets/v1"
)

// Object is a Kubernetes object as the typed core handles it: metadata and
// a settable apiVersion/kind.
type Object interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}

// Schema says where the schema of a kind comes from.
type Schema int

const (
	// Core is a built-in kind: its schema is kube-apiserver's OpenAPI v3,
	// embedded in pkg/validate/schemas/core/<group>_<version>.json by the
	// API-server tier (tests/conformance, coreKinds in schemas_test.go).
	Core Schema = iota + 1
	// CRD is a custom resource: its schema is the upstream module's CRD,
	// embedded in pkg/validate/schemas/crds by TestEmbeddedCRDsInSync
	// (crdSources there lists the modules).
	CRD
)

// Ranks place objects within a namespace in the output: the order in which
// `kubectl apply` of the plain output creates dependencies first
// (namespaces, then definitions, then what pods mount or run as). Every
// other kind comes after, by kind name. CustomResourceDefinition is never
// derived; it is ranked for the input objects passed through.
const (
	RankNamespace = iota
	RankCustomResourceDefinition
	RankServiceAccount
	RankSecret
	RankConfigMap
	RankPersistentVolumeClaim
	RankService
	RankDeployment
	// RankOther is every kind not ranked above.
	RankOther
)

// Kind is one emitted kind.
type Kind struct {
	schema.GroupVersionKind
	// Namespaced is false for cluster-scoped kinds.
	Namespaced bool
	// Rank is the kind's place in the output (the Rank* constants).
	Rank int
	// Schema is where `lattice validate` takes the kind's schema from.
	Schema Schema
	// newObject returns a new empty object of the kind's Go type.
	newObject func() Object
}

// New returns a new empty object of the kind's Go type, TypeMeta set.
func (k Kind) New() Object {
	o := k.newObject()
	o.GetObjectKind().SetGroupVersionKind(k.GroupVersionKind)
	return o
}

// Type is the kind's Go type (a pointer to a struct).
func (k Kind) Type() reflect.Type { return reflect.TypeOf(k.newObject()) }

func kind[T any, P interface {
	*T
	Object
}](group, version, name string, namespaced bool, rank int, s Schema) Kind {
	return Kind{
		GroupVersionKind: schema.GroupVersionKind{Group: group, Version: version, Kind: name},
		Namespaced:       namespaced,
		Rank:             rank,
		Schema:           s,
		newObject:        func() Object { return P(new(T)) },
	}
}

const (
	namespaced = true
	cluster    = false
)

// all is the registry, in no particular order (tests and pkg/validate sort
// what they need). One Go type per kind.
var all = []Kind{
	kind[corev1.Namespace]("", "v1", "Namespace", cluster, RankNamespace, Core),
	kind[corev1.ServiceAccount]("", "v1", "ServiceAccount", namespaced, RankServiceAccount, Core),
	kind[corev1.Secret]("", "v1", "Secret", namespaced, RankSecret, Core),
	kind[corev1.ConfigMap]("", "v1", "ConfigMap", namespaced, RankConfigMap, Core),
	kind[corev1.PersistentVolumeClaim]("", "v1", "PersistentVolumeClaim", namespaced, RankPersistentVolumeClaim, Core),
	kind[corev1.Service]("", "v1", "Service", namespaced, RankService, Core),
	kind[appsv1.Deployment]("apps", "v1", "Deployment", namespaced, RankDeployment, Core),
	kind[policyv1.PodDisruptionBudget]("policy", "v1", "PodDisruptionBudget", namespaced, RankOther, Core),
	kind[autoscalingv2.HorizontalPodAutoscaler]("autoscaling", "v2", "HorizontalPodAutoscaler", namespaced, RankOther, Core),

	kind[istiosecurityv1.AuthorizationPolicy]("security.istio.io", "v1", "AuthorizationPolicy", namespaced, RankOther, CRD),
	kind[istiosecurityv1.PeerAuthentication]("security.istio.io", "v1", "PeerAuthentication", namespaced, RankOther, CRD),
	kind[istiosecurityv1.RequestAuthentication]("security.istio.io", "v1", "RequestAuthentication", namespaced, RankOther, CRD),
	kind[istionetworkingv1.ServiceEntry]("networking.istio.io", "v1", "ServiceEntry", namespaced, RankOther, CRD),
	kind[istionetworkingv1.DestinationRule]("networking.istio.io", "v1", "DestinationRule", namespaced, RankOther, CRD),

	kind[gwv1.Gateway](gwv1.GroupName, "v1", "Gateway", namespaced, RankOther, CRD),
	kind[gwv1.HTTPRoute](gwv1.GroupName, "v1", "HTTPRoute", namespaced, RankOther, CRD),
	kind[gwv1.TLSRoute](gwv1.GroupName, "v1", "TLSRoute", namespaced, RankOther, CRD),
	kind[gwv1.ListenerSet](gwv1.GroupName, "v1", "ListenerSet", namespaced, RankOther, CRD),

	kind[cmv1.Certificate]("cert-manager.io", "v1", "Certificate", namespaced, RankOther, CRD),
	kind[esv1.ExternalSecret]("external-secrets.io", "v1", "ExternalSecret", namespaced, RankOther, CRD),
}

// ranks outside the registry: kinds lattice orders but never derives.
var passthroughRanks = map[string]int{"CustomResourceDefinition": RankCustomResourceDefinition}

var (
	byType = map[reflect.Type]int{}
	byKind = map[string]int{} // kind name -> rank
)

func init() {
	for i, k := range all {
		byType[k.Type()] = i // TestRegistry: no type twice
		byKind[k.Kind] = k.Rank
	}
	for k, r := range passthroughRanks {
		byKind[k] = r
	}
}

// All returns the registry, a copy.
func All() []Kind { return append([]Kind(nil), all...) }

// Of returns the registry entry of obj's Go type.
func Of(obj Object) (Kind, bool) {
	i, ok := byType[reflect.TypeOf(obj)]
	if !ok {
		return Kind{}, false
	}
	return all[i], true
}

// SetTypeMeta sets obj's apiVersion and kind from the registry. It fails
// for a Go type the registry does not list.
func SetTypeMeta(obj Object) error {
	k, ok := Of(obj)
	if !ok {
		return fmt.Errorf("%T is not a kind lattice emits: add it to the registry in pkg/kinds (see ARCHITECTURE.md, \"Adding a derived kind\")", obj)
	}
	obj.GetObjectKind().SetGroupVersionKind(k.GroupVersionKind)
	return nil
}

// Rank is the output rank of any object of the named kind, derived or
// passed through (matched by kind name alone, whatever its group).
func Rank(kind string) int {
	if r, ok := byKind[kind]; ok {
		return r
	}
	return RankOther
}

// CoreKinds are the group/version/kinds of the Core kinds, in registry
// order.
func CoreKinds() []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for _, k := range all {
		if k.Schema == Core {
			out = append(out, k.GroupVersionKind)
		}
	}
	return out
}
