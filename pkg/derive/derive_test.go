package derive

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestPrincipal(t *testing.T) {
	if got, want := Principal("cluster.local", "shop", "api"), "cluster.local/ns/shop/sa/api"; got != want {
		t.Errorf("Principal = %q, want %q (SPIFFE ID without the scheme)", got, want)
	}
}

func TestMeta(t *testing.T) {
	in := input(t, nil, "shop/api", service("shop/api"))
	want := metav1.ObjectMeta{Name: "x", Namespace: "shop", Labels: map[string]string{LabelName: "api", LabelManagedBy: ManagedBy}}
	if d := diff(want, in.Meta("x")); d != "" {
		t.Errorf("an object derived from a service is in its namespace with its name and managed-by labels (-want +got):\n%s", d)
	}
}

// TestServiceDerivesAll: Service is the workload, then the mesh policy, then the
// edge, each sourced from the service; the labels are shared but equal.
func TestServiceDerivesAll(t *testing.T) {
	s := service("shop/web", withPorts(map[string]int32{"http": 8080}), withIngress(v1alpha1.IngressSpec{Hostname: "web.example.com"}))
	out, errs := Service(input(t, nil, "shop/web", s))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, d := range out {
		got = append(got, fmt.Sprintf("%s %s/%s", kindOf(d.Object), d.Object.GetNamespace(), d.Object.GetName()))
	}
	want := []string{
		"ServiceAccount shop/web",
		"Deployment shop/web",
		"Service shop/web",
		"AuthorizationPolicy shop/allow-to-" + Hash("shop", "web"),
		"Certificate gateway-system/shop-web-tls",
		"ListenerSet gateway-system/shop-web",
		"HTTPRoute shop/web",
	}
	if d := diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
