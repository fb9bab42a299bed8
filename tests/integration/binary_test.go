// Package integration runs lattice the way its users do: through the real
// kustomize (exec and container functions, layered overlays), kpt's
// function contract, Argo CD's config management plugin and Flux, the
// pre-commit hook, the container image, and the describe commands (graph,
// explain, diff) with their golden files under testdata/describe.
//
// Helpers shared by the delivery tests: the lattice binary comes from
// tests/internal/harness (built once per `go test` run); the container
// image is built here, once, when a test needs it.
//
// The test binary doubles as a stand-in `docker` CLI (see docker_test.go):
// when it runs under the name "docker" it executes a container from the
// image layout the tests built, the way kustomize and kpt ask docker to.
package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

var (
	imgOnce  sync.Once
	imgPath  string
	imgErr   error
	imageTag = "ghcr.io/lattice-dev/lattice:test"
)

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "docker" {
		os.Exit(dockerShim(os.Args[1:]))
	}
	os.Exit(harness.Main(m))
}

// imageLayout builds the container image for the host platform once with
// tools/imagebuild and returns the OCI layout directory, tagged imageTag.
func imageLayout(t testing.TB) string {
	t.Helper()
	imgOnce.Do(func() {
		imgPath = filepath.Join(harness.TempRoot(t), "image")
		cmd := exec.Command("go", "run", "./tools/imagebuild", "-o", imgPath, "-tag", imageTag,
			"-platforms", "linux/"+runtime.GOARCH, "-version", "v0.0.0-test", "-revision", "0123456789abcdef",
			"-created", "2026-01-02T03:04:05Z")
		cmd.Dir = harness.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			imgErr = fmt.Errorf("go run ./tools/imagebuild: %w\n%s", err, out)
		}
	})
	if imgErr != nil {
		t.Fatal(imgErr)
	}
	return imgPath
}

// pathWith returns a PATH value with dirs first, then the current PATH.
func pathWith(dirs ...string) string {
	return strings.Join(append(dirs, os.Getenv("PATH")), string(os.PathListSeparator))
}

// result is a finished command.
type result struct {
	stdout, stderr string
	code           int
}

// runIn runs name args in dir with env added to the test's environment.
func runIn(t testing.TB, dir string, env []string, stdin io.Reader, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(lookPath(t, name, env), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("cannot run %s: %v", name, err)
	}
	return result{out.String(), errb.String(), code}
}

// lookPath finds name on the PATH that env sets (the last PATH= wins, as
// for the child), else on the test's PATH.
func lookPath(t testing.TB, name string, env []string) string {
	t.Helper()
	if strings.Contains(name, "/") {
		return name
	}
	path := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("%s not found on PATH %s", name, path)
	return ""
}

// copyTree copies dir src to dst (created), keeping file modes.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot reads every file under dir (relative path → content).
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// writeFiles writes name → content under dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
