package integration

// pre-commit, for real: the Debian package's pre-commit (3.0.4 here;
// `make test` installs it when missing) installs the hooks
// from a git snapshot of this working tree, the way an app repository's
// .pre-commit-config.yaml pulls it from GitHub: `language: golang` clones
// the repository and runs `go install ./...` with the Go on PATH. A
// throwaway app repository then makes a good commit (accepted) and a bad
// one (refused, with FILE:LINE errors).

import (
	"github.com/lattice-dev/lattice/tests/internal/harness"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// documentedConfig is the .pre-commit-config.yaml of docs/pre-commit.md,
// pointed at hooks@rev: every repository below uses it unchanged.
func documentedConfig(t *testing.T, hooks, rev string) string {
	t.Helper()
	doc := readFile(t, filepath.Join(harness.RepoRoot(), "docs", "pre-commit.md"))
	_, block, ok := strings.Cut(doc, "```yaml\nrepos:\n")
	if !ok {
		t.Fatal("docs/pre-commit.md has no ```yaml block starting with repos:")
	}
	block, _, _ = strings.Cut("repos:\n"+block, "```")
	var out []string
	for _, line := range strings.Split(block, "\n") {
		switch k := strings.TrimSpace(line); {
		case strings.HasPrefix(k, "- repo: https://github.com/lattice-dev/lattice"):
			line = strings.Replace(line, "https://github.com/lattice-dev/lattice", hooks, 1)
		case strings.HasPrefix(k, "rev: "):
			line = line[:strings.Index(line, "rev: ")] + "rev: " + rev
		}
		out = append(out, line)
	}
	cfg := strings.Join(out, "\n")
	for _, id := range []string{"id: lattice-check", "id: lattice-fleet-check"} {
		if !strings.Contains(cfg, id) {
			t.Fatalf("the documented config lacks %s:\n%s", id, cfg)
		}
	}
	return cfg
}

// TestPreCommitHook: the documented config, unchanged, in the three kinds
// of repositories people have: one app, a monorepo of teams (several
// render roots, each with its Platform) and a fleet repository (one
// directory per cluster plus the Fleet). Good commits pass, bad ones are
// refused with FILE:LINE errors or the stale inventory named.
func TestPreCommitHook(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Fatal("pre-commit is not installed; `make test` installs it (apt-get install -y pre-commit)")
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
	config := documentedConfig(t, hooks, rev)

	newRepo := func(t *testing.T, layout map[string]string) string {
		t.Helper()
		repo := filepath.Join(t.TempDir(), "repo")
		for dst, src := range layout {
			copyTree(t, filepath.Join(harness.RepoRoot(), src), filepath.Join(repo, dst))
		}
		writeFiles(t, repo, map[string]string{".pre-commit-config.yaml": config, "README.md": "# repo\n"})
		mustRun(t, repo, env, "git", "init", "-q", "-b", "main")
		mustRun(t, repo, env, "pre-commit", "install")
		return repo
	}
	commit := func(t *testing.T, repo, msg string) (int, string) {
		t.Helper()
		mustRun(t, repo, env, "git", "add", "-A")
		res := runIn(t, repo, env, nil, "git", "commit", "-m", msg)
		return res.code, res.stdout + res.stderr
	}
	edit := func(t *testing.T, file, old, new string) {
		t.Helper()
		data := readFile(t, file)
		if !strings.Contains(data, old) {
			t.Fatalf("%s lacks %q", file, old)
		}
		writeFiles(t, filepath.Dir(file), map[string]string{filepath.Base(file): strings.Replace(data, old, new, 1)})
	}
	passed := func(t *testing.T, code int, out string) {
		t.Helper()
		if code != 0 || strings.Count(out, "Passed") != 2 {
			t.Fatalf("good commit: exit %d\n%s", code, out)
		}
	}
	refused := func(t *testing.T, repo string, code int, out string, want ...string) {
		t.Helper()
		if code == 0 {
			t.Fatalf("bad commit accepted:\n%s", out)
		}
		for _, w := range append(want, "Failed") {
			if !strings.Contains(out, w) {
				t.Errorf("hook output lacks %q:\n%s", w, out)
			}
		}
		if n := strings.TrimSpace(mustRun(t, repo, env, "git", "rev-list", "--count", "HEAD")); n != "1" {
			t.Errorf("%s commits, want only the good one", n)
		}
		mustRun(t, repo, env, "git", "reset", "-q", "--hard", "HEAD")
	}

	t.Run("single app", func(t *testing.T) {
		app := newRepo(t, map[string]string{".": "examples/flux/deploy"})
		// A good commit goes through (the first one builds the hooks).
		code, out := commit(t, app, "good")
		passed(t, code, out)
		edit(t, filepath.Join(app, "api.yaml"), "spec:\n", "spec:\n  replica: 2\n")
		code, out = commit(t, app, "bad")
		refused(t, app, code, out, "api.yaml:", `error: LatticeService shop/api: spec.replica: "replica": unknown field; did you mean "replicas"?`)

		// Changes to files the hooks do not watch do not run them.
		writeFiles(t, app, map[string]string{"README.md": "# shop\n\nMore.\n"})
		if code, out := commit(t, app, "docs"); code != 0 || strings.Count(out, "(no files to check)Skipped") != 2 {
			t.Errorf("docs-only commit: exit %d\n%s", code, out)
		}
	})

	t.Run("monorepo of teams", func(t *testing.T) {
		// Two render roots, each with its Platform: one render of the
		// whole tree would see both Platforms.
		mono := newRepo(t, map[string]string{"teams/shop": "examples/argocd/app", "teams/commerce": "examples/commerce"})
		code, out := commit(t, mono, "good")
		passed(t, code, out)
		edit(t, filepath.Join(mono, "teams", "commerce", "payments.yaml"), "spec:\n", "spec:\n  replica: 2\n")
		code, out = commit(t, mono, "bad")
		refused(t, mono, code, out, "teams/commerce/payments.yaml:", `"replica": unknown field`)
	})

	t.Run("fleet", func(t *testing.T) {
		// One directory per cluster, each with its Platform, and the Fleet
		// whose inventories lattice-fleet-check keeps current.
		fleet := newRepo(t, map[string]string{".": "examples/fleet/federated"})
		code, out := commit(t, fleet, "good")
		passed(t, code, out)
		edit(t, filepath.Join(fleet, "fleet.yaml"), "network: net-west", "network: net-west-2")
		code, out = commit(t, fleet, "stale inventory")
		refused(t, fleet, code, out, "lattice fleet check", "west/fleet-inventory.yaml")
		if strings.Count(out, "Passed") != 1 {
			t.Errorf("only the fleet hook should fail:\n%s", out)
		}
	})
}
