package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// twoTeams is a monorepo with one render per team, both with services in
// the shared namespace store, and a platform render that holds the
// Namespace (and so owns its waypoint).
func twoTeams(extra map[string]string) map[string]string {
	svc := func(name string, res string) string {
		return "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: " + name + "\n  namespace: store\nspec:\n  workload:\n    containers:\n      main:\n        image: registry.example.com/" + name + "@sha256:" + strings.Repeat("1", 64) +
			"\n        command: [/app/run]\n        resources: {limits: {cpu: 100m, memory: 64Mi}}\n    service:\n      ports:\n        http: {port: 8080}\n" + res
	}
	files := map[string]string{
		"platform/kustomization.yaml": "resources: [namespace.yaml]\n",
		"platform/namespace.yaml":     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: store\n  labels: {istio.io/dataplane-mode: ambient}\n  annotations: {lattice.dev/waypoint: \"true\"}\n",
		"teams/a/kustomization.yaml":  "resources: [cart.yaml]\n",
		"teams/a/cart.yaml": svc("cart", "    resources:\n      mail: {type: external-service, params: {endpoints: {smtp: \"tcp://smtp.example.com:587\"}}}\n") +
			"  ingress: {hostname: cart.example.com}\n",
		"teams/b/kustomization.yaml": "resources: [orders.yaml]\n",
		"teams/b/orders.yaml":        svc("orders", "    resources:\n      stripe: {type: external-service, params: {endpoints: {api: \"https://api.stripe.com\"}}}\n"),
	}
	for k, v := range extra {
		if v == "" {
			delete(files, k)
			continue
		}
		files[k] = v
	}
	return files
}

func TestCheckAll(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		extra  map[string]string
		code   int
		want   []string // substrings of the output, with DIR for the directory
	}{
		{
			name:   "owners",
			reason: "two teams in one namespace, the platform render owning it: nothing is emitted twice",
			code:   0,
		},
		{
			name:   "namespace twice",
			reason: "the Namespace in a team render too: the Namespace and the waypoint it owns are emitted by two renders, named with both files and lines",
			extra:  map[string]string{"teams/a/kustomization.yaml": "resources: [cart.yaml, ns.yaml]\n", "teams/a/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: store\n  labels: {istio.io/dataplane-mode: ambient}\n"},
			code:   1,
			want: []string{
				"DIR/teams/a/ns.yaml:1: error: Namespace.core store is emitted by 2 renders of cluster local, DIR/platform (hand-written, DIR/platform/namespace.yaml:1) and DIR/teams/a (hand-written, DIR/teams/a/ns.yaml:1); with different content",
				"error: Gateway.gateway.networking.k8s.io store/store-waypoint is emitted by 2 renders of cluster local, DIR/platform (Namespace store, DIR/platform/namespace.yaml:1) and DIR/teams/a (Namespace store, DIR/teams/a/ns.yaml:1)",
			},
		},
		{
			name:   "hostname twice",
			reason: "two renders claiming one hostname serve one listener's certificate: an error naming both services",
			extra:  map[string]string{"teams/b/orders.yaml": strings.Replace(twoTeams(nil)["teams/b/orders.yaml"], "    resources:", "  ingress: {hostname: cart.example.com}\n    resources:", 1)},
			code:   1,
		},
		{
			name:   "service twice",
			reason: "one service in two renders is one error, on its identity, not one per derived object",
			extra:  map[string]string{"teams/b/kustomization.yaml": "resources: [orders.yaml, ../a/cart.yaml]\n"},
			code:   1,
			want:   []string{"error: the workload running as store/cart (namespace/service account) on cluster local is declared by 2 renders, DIR/teams/a (LatticeService store/cart, DIR/teams/a/cart.yaml:1) and DIR/teams/b (LatticeService store/cart, DIR/teams/a/cart.yaml:1)"},
		},
		{
			name:   "member twice",
			reason: "a MeshMember is declared once, by its owner",
			extra: map[string]string{
				"teams/a/kustomization.yaml": "resources: [cart.yaml, vmagent.yaml]\n", "teams/a/vmagent.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: MeshMember\nmetadata: {name: vmagent, namespace: monitoring}\n",
				"teams/b/kustomization.yaml": "resources: [orders.yaml, vmagent.yaml]\n", "teams/b/vmagent.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: MeshMember\nmetadata: {name: scraper, namespace: monitoring}\nspec: {serviceAccount: vmagent}\n",
			},
			code: 1,
			want: []string{"DIR/teams/b/vmagent.yaml:1: error: the workload running as monitoring/vmagent (namespace/service account) on cluster local is declared by 2 renders, DIR/teams/a (MeshMember monitoring/vmagent, DIR/teams/a/vmagent.yaml:1) and DIR/teams/b (MeshMember monitoring/scraper, DIR/teams/b/vmagent.yaml:1)"},
		},
		{
			name:   "egress protocols",
			reason: "two renders speaking two protocols to one host and port in one namespace: Istio merges the entries, so one would break",
			extra:  map[string]string{"teams/b/orders.yaml": strings.Replace(twoTeams(nil)["teams/b/orders.yaml"], `api: "https://api.stripe.com"`, `api: "https://smtp.example.com:587"`, 1)},
			code:   1,
			want:   []string{"error: external endpoint smtp.example.com:587 in namespace store of cluster local is declared with protocols TCP and HTTPS by DIR/teams/a"},
		},
		{
			name:   "other cluster",
			reason: "objects of two clusters never collide",
			extra: map[string]string{
				"teams/a/kustomization.yaml": "resources: [cart.yaml, ns.yaml, platform.yaml]\n", "teams/a/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: store\n",
				"teams/a/platform.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: p}\nspec: {cluster: {name: east}}\n",
			},
			code: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := pinDir(t, twoTeams(tc.extra))
			code, out, errOut := cli(t, "check", "--all", dir)
			if code != tc.code || errOut != "" {
				t.Fatalf("%s\nexit %d, want %d\nstdout: %s\nstderr: %s", tc.reason, code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(out, w) {
					t.Errorf("%s\noutput lacks %q:\n%s", tc.reason, w, out)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line != "" && !strings.HasPrefix(line, dir+"/") {
					t.Errorf("finding without FILE:LINE: %q", line)
				}
			}
		})
	}
}

func TestKustomizationRoots(t *testing.T) {
	dir := pinDir(t, map[string]string{
		"base/kustomization.yaml":          "resources: [a.yaml]\n",
		"base/a.yaml":                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"overlays/prod/kustomization.yaml": "resources: [../../base]\n",
		"overlays/dev/kustomization.yaml":  "resources: [../../base]\n",
		"kpt/Kptfile":                      "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata: {name: k}\n",
		"kpt/sub/Kptfile":                  "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata: {name: s}\n",
		".hidden/kustomization.yaml":       "resources: []\n",
	})
	roots, err := kustomizationRoots(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, r := range roots {
		p, _ := filepath.Rel(dir, r)
		rel = append(rel, p)
	}
	if got, want := strings.Join(rel, " "), "kpt overlays/dev overlays/prod"; got != want {
		t.Errorf("roots = %q, want %q (a base included by an overlay is not a render; a nested kpt package belongs to its parent)", got, want)
	}
	plain := pinDir(t, map[string]string{"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
	if roots, _ := kustomizationRoots(plain); len(roots) != 1 || roots[0] != plain {
		t.Errorf("a directory without kustomizations is one render: %q", roots)
	}
}
