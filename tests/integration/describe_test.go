package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// Golden tests for `lattice graph`, `lattice explain` and `lattice diff`,
// run through the built binary. Expected files live in
// testdata/describe/<case>/; -update rewrites them.

// describeCases is a function, not a variable: the test binary also runs
// as the docker stand-in (binary_test.go), where the repository root is
// not above its working directory.
func describeCases() []describeCase {
	return []describeCase{
		{name: "commerce", dir: filepath.Join(harness.RepoRoot(), "examples", "commerce"), explain: []string{"commerce/checkout", "commerce/payments"}, focus: "commerce/cart"},
		{name: "one-sided", dir: filepath.Join("testdata", "describe", "one-sided", "input"), explain: []string{"shop/api"}},
		// One render of several (docs/teams.md): the services and the
		// member of the other renders it agrees with through the
		// directory are drawn dashed, labelled with their render.
		{name: "teams-payments", dir: filepath.Join(harness.RepoRoot(), "examples", "teams", "teams", "payments")},
	}
}

type describeCase struct {
	name    string
	dir     string   // rendered directory
	explain []string // services to explain
	focus   string
}

func TestDescribeGolden(t *testing.T) {
	bin := harness.LatticeBin(t)
	for _, tc := range describeCases() {
		t.Run(tc.name, func(t *testing.T) {
			golden := filepath.Join("testdata", "describe", tc.name)
			for _, f := range []struct{ file, format string }{{"graph.mmd", "mermaid"}, {"graph.dot", "dot"}, {"graph.json", "json"}} {
				r := runIn(t, ".", nil, nil, bin, "graph", "-o", f.format, tc.dir)
				if r.code != 0 {
					t.Fatalf("graph -o %s: exit %d\n%s", f.format, r.code, r.stderr)
				}
				harness.CheckFile(t, filepath.Join(golden, f.file), []byte(r.stdout))
				if f.format == "dot" {
					checkDOT(t, r.stdout)
				}
			}
			if tc.focus != "" {
				r := runIn(t, ".", nil, nil, bin, "graph", "--focus", tc.focus, tc.dir)
				if r.code != 0 {
					t.Fatalf("graph --focus: exit %d\n%s", r.code, r.stderr)
				}
				harness.CheckFile(t, filepath.Join(golden, "focus.mmd"), []byte(r.stdout))
			}
			for _, svc := range tc.explain {
				r := runIn(t, ".", nil, nil, bin, "explain", svc, tc.dir)
				if r.code != 0 {
					t.Fatalf("explain %s: exit %d\n%s", svc, r.code, r.stderr)
				}
				harness.CheckFile(t, filepath.Join(golden, "explain-"+strings.ReplaceAll(svc, "/", "-")+".txt"), []byte(r.stdout))
			}
		})
	}
	r := runIn(t, ".", nil, nil, bin, "explain", "commerce/nope", filepath.Join(harness.RepoRoot(), "examples", "commerce"))
	if r.code != 1 || !strings.Contains(r.stderr, "no LatticeService commerce/nope") {
		t.Errorf("explain of a missing service: exit %d, stderr %q", r.code, r.stderr)
	}
}

// checkDOT proves the DOT output is valid by rendering it with Graphviz.
func checkDOT(t *testing.T, dot string) {
	t.Helper()
	path, err := exec.LookPath("dot")
	if err != nil {
		t.Fatal("Graphviz `dot` is not installed (apt-get install graphviz; .ci/run installs it)")
	}
	cmd := exec.Command(path, "-Tsvg")
	cmd.Stdin = strings.NewReader(dot)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "<svg") {
		t.Fatalf("dot rejected the graph: %v\n%s", err, out)
	}
}

// TestDiff commits a small app to a throwaway git repository, changes it,
// and checks the security summary and --fail-on-new-access.
func TestDiff(t *testing.T) {
	bin := harness.LatticeBin(t)
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		r := runIn(t, repo, []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}, nil, "git", args...)
		if r.code != 0 {
			t.Fatalf("git %v: %s", args, r.stderr)
		}
	}
	src := filepath.Join("testdata", "describe", "diff")
	copyTree(t, filepath.Join(src, "before"), filepath.Join(repo, "app"))
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "before")

	r := runIn(t, repo, nil, nil, bin, "diff", "app")
	if r.code != 0 || !strings.Contains(r.stdout, "Security-relevant changes\n  none") {
		t.Fatalf("diff without changes: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	if err := os.RemoveAll(filepath.Join(repo, "app")); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(src, "after"), filepath.Join(repo, "app"))
	r = runIn(t, repo, nil, nil, bin, "diff", "app")
	if r.code != 0 {
		t.Fatalf("diff: exit %d\n%s", r.code, r.stderr)
	}
	harness.CheckFile(t, filepath.Join(src, "diff.txt"), []byte(r.stdout))

	r = runIn(t, repo, nil, nil, bin, "diff", "--fail-on-new-access", "app")
	if r.code != 1 || !strings.Contains(r.stderr, "grants new access") {
		t.Errorf("--fail-on-new-access: exit %d, stderr %q", r.code, r.stderr)
	}
}
