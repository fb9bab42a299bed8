package render

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// A derivation the API server would reject fails the render when the
// Platform sets spec.output.validate, with an error on the source service
// that names the derived object and the field; without the switch nothing
// is checked. (No valid LatticeService derives an invalid object today, so
// the bad Deployment is built by hand.)
func TestValidateOutput(t *testing.T) {
	items, err := krm.ParseStream([]byte(`apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: api, namespace: prod}
spec:
  workload:
    containers:
      main: {image: x}
`), "input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "prod"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "other"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "x"}}},
			},
		},
	}
	derived := []derive.Derived{{Object: bad, Sources: []string{"prod/api"}, Reason: "spec.workload"}}
	bySource := map[string]krm.Item{"prod/api": items[0]}

	for _, on := range []bool{false, true} {
		r := &renderer{platform: &v1alpha1.Platform{}}
		r.platform.Spec.Output.Validate = on
		r.validateOutput(derived, bySource)
		if !on {
			if len(r.results) != 0 {
				t.Errorf("validate off: %d results, want none", len(r.results))
			}
			continue
		}
		if len(r.results) != 1 {
			t.Fatalf("validate on: %d results, want 1: %v", len(r.results), r.results)
		}
		res := r.results[0]
		for _, want := range []string{"derived Deployment prod/api", "spec.template.metadata.labels", "`selector` does not match template `labels`"} {
			if !strings.Contains(res.Message, want) {
				t.Errorf("message %q does not contain %q", res.Message, want)
			}
		}
		if res.Severity != framework.Error || res.ResourceRef == nil || res.ResourceRef.Name != "api" || res.Field == nil || res.Field.Path != "spec.workload" || res.Tags["line"] != "5" {
			t.Errorf("result not on the source's spec.workload at input.yaml:5: %+v", res)
		}
	}
}
