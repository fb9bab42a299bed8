package integration

// pre-commit, for real: the Debian package's pre-commit (3.0.4 here;
// `apt-get install -y pre-commit`, which .ci/run does) installs the hook
// from a git snapshot of this working tree, the way an app repository's
// .pre-commit-config.yaml pulls it from GitHub: `language: golang` clones
// the repository and runs `go install ./...` with the Go on PATH. A
// throwaway app repository then makes a good commit (accepted) and a bad
// one (refused, with FILE:LINE errors).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

func gitEnv(home string) []string {
	return []string{
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(home, "gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
	}
}

func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	res := runIn(t, dir, env, nil, name, args...)
	if res.code != 0 {
		t.Fatalf("%s %s: exit %d\n%s%s", name, strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// hookRepository snapshots the working tree (tracked and untracked files,
// minus what .gitignore excludes) into a fresh git repository and returns
// it with its commit.
func hookRepository(t *testing.T, env []string) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lattice")
	files := mustRun(t, harness.RepoRoot(), env, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		src := filepath.Join(harness.RepoRoot(), f)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, dir, env, "git", "init", "-q", "-b", "main")
	mustRun(t, dir, env, "git", "add", "-A")
	mustRun(t, dir, env, "git", "commit", "-q", "-m", "snapshot")
	return dir, strings.TrimSpace(mustRun(t, dir, env, "git", "rev-parse", "HEAD"))
}

func TestPreCommitHook(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Fatal("pre-commit is not installed; install it with `apt-get install -y pre-commit` (.ci/run does)")
	}
	home := t.TempDir()
	modcache := strings.TrimSpace(mustRun(t, harness.RepoRoot(), nil, "go", "env", "GOMODCACHE"))
	env := append(gitEnv(home),
		"PRE_COMMIT_HOME="+filepath.Join(home, "pre-commit"),
		// pre-commit sets GOPATH to the hook environment; keep the module
		// cache shared so the install reads modules instead of downloading.
		"GOMODCACHE="+modcache,
	)
	hooks, rev := hookRepository(t, env)

	app := filepath.Join(t.TempDir(), "app")
	copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "flux", "deploy"), app)
	writeFiles(t, app, map[string]string{
		".pre-commit-config.yaml": "repos:\n  - repo: " + hooks + "\n    rev: " + rev + "\n    hooks:\n      - id: lattice-check\n",
		"README.md":               "# shop\n",
	})
	mustRun(t, app, env, "git", "init", "-q", "-b", "main")
	mustRun(t, app, env, "pre-commit", "install")

	// A good commit goes through (the first one builds the hook).
	mustRun(t, app, env, "git", "add", "-A")
	res := runIn(t, app, env, nil, "git", "commit", "-m", "good")
	if res.code != 0 || !strings.Contains(res.stdout+res.stderr, "lattice check") || !strings.Contains(res.stdout+res.stderr, "Passed") {
		t.Fatalf("good commit: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// A bad one is refused, with FILE:LINE errors.
	api := filepath.Join(app, "api.yaml")
	data, err := os.ReadFile(api)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(api, append(data, "  replica: 2\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, app, env, "git", "add", "-A")
	res = runIn(t, app, env, nil, "git", "commit", "-m", "bad")
	out := res.stdout + res.stderr
	if res.code == 0 {
		t.Fatalf("bad commit accepted:\n%s", out)
	}
	for _, want := range []string{"Failed", "api.yaml:", `error: LatticeService shop/api: spec.replica: "replica": unknown field; did you mean "replicas"?`} {
		if !strings.Contains(out, want) {
			t.Errorf("hook output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.TrimSpace(mustRun(t, app, env, "git", "rev-list", "--count", "HEAD")); n != "1" {
		t.Errorf("%s commits, want only the good one", n)
	}

	// Changes to files the hook does not watch do not run it.
	mustRun(t, app, env, "git", "reset", "-q", "--hard", "HEAD")
	writeFiles(t, app, map[string]string{"README.md": "# shop\n\nMore.\n"})
	mustRun(t, app, env, "git", "add", "-A")
	res = runIn(t, app, env, nil, "git", "commit", "-m", "docs")
	if res.code != 0 || !strings.Contains(res.stdout+res.stderr, "(no files to check)Skipped") {
		t.Errorf("docs-only commit: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
