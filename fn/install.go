package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, installCmd) }

func installCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "install DIR",
		Short: "Copy this lattice binary into DIR (for Argo CD's repo-server init container)",
		Long: `install copies the running lattice executable to DIR/lattice, creating DIR if needed.
It exists for images without a shell: an init container runs ` + "`lattice install /custom-tools`" + `
from the lattice image into a shared emptyDir, and the repo-server mounts the copy on its
PATH, so kustomize can run lattice as an exec KRM function (the KSOPS pattern).
The copy is written to a temporary file and renamed, so DIR never holds half a binary.`,
		Example: `  lattice install /custom-tools`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" || filepath.Base(name) != name {
				return usageErr(stderr, fmt.Errorf("--name %q must be a plain file name", name))
			}
			self, err := executable()
			if err != nil {
				fmt.Fprintln(stderr, "lattice: cannot find the running executable:", err)
				return exitErr{exitError}
			}
			dst := filepath.Join(args[0], name)
			if err := copyExecutable(self, dst); err != nil {
				fmt.Fprintf(stderr, "lattice: cannot install into %s: %v\n", args[0], err)
				return exitErr{exitError}
			}
			fmt.Fprintln(stdout, "installed", dst)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "lattice", "file name of the copy")
	return cmd
}

// executable is the running binary. Without /proc (some sandboxes) the
// absolute path it was started by is the next best answer.
func executable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		if filepath.IsAbs(os.Args[0]) {
			return os.Args[0], nil
		}
		if p, lerr := exec.LookPath(os.Args[0]); lerr == nil && filepath.IsAbs(p) {
			return p, nil
		}
		return "", err
	}
	return filepath.EvalSymlinks(self)
}

func copyExecutable(src, dst string) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, in); err != nil {
		return err
	}
	if err = tmp.Chmod(0o755); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
