package conformance

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
)

// renderRule starts the message of the validation rule every lattice CRD
// carries (config/crd): it always fails, so the API server documents
// lattice's kinds (kubectl explain) but refuses to store them.
const renderRule = "render with lattice:"

// OnlyRenderRule reports whether err is the API server refusing an object
// for the render rule alone: the object passed every schema check.
func OnlyRenderRule(err error) bool {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) {
		return false
	}
	causes := status.Status().Details
	if causes == nil || len(causes.Causes) == 0 {
		return false
	}
	for _, c := range causes.Causes {
		if !strings.Contains(c.Message, renderRule) {
			return false
		}
	}
	return true
}

// TestUnrenderedSourcesRefused (issue 15 §3): with config/crd installed, a
// LatticeService applied as it is — the `--enable-exec` mistake — is
// refused with the render rule's message, so it can never replace the
// objects lattice derives; every other lattice kind is refused the same
// way. The CRDs still serve their schema (kubectl explain).
func TestUnrenderedSourcesRefused(t *testing.T) {
	SkipIfDisabled(t)
	objs, err := ReadObjects(strings.NewReader(`
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: web, namespace: conformance-unrendered}
spec:
  workload:
    containers: {main: {image: registry.example.com/web@sha256:0000000000000000000000000000000000000000000000000000000000000000}}
---
apiVersion: lattice.dev/v1alpha1
kind: Platform
metadata: {name: platform, namespace: conformance-unrendered}
spec: {}
---
apiVersion: lattice.dev/v1alpha1
kind: ImageLock
metadata: {name: lock, namespace: conformance-unrendered}
spec: {images: []}
---
apiVersion: lattice.dev/v1alpha1
kind: Fleet
metadata: {name: fleet, namespace: conformance-unrendered}
spec: {clusters: [{name: east, path: east}]}
---
apiVersion: lattice.dev/v1alpha1
kind: FleetInventory
metadata: {name: fleet, namespace: conformance-unrendered}
spec: {clusters: []}
`))
	if err != nil {
		t.Fatal(err)
	}
	errs := DryRunStrict(t, objs)
	for i, o := range objs {
		switch err := errs[i]; {
		case err == nil:
			t.Errorf("%s %s: the API server accepts an unrendered source", o.GetKind(), o.GetName())
		case !OnlyRenderRule(err):
			t.Errorf("%s %s: refused, but not (only) by the render rule: %v", o.GetKind(), o.GetName(), err)
		case !strings.Contains(err.Error(), "render with lattice: a "+o.GetKind()) && !strings.Contains(err.Error(), "render with lattice: an "+o.GetKind()):
			t.Errorf("%s %s: the message does not name the kind: %v", o.GetKind(), o.GetName(), err)
		default:
			t.Logf("%s refused: %v", o.GetKind(), err)
		}
	}
}

// TestUnrenderedKindsExplained: the refused kinds are still documented —
// the apiserver serves their schema at /openapi/v3, which kubectl explain
// reads, with the field descriptions.
func TestUnrenderedKindsExplained(t *testing.T) {
	SkipIfDisabled(t)
	e := Shared(t)
	dc, err := discovery.NewDiscoveryClientForConfig(e.Config)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		t.Fatal(err)
	}
	gv, ok := paths["apis/lattice.dev/v1alpha1"]
	if !ok {
		t.Fatal("the apiserver serves no /openapi/v3/apis/lattice.dev/v1alpha1")
	}
	raw, err := gv.Schema("application/json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dev.lattice.v1alpha1.LatticeService", "dev.lattice.v1alpha1.Platform", "LatticeService is a developer's description of one service", "The API server refuses to store one"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the served schema lacks %q", want)
		}
	}
}
