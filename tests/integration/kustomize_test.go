package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// These tests run the real kustomize binary with lattice as an exec KRM
// function, the way platform teams wire it up.

// kustomizeBin finds kustomize: $KUSTOMIZE, bin/kustomize, or installs the
// pinned version into bin/ from the Go module proxy.
func kustomizeBin(t testing.TB) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	k, _ := filepath.Abs(filepath.Join(harness.RepoRoot(), "bin", "kustomize"))
	if _, err := os.Stat(k); err == nil {
		return k
	}
	cmd := exec.Command("go", "install", "sigs.k8s.io/kustomize/kustomize/v5@v5.8.1")
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(k))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("installing kustomize: %v\n%s", err, out)
	}
	return k
}

func kustomizeBuild(t *testing.T, dir string, flags ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := filepath.Dir(harness.LatticeBin(t))
	args := append([]string{"build"}, flags...)
	cmd := exec.Command(kustomizeBin(t), append(args, dir)...)
	cmd.Env = append(os.Environ(), "PATH="+pathWith(bin))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

var execFlags = []string{"--enable-alpha-plugins", "--enable-exec"}

// TestKustomizeExamples builds every example with a kustomization and an
// expected.yaml and compares the output byte for byte.
func TestKustomizeExamples(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(harness.RepoRoot(), "examples", "*", "kustomization.yaml"))
	n := 0
	for _, k := range dirs {
		dir := filepath.Dir(k)
		if _, err := os.Stat(filepath.Join(dir, "expected.yaml")); err != nil && !harness.Update() {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			out, stderr, err := kustomizeBuild(t, dir, execFlags...)
			if err != nil {
				t.Fatalf("kustomize build: %v\n%s", err, stderr)
			}
			harness.CheckFile(t, filepath.Join(dir, "expected.yaml"), []byte(out))
			if strings.Contains(out, "kind: LatticeService") {
				t.Error("a LatticeService reached the output")
			}
			again, _, err := kustomizeBuild(t, dir, execFlags...)
			if err != nil || again != out {
				t.Error("a second kustomize build differs from the first")
			}
		})
	}
	if n == 0 {
		t.Fatal("no example has a kustomization.yaml and expected.yaml")
	}
}

// TestKustomizeErrors: a bad spec fails the build with a readable message
// on stderr and nothing on stdout.
func TestKustomizeErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "kustomization.yaml", "resources: [svc.yaml]\ntransformers: [platform.yaml]\n")
	write(t, dir, "platform.yaml", "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: lattice\n")
	write(t, dir, "svc.yaml", `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: api, namespace: prod}
spec:
  replica: 3
  workload:
    containers:
      main:
        image: nginx:1.27
        command: [nginx]
`)
	out, stderr, err := kustomizeBuild(t, dir, execFlags...)
	if err == nil {
		t.Fatal("kustomize build succeeded on a bad spec")
	}
	if out != "" {
		t.Errorf("stdout is not empty:\n%s", out)
	}
	for _, want := range []string{
		`LatticeService prod/api: spec.replica: "replica": unknown field; did you mean "replicas"?`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestKustomizeWithoutExec: kustomize silently skips exec functions without
// --enable-exec. The build must then not look like an empty success: the
// LatticeService stays in the output, where `kubectl apply` rejects it
// ("no matches for kind"), instead of an empty stream Argo CD would prune to.
func TestKustomizeWithoutExec(t *testing.T) {
	dir := filepath.Join(harness.RepoRoot(), "examples", "commerce")
	out, _, err := kustomizeBuild(t, dir, "--enable-alpha-plugins")
	if err != nil {
		t.Logf("kustomize refused the build without --enable-exec (loud, as wanted): %v", err)
		return
	}
	if !strings.Contains(out, "kind: LatticeService") {
		t.Fatalf("without --enable-exec the output lost the LatticeServices:\n%s", out)
	}
	if _, stderr, err := kustomizeBuild(t, dir); err == nil || !strings.Contains(stderr, "plugins") {
		t.Errorf("without --enable-alpha-plugins kustomize should fail loudly, got err=%v stderr=%s", err, stderr)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
