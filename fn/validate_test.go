package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const badRoute = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: prod}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: api}}], backendRefs: [{name: web, port: 80}]}]
`

const widget = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
`

func TestValidateCommand(t *testing.T) {
	// The rendered service is valid; stdin is the default input.
	code, rendered, stderr := runCLI(t, "", "render", writeTemp(t, "svc.yaml", service))
	if code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCLI(t, rendered, "validate")
	if code != 0 || out != "" || !strings.Contains(stderr, "0 errors, 0 warnings") {
		t.Errorf("valid stream: exit %d, stdout %q, stderr %q", code, out, stderr)
	}

	// One line per problem, KIND NS/NAME: FIELD: MESSAGE; exit 1.
	code, out, _ = runCLI(t, badRoute, "validate", "-")
	want := "HTTPRoute prod/web: spec.rules[0].matches[0].path: Invalid value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']\n"
	if code != 1 || out != want {
		t.Errorf("invalid route: exit %d, stdout\n%s\nwant\n%s", code, out, want)
	}

	// Unknown kinds: an error naming the kind, or a warning.
	file := writeTemp(t, "widget.yaml", widget)
	code, out, _ = runCLI(t, "", "validate", file)
	if code != 1 || out != "Widget w: kind: unknown kind example.com/v1 Widget: no schema is embedded for it, so it was not validated\n" {
		t.Errorf("unknown kind: exit %d, stdout %q", code, out)
	}
	code, out, stderr = runCLI(t, "", "validate", "--allow-unknown", file)
	if code != 0 || !strings.Contains(out, "Widget w: kind: warning: unknown kind") || !strings.Contains(stderr, "1 warning") {
		t.Errorf("--allow-unknown: exit %d, stdout %q, stderr %q", code, out, stderr)
	}

	// A ResourceList contributes its items; local-config objects are skipped.
	local := strings.Replace(badRoute, "metadata: {name: web, namespace: prod}", "metadata: {name: web, namespace: prod, annotations: {config.kubernetes.io/local-config: \"true\"}}", 1)
	code, out, _ = runCLI(t, resourceList(badRoute+"---\n"+local, ""), "validate", "-o", "json")
	var results []validated
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("-o json: %v\n%s", err, out)
	}
	if code != 1 || len(results) != 2 || len(results[0].Problems) != 1 || results[1].Skipped != "local-config" {
		t.Errorf("ResourceList -o json: exit %d, %+v", code, results)
	}

	// Unreadable input is a usage error.
	if code, _, _ = runCLI(t, "", "validate", filepath.Join(t.TempDir(), "missing.yaml")); code != exitUsage {
		t.Errorf("missing file: exit %d, want %d", code, exitUsage)
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateRefusesUnrendered (issue 15 §3): a stream of unrendered
// sources — kustomize build without --enable-exec passes them through —
// is an error naming the object, the mistake and the fix, not "0 errors";
// kpt's kept sources (local-config) are still skipped.
func TestValidateRefusesUnrendered(t *testing.T) {
	stream := `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: web, namespace: prod}
spec:
  workload:
    containers: {main: {image: x}}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: kept, namespace: prod, annotations: {config.kubernetes.io/local-config: "true"}}
spec:
  workload:
    containers: {main: {image: x}}
---
apiVersion: lattice.dev/v1alpha1
kind: ImageLock
metadata: {name: lock}
spec: {images: []}
`
	code, out, stderr := runCLI(t, stream, "validate", "-")
	if code != 1 || !strings.Contains(stderr, "validated 3 objects: 2 errors") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"LatticeService prod/web: unrendered: did you forget --enable-exec? a LatticeService is lattice's input",
		"build with `kustomize build --enable-alpha-plugins --enable-exec` (or `lattice render DIR`)",
		"ImageLock lock: unrendered: did you forget --enable-exec? an ImageLock is read by lattice",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "kept") || strings.Contains(out, "render with lattice:") {
		t.Errorf("a local-config source, or the CRD's render rule next to the unrendered error:\n%s", out)
	}
}
