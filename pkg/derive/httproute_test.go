package derive

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestHTTPRoute(t *testing.T) {
	rule := func(path string, port int32) gwv1.HTTPRouteRule {
		return gwv1.HTTPRouteRule{
			Matches:     []gwv1.HTTPRouteMatch{{Path: &gwv1.HTTPPathMatch{Type: ptr(gwv1.PathMatchPathPrefix), Value: ptr(path)}}},
			BackendRefs: []gwv1.HTTPBackendRef{{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{Name: "web", Port: ptr(gwv1.PortNumber(port))}}}},
		}
	}
	route := func(rules ...gwv1.HTTPRouteRule) *gwv1.HTTPRoute {
		return &gwv1.HTTPRoute{
			TypeMeta: metav1.TypeMeta{APIVersion: "gateway.networking.k8s.io/v1", Kind: "HTTPRoute"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: Labels("web"),
				Annotations: map[string]string{AnnotationWave: WaveRoute}},
			Spec: gwv1.HTTPRouteSpec{
				CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{
					{Name: "platform-gateway", Namespace: ptr(gwv1.Namespace("gateway-system")), SectionName: ptr(gwv1.SectionName(v1alpha1.DefaultGatewaySection))},
					{Group: ptr(gwv1.Group("gateway.networking.k8s.io")), Kind: ptr(gwv1.Kind("ListenerSet")),
						Name: "shop-web", Namespace: ptr(gwv1.Namespace("gateway-system")), SectionName: ptr(gwv1.SectionName("https"))},
				}},
				Hostnames: []gwv1.Hostname{"web.example.com"},
				Rules:     rules,
			},
		}
	}
	cases := map[string]struct {
		reason string
		ports  map[string]int32
		paths  []v1alpha1.IngressPath
		want   *gwv1.HTTPRoute
		errs   field.ErrorList
	}{
		"default path": {
			reason: "no paths: one PathPrefix / rule to the only port; parents are the Gateway's own HTTPS listener (Platform spec.gateway.sectionName: never its plain-HTTP one; also what external-dns follows) and the ListenerSet's https listener (GEP-1713)",
			ports:  map[string]int32{"http": 8080},
			want:   route(rule("/", 8080)),
		},
		"paths by name and number": {
			reason: "each path is one rule, in declared order, its port resolved by name or number to the Service port",
			ports:  map[string]int32{"http": 80, "grpc": 9090},
			paths: []v1alpha1.IngressPath{
				{Path: "/api", Port: intstr.FromString("grpc")},
				{Path: "/", Port: intstr.FromInt32(80)},
			},
			want: route(rule("/api", 9090), rule("/", 80)),
		},
		"unknown port": {
			reason: "a path to a port the service does not have is an error with its field path, and nothing is derived",
			ports:  map[string]int32{"http": 80, "grpc": 9090},
			paths:  []v1alpha1.IngressPath{{Path: "/", Port: intstr.FromString("admin")}},
			errs: field.ErrorList{field.Invalid(field.NewPath("spec", "ingress", "paths").Index(0).Child("port"), "admin",
				"not a port of this service; use one of its workload.service.ports")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/web", withPorts(tc.ports), withIngress(v1alpha1.IngressSpec{Hostname: "web.example.com", Paths: tc.paths}))
			out, errs := Edge(input(t, nil, "shop/web", s))
			if d := diff(tc.errs, errs); d != "" {
				t.Errorf("%s\nerrors (-want +got):\n%s", tc.reason, d)
			}
			if d := diff(tc.want, one[*gwv1.HTTPRoute](t, out)); d != "" {
				t.Errorf("%s\nHTTPRoute (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
