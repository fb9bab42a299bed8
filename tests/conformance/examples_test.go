package conformance

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

type sourceObj struct {
	file string
	obj  *unstructured.Unstructured
}

// exampleSources are the LatticeService and Platform objects of every YAML
// file under examples/ (their sources, not the rendered expected.yaml).
func exampleSources(t *testing.T, root string) []sourceObj {
	t.Helper()
	var out []sourceObj
	err := filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "expected.yaml" ||
			!(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objs, err := ReadObjects(strings.NewReader(string(data)))
		if err != nil {
			return nil // not a Kubernetes YAML stream (e.g. a CI workflow)
		}
		for _, o := range objs {
			if o.GetAPIVersion() == "lattice.dev/v1alpha1" && (o.GetKind() == "LatticeService" || o.GetKind() == "Platform") {
				out = append(out, sourceObj{p, o})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExampleSourcesMatchCRDs dry-runs every LatticeService and Platform
// of the examples against lattice's CRDs (config/crd, installed by the
// harness), so editors and kubectl explain, which read the CRDs, accept
// what the renderer accepts; and checks the CRDs reject what they must.
func TestExampleSourcesMatchCRDs(t *testing.T) {
	SkipIfDisabled(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	sources := exampleSources(t, root)
	kinds := map[string]int{}
	for _, s := range sources {
		kinds[s.obj.GetKind()]++
	}
	if kinds["LatticeService"] == 0 || kinds["Platform"] == 0 {
		t.Fatalf("found %d LatticeServices and %d Platforms under examples/; expected both", kinds["LatticeService"], kinds["Platform"])
	}

	invalid := []struct{ name, yaml, wantErr string }{
		{"direction enum", `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: bad-direction, namespace: conformance-crd}
spec:
  workload:
    containers: {main: {image: x}}
    resources: {db: {type: service, direction: sideways}}`, `Unsupported value: "sideways"`},
		{"resource type enum", `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: bad-type, namespace: conformance-crd}
spec:
  workload:
    containers: {main: {image: x}}
    resources: {db: {type: database}}`, `Unsupported value: "database"`},
		{"port protocol enum", `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: bad-protocol, namespace: conformance-crd}
spec:
  workload:
    containers: {main: {image: x}}
    service: {ports: {http: {port: 80, protocol: HTTP}}}`, `Unsupported value: "HTTP"`},
		{"workload required", `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: no-workload, namespace: conformance-crd}
spec: {replicas: 1}`, `spec.workload: Required value`},
		{"unknown field", `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: unknown-field, namespace: conformance-crd}
spec:
  workload: {containers: {main: {image: x}}}
  replica: 3`, `unknown field "spec.replica"`},
		{"platform oneSided enum", `
apiVersion: lattice.dev/v1alpha1
kind: Platform
metadata: {name: bad-platform, namespace: conformance-crd}
spec: {mesh: {oneSided: sometimes}}`, `Unsupported value: "sometimes"`},
		{"platform output.validate type", `
apiVersion: lattice.dev/v1alpha1
kind: Platform
metadata: {name: bad-validate, namespace: conformance-crd}
spec: {output: {validate: "yes"}}`, `spec.output.validate: Invalid value: "string"`},
	}
	var objs []*unstructured.Unstructured
	for _, s := range sources {
		objs = append(objs, s.obj)
	}
	for _, c := range invalid {
		o, err := ReadObjects(strings.NewReader(c.yaml))
		if err != nil || len(o) != 1 {
			t.Fatalf("%s: %v", c.name, err)
		}
		objs = append(objs, o[0])
	}
	errs := DryRunStrict(t, objs)
	for i, s := range sources {
		rel, _ := filepath.Rel(root, s.file)
		// The render rule refuses every lattice object (unrendered_test.go);
		// refused for it alone, the example passed every schema check.
		if errs[i] != nil && !OnlyRenderRule(errs[i]) {
			t.Errorf("%s: the CRD rejects an example the renderer accepts: %v", rel, errs[i])
		}
	}
	for i, c := range invalid {
		switch err := errs[len(sources)+i]; {
		case err == nil:
			t.Errorf("%s: the CRD accepts it", c.name)
		case !strings.Contains(err.Error(), c.wantErr):
			t.Errorf("%s: rejected for the wrong reason, want %q in: %v", c.name, c.wantErr, err)
		}
	}
	t.Logf("%d LatticeServices and %d Platforms from examples/ accepted; %d invalid objects rejected", kinds["LatticeService"], kinds["Platform"], len(invalid))
}
