package main

import (
	"strings"
	"testing"
)

// TestRenderRefusesUnappliedKustomization (issue 15 §3): `lattice render
// DIR`, the Argo CD plugin's command, and `lattice check` refuse an
// overlay whose namespace:, labels or patches they would silently ignore;
// the base it lists renders as before.
func TestRenderRefusesUnappliedKustomization(t *testing.T) {
	svc := pinService("app", "registry.example.com/shop/app@sha256:"+strings.Repeat("1", 64))
	dir := pinDir(t, map[string]string{
		"base/kustomization.yaml":    "resources: [app.yaml, ns.yaml]\n",
		"base/app.yaml":              svc,
		"base/ns.yaml":               "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/dataplane-mode: ambient\n",
		"overlay/kustomization.yaml": "resources: [../base]\nnamespace: prod\ncommonLabels: {env: prod}\npatches: [{path: p.yaml}]\n",
	})
	if code, _, errOut := cli(t, "render", dir+"/base"); code != 0 {
		t.Fatalf("the base: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, "render", dir+"/overlay")
	if code != 1 || out != "" {
		t.Errorf("the overlay: exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"overlay/kustomization.yaml: lattice render reads only the files a kustomization lists",
		"does not apply commonLabels, namespace, patches,", "kustomize build --enable-alpha-plugins --enable-exec"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code, out, _ := cli(t, "check", dir+"/overlay"); code != 1 || !strings.Contains(out, "does not apply commonLabels, namespace, patches") {
		t.Errorf("check: exit %d: %s", code, out)
	}
}
