// Package harness holds what the test packages under tests/ share: the
// -update flag and golden-file check, an in-process render, the lattice
// binary (built once per test process) and a runner for it.
//
// It is test support only: nothing outside tests/ imports it. Each test
// package that builds the binary wires it up in its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
package harness

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
)

var update = flag.Bool("update", false, "rewrite expected files from the current output")

// Update reports whether the run was asked to rewrite expected files.
func Update() bool { return *update }

// modulePath names the lattice module; RepoRoot looks for its go.mod.
const modulePath = "github.com/lattice-dev/lattice"

var (
	rootOnce sync.Once
	root     string
)

// RepoRoot is the lattice module root as a path relative to the test's
// working directory (go test runs in the package directory), e.g. "../..".
// Relative, so paths that reach output (describe, kpt) stay the same in
// every checkout.
func RepoRoot() string {
	rootOnce.Do(func() {
		rel := "."
		for range 8 {
			data, err := os.ReadFile(filepath.Join(rel, "go.mod"))
			if err == nil && bytes.HasPrefix(data, []byte("module "+modulePath+"\n")) {
				root = filepath.Clean(rel)
				return
			}
			rel = filepath.Join(rel, "..")
		}
		panic("harness: no " + modulePath + " go.mod above the working directory")
	})
	return root
}

var (
	tmpRoot string
	binOnce sync.Once
	binPath string
	binErr  error
)

// Main runs the tests with a temporary directory for what is built once per
// process (TempRoot), removed afterwards; it returns the exit code.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lattice-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	return code
}

// TempRoot is the per-process directory Main made.
func TempRoot(t testing.TB) string {
	t.Helper()
	if tmpRoot == "" {
		t.Fatal("harness: TestMain must call harness.Main")
	}
	return tmpRoot
}

// LatticeBin builds ./fn once, static like the release binary
// (CGO_ENABLED=0, -trimpath), and returns its path. Its directory holds
// only the binary, so tests put it on PATH as `lattice`.
func LatticeBin(t testing.TB) string {
	t.Helper()
	tmp := TempRoot(t)
	binOnce.Do(func() {
		dir := filepath.Join(tmp, "bin")
		if binErr = os.MkdirAll(dir, 0o755); binErr != nil {
			return
		}
		binPath = filepath.Join(dir, "lattice")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binPath, "./fn")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./fn: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// CheckFile compares got with the file at path, or rewrites the file with
// -update. An empty got means the file must not exist. A difference fails
// the test with a line diff (-want +got), not the two files.
func CheckFile(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if len(got) == 0 {
			_ = os.Remove(path)
			return
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		want = nil
	} else if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (rerun this test with -update and review the change) (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// RenderStream renders a YAML stream in process, like `lattice render`
// does: the output stream (empty when the render failed), the results as
// the binary prints them, and whether the render failed.
func RenderStream(t testing.TB, input []byte, name string) (out []byte, results string, failed bool) {
	t.Helper()
	items, err := krm.ParseStream(input, name)
	if err != nil {
		return nil, "error: " + err.Error() + "\n", true
	}
	o := render.Render(items, nil, render.Stream)
	var buf bytes.Buffer
	if !o.Failed {
		if err := krm.WriteStream(&buf, o.Items); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes(), render.Format(o.Results), o.Failed
}

// YAMLStream writes docs (any values sigs.k8s.io/yaml marshals) as one
// YAML stream.
func YAMLStream(t testing.TB, docs []any) []byte {
	t.Helper()
	var buf bytes.Buffer
	for i, d := range docs {
		b, err := sigsyaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes()
}

// ResourceList wraps the documents of a stream as ResourceList items, the
// way kustomize hands them to an exec function.
func ResourceList(stream []byte) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, doc := range bytes.Split(stream, []byte("\n---\n")) {
		doc = bytes.TrimPrefix(doc, []byte("---\n"))
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(doc), "\n"), "\n") {
			switch {
			case i == 0:
				b.WriteString("- ")
			case line != "":
				b.WriteString("  ")
			}
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
}

// BinRun is a finished run of the lattice binary.
type BinRun struct {
	Code           int
	Stdout, Stderr string
	Elapsed        time.Duration
	MaxRSS         int64 // bytes; 0 where /usr/bin/time is missing
}

// RunBinary runs the built lattice in dir with a timeout and a minimal
// environment; a run that does not finish in time is a failure (a hang on
// hostile input).
func RunBinary(t testing.TB, dir string, timeout time.Duration, stdin []byte, args ...string) BinRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Peak memory comes from /usr/bin/time where it exists: a child's own
	// rusage would include the test process it was forked from.
	rssFile := ""
	name := LatticeBin(t)
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		rssFile = filepath.Join(t.TempDir(), "rss")
		args = append([]string{"-f", "%M", "-o", rssFile, name}, args...)
		name = "/usr/bin/time"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := BinRun{Stdout: out.String(), Stderr: errb.String(), Elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("lattice %v did not finish within %v", args, timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("cannot run lattice: %v", err)
	}
	if rssFile != "" {
		data, _ := os.ReadFile(rssFile)
		fields := strings.Fields(string(data))
		if len(fields) > 0 {
			kb, _ := strconv.ParseInt(fields[len(fields)-1], 10, 64)
			r.MaxRSS = kb << 10
		}
	}
	return r
}
