package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeInstall runs the README's install line (`go build -o
// DIR/lattice ./fn` from a clone) and checks the binary is named lattice
// and runs: `go install ./fn` would name it fn, after its directory.
func TestReadmeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const line = "`go build -o ~/.local/bin/lattice ./fn`"
	if !strings.Contains(string(readme), line) {
		t.Fatalf("README.md no longer says %s", line)
	}
	dir := t.TempDir()
	args := strings.Fields(strings.Trim(line, "`"))
	args[3] = filepath.Join(dir, "lattice") // ~/.local/bin/lattice
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "lattice"), "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "lattice ") {
		t.Errorf("lattice --version: %v, %q", err, out)
	}
}
