package integration

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// One owner per cross-cluster stub (docs/ownership.md): two renders of
// cluster prod (teams/a and teams/b) call pay/payments on cluster edge,
// each with its own L7 rules. Exactly one of them — teams/a, the first in
// the directory's order — emits the caller cluster's copy of payments
// (the stub Service and its allow-l7-to in ambient mode, the xc-
// ServiceEntry and DestinationRule in sidecar mode), listing both teams'
// callers; the union of the renders is one render of both teams; `lattice
// check --all` finds no object emitted twice.

func stubFiles(mode string) map[string]string {
	svc := func(ns, name, res string) string {
		return "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n  workload:\n    containers:\n      main:\n        image: registry.example.com/" + name + "@sha256:" + strings.Repeat("1", 64) +
			"\n        command: [/app/run]\n        resources: {limits: {cpu: 100m, memory: 64Mi}}\n    service:\n      ports:\n        http: {port: 8080}\n    resources:\n" + res
	}
	platform := func(cluster string) string {
		return "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata:\n  name: platform\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: lattice\nspec:\n  cluster: {name: " + cluster + "}\n  mesh:\n    multiCluster: {mode: " + mode + "}\n"
	}
	ns := func(name string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels: {istio.io/dataplane-mode: ambient}\n"
	}
	kust := "resources: [namespace.yaml, svc.yaml, service-directory.yaml]\ntransformers: [platform.yaml]\n"
	return map[string]string{
		"fleet.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: Fleet\nmetadata: {name: f}\nspec:\n  clusters:\n" +
			"    - name: prod\n      eastWestGateway: {address: gw.prod.example.net, port: 15443}\n      renders: [{path: teams/a}, {path: teams/b}]\n" +
			"    - name: edge\n      eastWestGateway: {address: gw.edge.example.net, port: 15443}\n      exports: [\"pay/*\"]\n      renders: [{path: edge}]\n",
		"teams/a/kustomization.yaml": kust,
		"teams/a/platform.yaml":      platform("prod"),
		"teams/a/namespace.yaml":     ns("shop") + "---\n" + ns("pay"),
		"teams/a/svc.yaml":           svc("shop", "cart", "      payments: {type: service, direction: outbound, namespace: pay}\n"),
		"teams/b/kustomization.yaml": "resources: [svc.yaml, service-directory.yaml]\ntransformers: [platform.yaml]\n",
		"teams/b/platform.yaml":      platform("prod"),
		"teams/b/svc.yaml":           svc("shop", "orders", "      payments: {type: service, direction: outbound, namespace: pay}\n"),
		"edge/kustomization.yaml":    kust,
		"edge/platform.yaml":         platform("edge"),
		"edge/namespace.yaml":        ns("pay"),
		"edge/svc.yaml": svc("pay", "payments", "      cart: {type: service, direction: inbound, namespace: shop, rules: [{methods: [POST], paths: [/charge]}]}\n"+
			"      orders: {type: service, direction: inbound, namespace: shop, rules: [{methods: [GET], paths: [/status]}]}\n"),
	}
}

func TestCrossClusterStubsOneOwner(t *testing.T) {
	bin := harness.LatticeBin(t)
	for _, tc := range []struct {
		mode  string
		stubs []string // the objects only teams/a emits
	}{
		{"ambient", []string{"kind: Service\nmetadata:\n  annotations:\n    lattice.dev/derived-from: remote service edge/pay/payments", "name: allow-l7-to-"}},
		{"sidecar", []string{"kind: ServiceEntry", "kind: DestinationRule"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, stubFiles(tc.mode))
			if r := runIn(t, dir, nil, nil, bin, "directory", "build", "fleet.yaml"); r.code != 0 {
				t.Fatalf("directory build: exit %d\n%s", r.code, r.stderr)
			}
			out := map[string]string{}
			for _, team := range []string{"teams/a", "teams/b"} {
				r := runIn(t, dir, nil, nil, bin, "render", team)
				if r.code != 0 {
					t.Fatalf("render %s: exit %d\n%s", team, r.code, r.stderr)
				}
				out[team] = r.stdout
			}
			for _, s := range tc.stubs {
				if !strings.Contains(out["teams/a"], s) || strings.Contains(out["teams/b"], s) {
					t.Errorf("%q: want it from teams/a (the first render with a caller) only", s)
				}
			}
			if tc.mode == "ambient" {
				// The owner's allow-l7-to has both teams' callers, each with
				// the rules payments gives it.
				for _, s := range []string{"cluster.local/ns/shop/sa/cart", "/charge", "cluster.local/ns/shop/sa/orders", "/status"} {
					if !strings.Contains(out["teams/a"], s) {
						t.Errorf("teams/a's stub policy does not name %s", s)
					}
				}
			}

			// One render of both teams gives the same objects.
			one := t.TempDir()
			writeFiles(t, one, map[string]string{
				"fleet.yaml":              strings.Replace(stubFiles(tc.mode)["fleet.yaml"], "renders: [{path: teams/a}, {path: teams/b}]", "renders: [{path: both}]", 1),
				"both/kustomization.yaml": "resources: [namespace.yaml, a.yaml, b.yaml, service-directory.yaml]\ntransformers: [platform.yaml]\n",
				"both/platform.yaml":      stubFiles(tc.mode)["teams/a/platform.yaml"],
				"both/namespace.yaml":     stubFiles(tc.mode)["teams/a/namespace.yaml"],
				"both/a.yaml":             stubFiles(tc.mode)["teams/a/svc.yaml"],
				"both/b.yaml":             stubFiles(tc.mode)["teams/b/svc.yaml"],
			})
			copyTree(t, filepath.Join(dir, "edge"), filepath.Join(one, "edge"))
			if r := runIn(t, one, nil, nil, bin, "directory", "build", "fleet.yaml"); r.code != 0 {
				t.Fatalf("directory build of one render: exit %d\n%s", r.code, r.stderr)
			}
			r := runIn(t, one, nil, nil, bin, "render", "both")
			if r.code != 0 {
				t.Fatalf("render both: exit %d\n%s", r.code, r.stderr)
			}
			if got, want := policies(t, out["teams/a"], out["teams/b"]), policies(t, r.stdout); !reflect.DeepEqual(got, want) {
				t.Errorf("the teams rendered apart differ from one render of both:\n%v\nwant\n%v", keys(got), keys(want))
			}

			// No object is emitted by two renders.
			if r := runIn(t, dir, nil, nil, bin, "check", "--all", "."); r.code != 0 || strings.Contains(r.stdout+r.stderr, "emitted by 2 renders") {
				t.Errorf("check --all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
