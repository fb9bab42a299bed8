package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const service = `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: api
  namespace: prod
spec:
  workload:
    containers:
      main:
        image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
        command: ["/app/server"]
        resources: {limits: {cpu: 500m, memory: 256Mi}}
`

func resourceList(items, fnConfig string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, doc := range strings.Split(items, "---\n") {
		for i, line := range strings.Split(strings.TrimSuffix(doc, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + line + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	if fnConfig != "" {
		b.WriteString("functionConfig:\n")
		for _, line := range strings.Split(strings.TrimSuffix(fnConfig, "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestFunctionMode(t *testing.T) {
	cases := map[string]struct {
		reason     string
		items      string
		fnConfig   string
		wantCode   int
		wantOut    []string
		notOut     []string
		wantStderr []string
	}{
		"defaults": {
			reason:   "a missing functionConfig is the all-defaults Platform",
			items:    service,
			wantOut:  []string{"kind: ResourceList", "kind: Deployment", "name: api", "lattice.dev/config-hash"},
			notOut:   []string{"- apiVersion: lattice.dev/v1alpha1", "severity: error"},
			wantCode: 0,
		},
		"platform config": {
			reason:   "a Platform functionConfig is echoed back, as kyaml does",
			items:    service,
			fnConfig: "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: p}\nspec: {cluster: {name: east}}\n",
			wantOut:  []string{"kind: Deployment", "functionConfig:", "name: east"},
		},
		"wrong config kind": {
			reason:     "a ConfigMap is not how lattice is configured",
			items:      service,
			fnConfig:   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
			wantCode:   1,
			wantOut:    []string{"results:", "severity: error", "kind: LatticeService"},
			notOut:     []string{"kind: Deployment"},
			wantStderr: []string{"the functionConfig is v1 ConfigMap"},
		},
		"invalid spec": {
			reason:     "errors leave the input untouched, add no derived object and exit 1",
			items:      strings.Replace(service, `command: ["/app/server"]`, `command: ["server"]`, 1),
			wantCode:   1,
			wantOut:    []string{"results:", "path: spec.workload.containers[main].command[0]", "kind: LatticeService"},
			notOut:     []string{"kind: Deployment", "kind: ServiceAccount"},
			wantStderr: []string{"error: LatticeService prod/api: spec.workload.containers[main].command[0]"},
		},
		"passthrough": {
			reason:  "objects lattice does not own pass through",
			items:   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n  namespace: prod\ndata:\n  # note\n  k: v\n",
			wantOut: []string{"name: mine", "# note"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, stderr := runCLI(t, resourceList(tc.items, tc.fnConfig))
			if code != tc.wantCode {
				t.Errorf("%s: exit %d, want %d; stderr:\n%s", tc.reason, code, tc.wantCode, stderr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("%s: stdout lacks %q:\n%s", tc.reason, w, out)
				}
			}
			for _, w := range tc.notOut {
				if strings.Contains(out, w) {
					t.Errorf("%s: stdout has %q:\n%s", tc.reason, w, out)
				}
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("%s: stderr lacks %q:\n%s", tc.reason, w, stderr)
				}
			}
		})
	}
}

func TestFunctionModeRejectsNonResourceList(t *testing.T) {
	code, out, stderr := runCLI(t, service)
	if code != exitError || out != "" || !strings.Contains(stderr, "not a ResourceList") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestRenderCommand(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(service), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "", "render", dir)
	if code != 0 || !strings.Contains(out, "kind: Deployment") || strings.Contains(out, "config.kubernetes.io/index") {
		t.Fatalf("exit %d, stderr %s, stdout:\n%s", code, stderr, out)
	}

	bad := strings.Replace(service, "memory: 256Mi", "memory: lots", 1)
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCLI(t, "", "render", dir)
	want := filepath.Join(dir, "api.yaml") + ":12)"
	if code != 1 || out != "" || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stdout %q, stderr %q (want file:line %s)", code, out, stderr, want)
	}

	code, _, stderr = runCLI(t, "", "render", filepath.Join(dir, "missing"))
	if code != 1 || !strings.Contains(stderr, "no such file") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "lattice ") || !strings.Contains(out, " commit ") {
		t.Fatalf("exit %d, out %q", code, out)
	}
	// --version is the same, as users try it first.
	if code, flag, errOut := runCLI(t, "", "--version"); code != 0 || flag != out {
		t.Errorf("--version: exit %d, %q (stderr %q); want %q", code, flag, errOut, out)
	}
}
