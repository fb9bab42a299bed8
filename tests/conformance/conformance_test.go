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
    spec: {containers: [{name: web, image: nginx}]}`, "selector does not match template"},
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

// TestRenderedOutputAccepted sends every golden output (tests/testdata/*/ and
// examples/*/ expected.yaml) to the apiserver. Where a case has an input.yaml
// it also renders it with a freshly built lattice binary and checks that
// output too, so a stale golden file cannot hide a renderer regression.
func TestRenderedOutputAccepted(t *testing.T) {
	var cases []string
	for _, pattern := range []string{"../testdata/*/expected.yaml", repoRoot + "/examples/*/expected.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			cases = append(cases, filepath.Dir(f))
		}
	}
	if len(cases) == 0 {
		const msg = "no tests/testdata/*/expected.yaml or examples/*/expected.yaml found"
		if os.Getenv(EnvRequireCases) == "1" {
			t.Fatal(msg + " (" + EnvRequireCases + "=1)")
		}
		t.Log(msg + "; nothing to check yet")
		return
	}
	Shared(t) // skip or start before the (slower) binary build
	lattice := buildLattice(t)

	for _, dir := range cases {
		rel, _ := filepath.Rel(repoRoot, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			checkFile(t, "expected.yaml", filepath.Join(dir, "expected.yaml"))
			in := filepath.Join(dir, "input.yaml")
			if _, err := os.Stat(in); err != nil {
				return
			}
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var out, stderr bytes.Buffer
			cmd := exec.Command(lattice)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = f, &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("lattice < %s: %v\n%s", in, err, stderr.String())
			}
			check(t, "rendered "+in, &out)
		})
	}
}

func checkFile(t *testing.T, label, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	check(t, label, f)
}

// check dry-runs every deployable object in r and reports each rejection.
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
	for _, err := range DryRun(t, objs) {
		if err != nil {
			t.Errorf("%s: %v", label, err)
		}
	}
	t.Logf("%s: %d objects sent, %d skipped", label, len(objs), len(all)-len(objs))
}

// buildLattice builds the function binary from the root module into a temp dir.
func buildLattice(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lattice")
	cmd := exec.Command("go", "build", "-o", bin, "./fn")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./fn: %v\n%s", err, out)
	}
	return bin
}
