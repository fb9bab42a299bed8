package integration

import (
	"bytes"
	"github.com/lattice-dev/lattice/tests/internal/harness"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// Many renders, one mesh, from the command line (docs/teams.md): the
// monorepo of examples/teams (three teams, each its own kustomization and
// Argo CD Application, plus the platform render), the multi-repository
// flow with published contracts, and a stale directory.

var teamNames = []string{"storefront", "payments", "identity"}

var docSplit = regexp.MustCompile(`(?m)^---\n`)

func teamsRoot() string { return filepath.Join(harness.RepoRoot(), "examples", "teams") }

// policies are the mesh objects of rendered YAML streams, by kind,
// namespace and name, without lattice's provenance annotations (they name
// the render's services and files).
func policies(t *testing.T, streams ...string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, s := range streams {
		for _, doc := range docSplit.Split(s, -1) {
			var o map[string]any
			if err := sigsyaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatal(err)
			}
			kind := str(o, "kind")
			if kind != "AuthorizationPolicy" && kind != "Gateway" && kind != "Service" && kind != "ServiceEntry" && kind != "PeerAuthentication" {
				continue
			}
			if md, ok := o["metadata"].(map[string]any); ok {
				delete(md, "annotations")
			}
			key := kind + " " + str(o, "metadata", "namespace") + "/" + str(o, "metadata", "name")
			if prev, dup := out[key]; dup && !reflect.DeepEqual(prev, o) {
				t.Errorf("%s is emitted twice with different content", key)
			}
			out[key] = o
		}
	}
	return out
}

// together renders the services of the renders (directories under
// examples/teams/teams) in one render, with the first one's Platform: the
// reference.
func together(t *testing.T, renders ...string) map[string]any {
	t.Helper()
	dir := t.TempDir()
	for _, team := range renders {
		src := filepath.Join(teamsRoot(), "teams", team)
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch e.Name() {
			case "kustomization.yaml", "service-directory.yaml", "expected.yaml":
				continue
			}
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(team)+"-"+e.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One Platform for the one render.
	for _, team := range renders[1:] {
		_ = os.Remove(filepath.Join(dir, filepath.Base(team)+"-platform.yaml"))
	}
	r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "render", ".")
	if r.code != 0 {
		t.Fatalf("one render of every team: exit %d\n%s", r.code, r.stderr)
	}
	return policies(t, r.stdout)
}

// TestTeamsExampleUpToDate: the committed directory and views are what
// `lattice directory build` writes, in both flows (the CI gate).
func TestTeamsExampleUpToDate(t *testing.T) {
	for _, fleet := range []string{"fleet.yaml", "multi-repo/fleet.yaml"} {
		r := runIn(t, teamsRoot(), nil, nil, harness.LatticeBin(t), "directory", "check", fleet)
		if r.code != 0 {
			t.Errorf("lattice directory check %s: exit %d\n%s%s", fleet, r.code, r.stdout, r.stderr)
		}
	}
	// The multi-repository example's contracts are what each team's
	// render publishes.
	for _, team := range teamNames {
		r := runIn(t, teamsRoot(), nil, nil, harness.LatticeBin(t), "directory", "contract", "teams/"+team, "--name", team)
		want, err := os.ReadFile(filepath.Join(teamsRoot(), "multi-repo", "contracts", team+".yaml"))
		if err != nil || r.code != 0 || r.stdout != string(want) {
			t.Errorf("%s: the committed contract is not what `lattice directory contract` writes (exit %d)\n%s", team, r.code, r.stderr)
		}
	}
}

// TestTeamsRenderedApart: each team renders alone (lattice render, as the
// Argo CD plugin does, and kustomize with the exec function), and the
// union of their policies is exactly one render of every team's services.
func TestTeamsRenderedApart(t *testing.T) {
	renders := append([]string{"../platform"}, teamNames...)
	want := together(t, renders...)
	var viaLattice, viaKustomize []string
	for _, team := range renders {
		dir := filepath.Join(teamsRoot(), "teams", team)
		r := runIn(t, dir, nil, nil, harness.LatticeBin(t), "render", ".")
		if r.code != 0 {
			t.Fatalf("lattice render %s: exit %d\n%s", team, r.code, r.stderr)
		}
		viaLattice = append(viaLattice, r.stdout)
		out, stderr, err := kustomizeBuild(t, dir, execFlags...)
		if err != nil {
			t.Fatalf("kustomize build %s: %v\n%s", team, err, stderr)
		}
		if strings.Contains(out, "kind: ServiceDirectory") || strings.Contains(out, "kind: LatticeService") {
			t.Errorf("%s: a source or the directory reached kustomize's output", team)
		}
		harness.CheckFile(t, filepath.Join(dir, "expected.yaml"), []byte(out))
		viaKustomize = append(viaKustomize, out)
	}
	for name, streams := range map[string][]string{"lattice render": viaLattice, "kustomize": viaKustomize} {
		got := policies(t, streams...)
		if !reflect.DeepEqual(got, want) {
			var diffs []string
			for _, k := range slices.Sorted(func(yield func(string) bool) {
				seen := map[string]bool{}
				for k := range got {
					seen[k] = true
				}
				for k := range want {
					seen[k] = true
				}
				for k := range seen {
					if !yield(k) {
						return
					}
				}
			}) {
				if !reflect.DeepEqual(got[k], want[k]) {
					diffs = append(diffs, k)
				}
			}
			t.Errorf("%s: the teams rendered apart differ from one render on %q", name, diffs)
		}
	}
	// The agreements across teams are there: payments admits checkout on
	// POST /charge (through the waypoint), auth admits checkout and
	// payments, payments admits the platform's metrics scraper (a
	// MeshMember of another render).
	all := strings.Join(viaLattice, "\n")
	for _, want := range []string{"cluster.local/ns/storefront/sa/checkout", "cluster.local/ns/payments/sa/payments", "/charge", "cluster.local/ns/monitoring/sa/vmagent"} {
		if !strings.Contains(all, want) {
			t.Errorf("no policy names %s", want)
		}
	}
}

// TestTeamsMultiRepo: one repository per team plus the platform's. Each
// team publishes its contract, the platform assembles the directory and the
// views, each team renders its own repository with its view, and the
// result is the monorepo's.
func TestTeamsMultiRepo(t *testing.T) {
	bin := harness.LatticeBin(t)
	root := t.TempDir()
	platform := filepath.Join(root, "platform")
	if err := os.MkdirAll(filepath.Join(platform, "contracts"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(teamsRoot(), "multi-repo", "fleet.yaml"), filepath.Join(platform, "fleet.yaml"))
	for _, team := range teamNames {
		repo := filepath.Join(root, team)
		copyTree(t, filepath.Join(teamsRoot(), "teams", team), repo)
		// A new repository has no view yet: the kustomization lists it,
		// lattice render reads the directory without it.
		_ = os.Remove(filepath.Join(repo, "service-directory.yaml"))
		_ = os.Remove(filepath.Join(repo, "kustomization.yaml"))
		_ = os.Remove(filepath.Join(repo, "expected.yaml"))
		// Team CI: publish the contract (a pull request to the platform
		// repository).
		r := runIn(t, repo, nil, nil, bin, "directory", "contract", ".", "--name", team, "-o", filepath.Join(platform, "contracts", team+".yaml"))
		if r.code != 0 {
			t.Fatalf("contract %s: exit %d\n%s", team, r.code, r.stderr)
		}
	}
	// Platform CI: assemble.
	if r := runIn(t, platform, nil, nil, bin, "directory", "build", "fleet.yaml"); r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	var outs []string
	for _, team := range teamNames {
		repo := filepath.Join(root, team)
		// The view goes back to the team's repository (a pull request).
		copyTree(t, filepath.Join(platform, "views", team+".yaml"), filepath.Join(repo, "service-directory.yaml"))
		r := runIn(t, repo, nil, nil, bin, "render", ".")
		if r.code != 0 {
			t.Fatalf("render %s: exit %d\n%s", team, r.code, r.stderr)
		}
		outs = append(outs, r.stdout)
	}
	if got, want := policies(t, outs...), together(t, teamNames...); !reflect.DeepEqual(got, want) {
		t.Errorf("the teams' repositories rendered apart differ from one render")
	}

	// A team changes its contract: its own render fails until its view is
	// refreshed; the other teams keep rendering (their views are stale, and
	// a stale view never admits more than the callee's spec).
	editFile(t, filepath.Join(root, "payments", "payments.yaml"), "paths: [/charge]", "paths: [/charge, /refund]")
	r := runIn(t, filepath.Join(root, "payments"), nil, nil, bin, "render", ".")
	if r.code != 1 || !strings.Contains(r.stderr, "payments/payments changed: inbound declarations") || !strings.Contains(r.stderr, "lattice directory build") {
		t.Errorf("payments after its change: exit %d, want a stale error\n%s", r.code, r.stderr)
	}
	if r := runIn(t, filepath.Join(root, "storefront"), nil, nil, bin, "render", "."); r.code != 0 {
		t.Errorf("storefront with a stale entry for payments: exit %d\n%s", r.code, r.stderr)
	}
}

// TestTeamsStale walks a stale directory: the render of the changed team
// fails naming the service, what changed and the command, together with
// its other errors; `lattice check` says the same; the CI gate fails; the
// other teams render; rebuilding fixes everything.
func TestTeamsStale(t *testing.T) {
	bin := harness.LatticeBin(t)
	dir := filepath.Join(t.TempDir(), "teams")
	copyTree(t, teamsRoot(), dir)
	// payments stops admitting checkout, and gets an unrelated error.
	editFile(t, filepath.Join(dir, "teams", "payments", "payments.yaml"), "      checkout:\n        type: service\n        direction: inbound\n        namespace: storefront\n        rules:\n          - methods: [POST]\n            paths: [/charge]\n", "")
	editFile(t, filepath.Join(dir, "teams", "payments", "ledger.yaml"), "limits: {cpu: 500m, memory: 256Mi}", "limits: {cpu: 500m, memory: lots}")

	stale := "the service directory is stale for render teams/payments of cluster prod (payments/payments changed: inbound declarations); run `lattice directory build` and commit the result with the change"
	for _, args := range [][]string{{"render", "teams/payments"}, {"check", "teams/payments"}} {
		r := runIn(t, dir, nil, nil, bin, args...)
		text := r.stdout + r.stderr
		if r.code != 1 || !strings.Contains(text, stale) || !strings.Contains(text, "lots") {
			t.Errorf("lattice %s: exit %d, want the stale error and the other error together:\n%s", args[0], r.code, text)
		}
	}
	// With the other error fixed, the stale directory still fails the render.
	editFile(t, filepath.Join(dir, "teams", "payments", "ledger.yaml"), "memory: lots", "memory: 256Mi")
	if r := runIn(t, dir, nil, nil, bin, "render", "teams/payments"); r.code != 1 || !strings.Contains(r.stderr, stale) {
		t.Errorf("render of the stale team: exit %d\n%s", r.code, r.stderr)
	}
	r := runIn(t, dir, nil, nil, bin, "directory", "check", "fleet.yaml")
	if r.code != 1 || !strings.Contains(r.stdout, "service-directory.yaml: stale") || !strings.Contains(r.stdout, "~ prod payments/payments") || !strings.Contains(r.stdout, "run `lattice directory build fleet.yaml`") {
		t.Errorf("directory check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// storefront's view still records payments admitting checkout: the
	// render of storefront is unchanged and admits nothing on payments.
	if r := runIn(t, dir, nil, nil, bin, "render", "teams/storefront"); r.code != 0 {
		t.Errorf("render of an unchanged team: exit %d\n%s", r.code, r.stderr)
	}

	if r := runIn(t, dir, nil, nil, bin, "directory", "build", "fleet.yaml"); r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	if r := runIn(t, dir, nil, nil, bin, "directory", "check", "fleet.yaml"); r.code != 0 {
		t.Errorf("check after build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	pay := runIn(t, dir, nil, nil, bin, "render", "teams/payments")
	if pay.code != 0 || strings.Contains(pay.stdout, "ns/storefront/sa/checkout") {
		t.Errorf("payments after the rebuild: exit %d, and it must not admit checkout\n%s", pay.code, pay.stderr)
	}
	front := runIn(t, dir, nil, nil, bin, "render", "teams/storefront")
	if front.code != 0 || !strings.Contains(front.stderr, "storefront/checkout declares payments/payments of render teams/payments outbound, but payments/payments of render teams/payments does not accept") {
		t.Errorf("storefront after the rebuild: exit %d, want a one-sided warning naming the other render\n%s", front.code, front.stderr)
	}
	if !bytes.Contains([]byte(front.stdout), []byte("kind: Deployment")) {
		t.Error("storefront rendered nothing")
	}
}

// str is the string at path in a decoded object ("" when absent).
func str(o map[string]any, path ...string) string {
	var v any = o
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}
