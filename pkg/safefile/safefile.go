// Package safefile writes the files lattice generates (the image lock, the
// fleet inventory) so that a reader never sees half of one.
package safefile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data atomically: a temporary file in the same
// directory, synced, then renamed over path. Readers (a render, a CI job)
// see the old file or the new one, never half of one.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}
