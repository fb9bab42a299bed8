package conformance

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// TestAPIServerRejectsInvalid proves the tier can fail: each invalid object
// must be rejected for the expected reason (a typo in the manifest that made
// it fail for another reason, e.g. an unknown kind, would not count), and the
// valid ones must pass.
func TestAPIServerRejectsInvalid(t *testing.T) {
	cases := []struct {
		name, yaml, wantErr string // wantErr "" = must be accepted
	}{
		{"namespace", `
apiVersion: v1
kind: Namespace
metadata: {name: conformance-selftest}`, ""},
		{"deployment", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: conformance-selftest}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}`, ""},
		{"deployment selector mismatch", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: conformance-selftest}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: web, image: nginx}]}`, "does not match template"},
		{"service", `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: conformance-selftest}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}`, ""},
		{"service duplicate port", `
apiVersion: v1
kind: Service
metadata: {name: bad, namespace: conformance-selftest}
spec: {ports: [{name: a, port: 80}, {name: b, port: 80}]}`, "Duplicate value"},
		{"httproute", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: conformance-selftest}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: /api}}], backendRefs: [{name: web, port: 80}]}]`, ""},
		{"httproute relative path", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: conformance-selftest}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: api}}], backendRefs: [{name: web, port: 80}]}]`, "must be an absolute path"},
		{"authorizationpolicy", `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: web, namespace: conformance-selftest}
spec:
  selector: {matchLabels: {app: web}}
  action: ALLOW
  rules: [{from: [{source: {principals: [cluster.local/ns/a/sa/b]}}]}]`, ""},
		{"authorizationpolicy bad action", `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: bad, namespace: conformance-selftest}
spec: {action: PERMIT}`, "Unsupported value"},
		{"certificate", `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: conformance-selftest}
spec: {secretName: web-tls, dnsNames: [web.example.com], issuerRef: {name: ca, kind: ClusterIssuer}}`, ""},
		{"certificate without issuerRef", `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: bad, namespace: conformance-selftest}
spec: {secretName: bad-tls, dnsNames: [web.example.com]}`, "issuerRef: Required value"},
	}

	var stream strings.Builder
	for _, c := range cases {
		stream.WriteString("---" + c.yaml + "\n")
	}
	objs, err := ReadObjects(strings.NewReader(stream.String()))
	if err != nil || len(objs) != len(cases) {
		t.Fatalf("parse: %d objects for %d cases, err %v", len(objs), len(cases), err)
	}
	errs := DryRun(t, objs)
	for i, c := range cases {
		switch err := errs[i]; {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: valid object rejected: %v", c.name, err)
		case c.wantErr != "" && err == nil:
			t.Errorf("%s: invalid object accepted", c.name)
		case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
			t.Errorf("%s: rejected for the wrong reason, want %q in: %v", c.name, c.wantErr, err)
		case err != nil:
			t.Logf("%s: rejected as expected: %v", c.name, err)
		}
	}
}

// TestRenderedOutputAccepted sends every golden output (tests/golden/testdata/*/ and
// examples/*/ expected.yaml) to the apiserver, and also what a freshly built
// lattice renders from the same inputs, so a stale golden file cannot hide a
// renderer regression.
func TestRenderedOutputAccepted(t *testing.T) {
	SkipIfDisabled(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, pattern := range []string{"tests/golden/testdata/*/expected.yaml", "examples/*/expected.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			cases = append(cases, filepath.Dir(f))
		}
	}
	if len(cases) == 0 {
		const msg = "no tests/golden/testdata/*/expected.yaml or examples/*/expected.yaml found"
		if os.Getenv(EnvRequireCases) == "1" {
			t.Fatal(msg + " (" + EnvRequireCases + "=1)")
		}
		t.Log(msg + "; nothing to check yet")
		return
	}
	Shared(t) // skip, or fail on start-up, before the slower lattice build
	lattice := buildLattice(t, root)

	for _, dir := range cases {
		rel, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			checkFile(t, filepath.Join(dir, "expected.yaml"))
			inputs := renderInputs(t, dir)
			var out, stderr bytes.Buffer
			cmd := exec.Command(lattice, append([]string{"render"}, inputs...)...)
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("lattice render %v: %v\n%s", inputs, err, stderr.String())
			}
			check(t, "lattice render", &out)
		})
	}
}

// renderInputs is input.yaml for a golden case, and every other YAML file of
// the directory for an example (its sources sit beside expected.yaml).
func renderInputs(t *testing.T, dir string) []string {
	if in := filepath.Join(dir, "input.yaml"); fileExists(in) {
		return []string{in}
	}
	var in []string
	for _, ext := range []string{"*.yaml", "*.yml"} {
		m, _ := filepath.Glob(filepath.Join(dir, ext))
		for _, f := range m {
			switch filepath.Base(f) {
			case "expected.yaml", "kustomization.yaml", "kustomization.yml":
			default:
				in = append(in, f)
			}
		}
	}
	if len(in) == 0 {
		t.Fatalf("%s: no input next to expected.yaml", dir)
	}
	return in
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func checkFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	check(t, filepath.Base(path), f)
}

// check dry-runs every deployable object in r, with fieldValidation=Strict
// as kubectl apply sends it (an unknown field is an error, not a silently
// dropped setting), and reports each rejection.
func check(t *testing.T, label string, r io.Reader) {
	t.Helper()
	all, err := ReadObjects(r)
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	var objs []*unstructured.Unstructured
	for _, o := range all {
		if Deployable(o) {
			objs = append(objs, o)
		}
	}
	for _, err := range DryRunStrict(t, objs) {
		if err != nil {
			t.Errorf("%s: %v", label, err)
		}
	}
	t.Logf("%s: %d objects sent, %d skipped", label, len(objs), len(all)-len(objs))
}

// buildLattice builds the function binary from the root module into a temp dir.
func buildLattice(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lattice")
	cmd := exec.Command("go", "build", "-o", bin, "./fn")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./fn: %v\n%s", err, out)
	}
	return bin
}
