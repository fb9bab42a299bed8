package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "custom-tools")
	code, out, errOut := cli(t, "install", dir)
	if code != 0 || strings.TrimSpace(out) != "installed "+filepath.Join(dir, "lattice") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(self)
	got, err := os.ReadFile(filepath.Join(dir, "lattice"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the copy differs from the running binary (%v)", err)
	}
	st, _ := os.Stat(filepath.Join(dir, "lattice"))
	if st.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", st.Mode().Perm())
	}
	// Installing again replaces the file in place.
	if code, _, errOut := cli(t, "install", dir, "--name", "lattice-fn"); code != 0 {
		t.Fatal(errOut)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files in %s: %v, want lattice and lattice-fn only", dir, entries)
	}

	if code, _, errOut := cli(t, "install", dir, "--name", "../x"); code != 2 || !strings.Contains(errOut, "plain file name") {
		t.Errorf("bad --name: exit %d: %s", code, errOut)
	}
	blocker := filepath.Join(t.TempDir(), "file")
	mustWrite(t, blocker, nil)
	if code, _, errOut := cli(t, "install", filepath.Join(blocker, "sub")); code != 1 || !strings.Contains(errOut, "cannot install") {
		t.Errorf("unwritable dir: exit %d: %s", code, errOut)
	}
}
