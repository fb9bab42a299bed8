package derive

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/testing/protocmp"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// Fixtures and comparison helpers shared by the deriver tests.

// meshService is a defaulted LatticeService ns/name with ports (name →
// port) and resources, and no containers: enough for the mesh derivers.
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

// meshPlatform is a defaulted Platform after mut.
func meshPlatform(mut func(*v1alpha1.PlatformSpec)) *v1alpha1.Platform {
	p := &v1alpha1.Platform{}
	if mut != nil {
		mut(&p.Spec)
	}
	v1alpha1.DefaultPlatform(p)
	return p
}

// service is a defaulted LatticeService ns/name with one container "main"
// (image app@sha256:0…, limits 100m/64Mi) and the given edits applied
// before defaulting.
func service(ref string, edits ...func(*v1alpha1.LatticeService)) *v1alpha1.LatticeService {
	ns, name, _ := strings.Cut(ref, "/")
	s := &v1alpha1.LatticeService{}
	s.Name, s.Namespace = name, ns
	s.Spec.Workload.Containers = map[string]v1alpha1.Container{"main": {
		Image: "registry.example.com/app@sha256:" + strings.Repeat("0", 64),
		Resources: &v1alpha1.ComputeResources{Limits: &v1alpha1.ResourceAmounts{
			CPU: ptr(resource.MustParse("100m")), Memory: ptr(resource.MustParse("64Mi")),
		}},
	}}
	for _, e := range edits {
		e(s)
	}
	v1alpha1.DefaultService(s)
	return s
}

// withPorts sets the Service ports (name → port).
func withPorts(ports map[string]int32) func(*v1alpha1.LatticeService) {
	return func(s *v1alpha1.LatticeService) {
		s.Spec.Workload.Service = &v1alpha1.ServiceSpec{Ports: map[string]v1alpha1.ServicePort{}}
		for n, p := range ports {
			s.Spec.Workload.Service.Ports[n] = v1alpha1.ServicePort{Port: p}
		}
	}
}

// withResources sets spec.workload.resources.
func withResources(res map[string]v1alpha1.Resource) func(*v1alpha1.LatticeService) {
	return func(s *v1alpha1.LatticeService) { s.Spec.Workload.Resources = res }
}

// withIngress sets spec.ingress.
func withIngress(ing v1alpha1.IngressSpec) func(*v1alpha1.LatticeService) {
	return func(s *v1alpha1.LatticeService) { s.Spec.Ingress = &ing }
}

// input is the Input of the service ref among services, on platform p
// (nil: the defaulted empty Platform).
func input(t *testing.T, p *v1alpha1.Platform, ref string, services ...*v1alpha1.LatticeService) Input {
	t.Helper()
	if p == nil {
		p = meshPlatform(nil)
	}
	g := graph.Build(services)
	ns, name, _ := strings.Cut(ref, "/")
	n := g.Node(graph.Ref{Namespace: ns, Name: name})
	if n == nil {
		t.Fatalf("no service %s among the fixtures", ref)
	}
	return Input{Service: n.Service, Platform: p, Graph: g}
}

// ofKind returns the derived objects of type T, in output order.
func ofKind[T Object](out []Derived) []T {
	var objs []T
	for _, d := range out {
		if o, ok := d.Object.(T); ok {
			objs = append(objs, o)
		}
	}
	return objs
}

// one returns the only derived object of type T, or nil when there is none
// (more than one fails the test).
func one[T Object](t *testing.T, out []Derived) T {
	t.Helper()
	objs := ofKind[T](out)
	var zero T
	switch len(objs) {
	case 0:
		return zero
	case 1:
		return objs[0]
	}
	t.Fatalf("%d objects of type %T, want at most one", len(objs), zero)
	return zero
}

// diff is cmp.Diff for derived objects: Istio's specs are protobuf
// messages, which protocmp compares by content. TypeMeta is ignored:
// derivers leave it to the kinds registry (pkg/kinds), which sets it in
// one place after deriving.
func diff(want, got any) string {
	return cmp.Diff(want, got, protocmp.Transform(), cmpopts.IgnoreTypes(metav1.TypeMeta{}))
}

// kindOf is the object's kind, from its Go type (TypeMeta is not set yet).
func kindOf(o Object) string {
	return reflect.TypeOf(o).Elem().Name()
}
