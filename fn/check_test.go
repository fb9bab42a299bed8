package main

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	good := pinDir(t, map[string]string{
		"ns.yaml":      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/dataplane-mode: ambient\n",
		"svc/app.yaml": pinService("app", "registry.example.com/shop/app@sha256:"+strings.Repeat("1", 64)),
	})
	code, out, errOut := cli(t, "check", good)
	if code != 0 || errOut != "" {
		t.Errorf("good dir: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Contains(out, "kind:") {
		t.Errorf("check printed rendered objects:\n%s", out)
	}

	bad := pinDir(t, map[string]string{
		"svc/app.yaml": pinService("app", "nginx:1.27"),
		"svc/typo.yaml": pinService("typo", "registry.example.com/shop/app@sha256:"+strings.Repeat("1", 64)) +
			"  replica: 2\n",
	})
	code, out, errOut = cli(t, "check", bad)
	if code != 1 || errOut != "" {
		t.Fatalf("bad dir: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{
		bad + "/svc/app.yaml:10: error: LatticeService shop/app: spec.workload.containers[c0].image: ",
		"run `lattice pin`",
		bad + "/svc/typo.yaml:13: error: LatticeService shop/typo: spec.replica: ",
		`"replica": unknown field; did you mean "replicas"?`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, bad+"/") {
			t.Errorf("finding without FILE:LINE: %q", line)
		}
	}

	if code, out, _ := cli(t, "check", bad+"/missing"); code != 1 || !strings.Contains(out, "no such file") {
		t.Errorf("missing path: exit %d: %s", code, out)
	}
	if code, _, errOut := cli(t, "check"); code != 2 || !strings.Contains(errOut, "requires at least 1 arg") {
		t.Errorf("no args: exit %d: %s", code, errOut)
	}
}

func TestCheckDiscover(t *testing.T) {
	dir := pinDir(t, map[string]string{
		"b.yaml":        pinService("b", "x"),
		"a/a.yaml":      pinService("a", "x") + "---\n" + pinService("a2", "x"),
		"other.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		".hidden/h.yml": pinService("h", "x"),
	})
	code, out, errOut := cli(t, "check", "--discover", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := dir + "/a/a.yaml\n" + dir + "/b.yaml\n"; out != want {
		t.Errorf("discover = %q, want %q", out, want)
	}
	plain := pinDir(t, map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
	if code, out, _ := cli(t, "check", "--discover", plain); code != 0 || out != "" {
		t.Errorf("a directory without services: exit %d, %q", code, out)
	}

	// Argo CD runs discovery even for an Application that names the
	// plugin: an app whose last service was removed keeps its Platform and
	// must still be matched, or Argo CD fails it instead of pruning.
	emptied := pinDir(t, map[string]string{
		"platform.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: platform}\n",
		"ns.yaml":       "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
	})
	if code, out, errOut := cli(t, "check", "--discover", emptied); code != 0 || out != emptied+"/platform.yaml\n" {
		t.Errorf("an app with only its Platform left: exit %d, %q, %s", code, out, errOut)
	}

	// argocd-cmp-server shows only stderr when the command fails: the
	// reason goes there, and stdout stays empty (output means "match").
	broken := pinDir(t, map[string]string{
		"b.yaml":  pinService("b", "x"),
		"ns.yaml": "key: [unclosed\n",
	})
	code, out, errOut = cli(t, "check", "--discover", broken)
	if code != 1 || out != "" || !strings.Contains(errOut, "ns.yaml") {
		t.Errorf("unreadable file: exit %d, stdout %q, stderr %q; want exit 1, the reason on stderr only", code, out, errOut)
	}
}

// TestCheckStreamRefusesUnrendered (issue 15 §3): `lattice check -` reads
// a built stream; unrendered sources in it (kustomize build without
// --enable-exec) are errors with the fix, as in `lattice validate`, and a
// rendered stream passes.
func TestCheckStreamRefusesUnrendered(t *testing.T) {
	unrendered := `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: web, namespace: prod}
spec:
  workload:
    containers: {main: {image: x}}
`
	code, out, errOut := runCLI(t, unrendered, "check", "-")
	if code != 1 || !strings.Contains(out, "-: document 2: error: LatticeService prod/web: unrendered: did you forget --enable-exec?") {
		t.Errorf("unrendered stream: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n", "check", "-"); code != 0 || out != "" {
		t.Errorf("rendered stream: exit %d, %q", code, out)
	}
	if code, _, errOut := runCLI(t, "", "check", "-", "."); code == 0 || !strings.Contains(errOut, "give it alone") {
		t.Errorf("- with paths: exit %d, %q", code, errOut)
	}
}
