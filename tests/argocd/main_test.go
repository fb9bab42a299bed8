// Package argocd runs lattice's Config Management Plugin
// (examples/argocd/cmp/plugin.yaml, unchanged) under Argo CD's real
// argocd-cmp-server, driven by Argo CD's own repo-server code: the same
// discovery, tar streaming and manifest parsing a live repo-server runs.
//
// This is its own module because Argo CD v3.6.2 needs Go 1.27 (the Makefile
// exports GOTOOLCHAIN=go1.27.3 for this directory only) and pins k8s.io
// modules the main module does not use. The argocd binary is built from the
// module proxy once into ~/.cache/lattice/argocd/<version> (outside git);
// argo-cd's main dispatches on argv[0], so it runs as argocd-cmp-server
// through a symlink of that name.
package argocd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// argoCDVersion is the argo-cd module version in go.mod.
const argoCDVersion = "v3.6.2"

// repoRoot is two levels up from the package directory, where go test
// runs the test (runtime.Caller names no file under -trimpath).
var repoRoot = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "..", "..")
}()

// tool returns the program named by env (set by the Makefile), else the
// one `make build` leaves in bin/.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		p = filepath.Join(repoRoot, "bin", name)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found (%v); run this test with `make test-argocd`, which builds it", p, err)
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// argocdBin builds the real argocd binary from the module proxy, once, into
// the cache (with a lock, so parallel runs build it once) and returns it.
func argocdBin(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LATTICE_ARGOCD_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(cache, "lattice", "argocd", argoCDVersion)
	}
	bin := filepath.Join(dir, "argocd")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	t.Logf("building argocd %s into %s (cold: about 15 CPU-minutes)", argoCDVersion, dir)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin+".tmp", "github.com/argoproj/argo-cd/v3/cmd")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build argocd: %v\n%s", err, out.String())
	}
	if err := os.Rename(bin+".tmp", bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func must(t *testing.T, err error, what ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprint(what...), err)
	}
}
