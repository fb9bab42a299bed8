package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// Multi-cluster from the command line: `lattice fleet inventory` and
// `lattice fleet check` on copies of examples/fleet, the renders of each
// cluster, and the examples through the real kustomize.

var fleetModels = []string{"shared-root", "federated"}

// fleetCopy copies examples/fleet/<model> to a temporary directory.
func fleetCopy(t *testing.T, model string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), model)
	copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "fleet", model), dir)
	return dir
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFleetExamplesUpToDate: the committed inventories are what the
// command writes (the CI gate, run on the examples themselves).
func TestFleetExamplesUpToDate(t *testing.T) {
	for _, model := range fleetModels {
		r := runIn(t, harness.RepoRoot(), nil, nil, harness.LatticeBin(t), "fleet", "check", filepath.Join("examples", "fleet", model, "fleet.yaml"))
		if r.code != 0 {
			t.Errorf("%s: lattice fleet check exit %d:\n%s%s", model, r.code, r.stdout, r.stderr)
		}
	}
}

// TestFleetInventoryDeterministic: regenerating changes no byte, in any
// working directory.
func TestFleetInventoryDeterministic(t *testing.T) {
	dir := fleetCopy(t, "shared-root")
	before := snapshot(t, dir)
	if r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "inventory", "fleet.yaml"); r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	after := snapshot(t, dir)
	for name, content := range before {
		if strings.HasPrefix(filepath.Base(name), "fleet-inventory") && after[name] != content {
			t.Errorf("%s changed when regenerated from the same fleet", name)
		}
	}
	r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "inventory", "fleet.yaml", "-o", "-")
	if r.code != 0 || strings.ReplaceAll(r.stdout, "from fleet.yaml", "from ../fleet.yaml") != before["east/fleet-inventory.yaml"] {
		t.Errorf("-o - differs from the file it writes (exit %d):\n%s", r.code, r.stderr)
	}
}

// TestFleetStale walks the CI story: a change on one cluster makes every
// committed inventory stale; check says what changed and fails; the changed
// cluster's render fails too (its own entry disagrees) while the other
// clusters still render; regenerating fixes both, and the agreement that
// lost its other half is reported on the caller's cluster, naming the
// callee's.
func TestFleetStale(t *testing.T) {
	dir := fleetCopy(t, "shared-root")
	bin := harness.LatticeBin(t)
	editFile(t, filepath.Join(dir, "west", "payments.yaml"), "      checkout:\n        type: service\n        direction: inbound\n",
		"      checkout-old:\n        type: service\n        direction: inbound\n        id: checkout-v1\n")

	r := runIn(t, dir, nil, nil, bin, "fleet", "check", "fleet.yaml")
	if r.code != 1 {
		t.Fatalf("check of a stale fleet: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"east/fleet-inventory.yaml: stale", "west/fleet-inventory.yaml: stale", "~ west commerce/payments: inbound declarations", "run `lattice fleet inventory fleet.yaml`"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runIn(t, dir, nil, nil, bin, "render", "west"); r.code != 1 || !strings.Contains(r.stderr, "the fleet inventory is stale for cluster west (commerce/payments changed: inbound declarations)") {
		t.Errorf("render of the changed cluster: exit %d, want 1 with a stale message:\n%s", r.code, r.stderr)
	}
	if r := runIn(t, dir, nil, nil, bin, "render", "east"); r.code != 0 {
		t.Errorf("render of an unchanged cluster: exit %d:\n%s", r.code, r.stderr)
	}

	if r := runIn(t, dir, nil, nil, bin, "fleet", "inventory", "fleet.yaml"); r.code != 0 {
		t.Fatalf("inventory: exit %d:\n%s", r.code, r.stderr)
	}
	if r := runIn(t, dir, nil, nil, bin, "fleet", "check", "fleet.yaml"); r.code != 0 {
		t.Fatalf("check after inventory: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	east := runIn(t, dir, nil, nil, bin, "render", "east")
	if east.code != 0 || !strings.Contains(east.stderr, "commerce/checkout on cluster east declares commerce/payments on cluster west outbound, but commerce/payments on cluster west does not accept commerce/checkout on cluster east inbound") {
		t.Errorf("render east after the change: exit %d, want a one-sided warning naming west:\n%s", east.code, east.stderr)
	}
	if strings.Contains(east.stdout, "payments.commerce.svc.cluster.local\n  location: MESH_INTERNAL") || strings.Contains(east.stdout, "host: payments.commerce.svc.cluster.local") {
		t.Error("east still routes to payments after west withdrew its consent")
	}
	west := runIn(t, dir, nil, nil, bin, "render", "west")
	if west.code != 0 || strings.Contains(west.stdout, "ns/commerce/sa/checkout") {
		t.Errorf("west still admits checkout (exit %d):\n%s", west.code, west.stderr)
	}
}

// TestFleetBadInput: a bad Fleet is rejected with field paths and lines,
// and nothing is written.
func TestFleetBadInput(t *testing.T) {
	cases := map[string]struct {
		fleet string
		want  []string
	}{
		"duplicate cluster, bad trust domain, no gateway": {
			fleet: `apiVersion: lattice.dev/v1alpha1
kind: Fleet
metadata: {name: shop}
spec:
  clusters:
    - {name: east, path: east, trustDomain: East_Domain!}
    - {name: west, path: west, exports: [commerce/payments]}
    - {name: east, path: platform}
`,
			want: []string{
				`fleet.yaml:6: error: Fleet shop: spec.clusters[0].trustDomain:`,
				`fleet.yaml:7: error: Fleet shop: spec.clusters[1].eastWestGateway.address: Required value: a cluster that exports services needs the address other clusters reach them at`,
				`fleet.yaml:8: error: Fleet shop: spec.clusters[2].name: Duplicate value: "east"`,
			},
		},
		"unknown field": {
			fleet: "apiVersion: lattice.dev/v1alpha1\nkind: Fleet\nmetadata: {name: shop}\nspec:\n  clusters:\n    - {name: east, path: east, export: [x/y]}\n",
			want:  []string{"spec.clusters[0].export"},
		},
		"missing directory": {
			fleet: "apiVersion: lattice.dev/v1alpha1\nkind: Fleet\nmetadata: {name: shop}\nspec:\n  clusters:\n    - {name: east, path: nowhere}\n",
			want:  []string{"fleet.yaml:6: error: Fleet shop: spec.clusters[0].path:", "is not a directory"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := fleetCopy(t, "shared-root")
			writeFiles(t, dir, map[string]string{"fleet.yaml": tc.fleet})
			before := snapshot(t, dir)
			r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "inventory", "fleet.yaml")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if after := snapshot(t, dir); len(after) != len(before) || after["east/fleet-inventory.yaml"] != before["east/fleet-inventory.yaml"] {
				t.Error("a failed inventory wrote files")
			}
		})
	}
}

// TestFleetPlatformMismatch: a cluster directory whose Platform disagrees
// with the Fleet cannot be inventoried.
func TestFleetPlatformMismatch(t *testing.T) {
	dir := fleetCopy(t, "federated")
	editFile(t, filepath.Join(dir, "west", "platform.yaml"), "trustDomain: west.shop.example", "trustDomain: cluster.local")
	r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "inventory", "fleet.yaml")
	if r.code != 1 || !strings.Contains(r.stderr, `west/platform.yaml:12: error: Platform platform: spec.cluster.trustDomain: "cluster.local", but the Fleet gives cluster west the trust domain "west.shop.example"`) {
		t.Errorf("exit %d, want 1 with the Platform's line:\n%s", r.code, r.stderr)
	}
}

// TestFleetCheckNotListed: an inventory the cluster's kustomization does
// not list is never read by its render; check fails.
func TestFleetCheckNotListed(t *testing.T) {
	dir := fleetCopy(t, "shared-root")
	editFile(t, filepath.Join(dir, "west", "kustomization.yaml"), "  - fleet-inventory.yaml\n", "")
	r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "check", "fleet.yaml")
	if r.code != 1 || !strings.Contains(r.stdout, "west/fleet-inventory.yaml: not read by the render of cluster west") {
		t.Errorf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "inventory", "fleet.yaml")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: the render of cluster west does not read") {
		t.Errorf("inventory: exit %d, want 0 with a warning:\n%s", r.code, r.stderr)
	}
}

// TestFleetFirstInventory: a kustomization may list the inventory before it
// exists; the first run creates it.
func TestFleetFirstInventory(t *testing.T) {
	dir := fleetCopy(t, "shared-root")
	for _, c := range []string{"east", "west", "platform"} {
		if err := os.Remove(filepath.Join(dir, c, "fleet-inventory.yaml")); err != nil {
			t.Fatal(err)
		}
	}
	if r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "check", "fleet.yaml"); r.code != 1 || !strings.Contains(r.stdout, "missing") {
		t.Errorf("check without inventories: exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "inventory", "fleet.yaml"); r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "fleet", "check", "fleet.yaml"); r.code != 0 {
		t.Errorf("check: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestFleetKustomize builds every cluster of the examples with the real
// kustomize: the inventory is local-config, so it never reaches the output.
func TestFleetKustomize(t *testing.T) {
	for _, model := range fleetModels {
		for _, cluster := range []string{"east", "west", "platform"} {
			t.Run(model+"/"+cluster, func(t *testing.T) {
				dir := filepath.Join(harness.RepoRoot(), "examples", "fleet", model, cluster)
				out, stderr, err := kustomizeBuild(t, dir, execFlags...)
				if err != nil {
					t.Fatalf("kustomize build: %v\n%s", err, stderr)
				}
				harness.CheckFile(t, filepath.Join(dir, "expected.yaml"), []byte(out))
				if strings.Contains(out, "kind: FleetInventory") || strings.Contains(out, "kind: LatticeService") {
					t.Error("a source or the inventory reached the output")
				}
			})
		}
	}
}

// TestFleetGraph: `lattice graph` of one cluster draws the other clusters'
// callers and callees in their own groups.
func TestFleetGraph(t *testing.T) {
	r := runIn(t, harness.RepoRoot(), nil, nil, harness.LatticeBin(t), "graph", "examples/fleet/federated/west")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`["east / commerce"]`, `["west / commerce"]`, `["platform / identity"]`, `checkout<br/>(remote)`, `-->|"POST /charge"|`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("graph lacks %q:\n%s", want, r.stdout)
		}
	}
}
