package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/pin"
	"github.com/lattice-dev/lattice/pkg/safefile"
)

func init() { commands = append(commands, pinCmd) }

func pinCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		check    bool
		insecure bool
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "pin DIR...",
		Short: "Resolve image tags to digests and record them in DIR/" + pin.FileName,
		Long: `pin finds every LatticeService container image under DIR that has a tag but no digest,
asks its registry which digest the tag points at, and writes the answers to
DIR/` + pin.FileName + `, an ImageLock marked config.kubernetes.io/local-config. Rendering
reads the lock offline and emits tag@digest, so the platform's digest requirement is met
without hand-editing digests; rendering itself never touches the network.

The lock is replaced whole (temporary file, then rename) and only when every image
resolved: a failed pin leaves the previous lock as it was.

With --check nothing is written: pin fails when the lock is missing, malformed, lacks an
image in use, lists an image nothing uses, or records a digest the registry no longer
serves for that tag. Credentials come from the Docker config (docker login, credential
helpers).`,
		Example: `  lattice pin ./deploy            # write deploy/` + pin.FileName + `
  lattice pin --check ./deploy    # in CI: fail when the lock is stale`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, dir := range args {
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					return usageErr(stderr, fmt.Errorf("%s is not a directory; pin writes DIR/%s", dir, pin.FileName))
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			reg := pin.Registry{Insecure: insecure}
			ok := true
			for _, dir := range args {
				var dirOK bool
				if check {
					dirOK = pinCheck(ctx, reg, dir, stdout, stderr)
				} else {
					dirOK = pinWrite(ctx, reg, dir, stderr)
				}
				ok = ok && dirOK
			}
			if !ok {
				return exitErr{exitError}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "verify the lock against the registry and write nothing")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "allow registries served over plain HTTP")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up resolving after this long")
	return cmd
}

// pinInputs reads the images in use under dir from the files `lattice
// render dir` reads (with a kustomization: the files it lists, which
// should include the lock). A lock that is not even YAML is about to be
// replaced, so without a kustomization it is skipped instead of blocking
// its own repair.
func pinInputs(ctx context.Context, reg pin.Resolver, dir string, stderr io.Writer) (lockPath string, uses []pin.Use, resolved map[string]string, failures map[string]error, ok bool) {
	lockPath = filepath.Join(dir, pin.FileName)
	kust := kustomizationIn(dir)
	items, err := readPaths([]string{dir})
	if err != nil && kust != "" && (errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "no such file")) && strings.Contains(err.Error(), lockPath) {
		err = fmt.Errorf("%w\n%s lists %s, which does not exist yet; create it empty (touch %s) and run `lattice pin` again", err, kust, pin.FileName, lockPath)
	}
	if err != nil && strings.HasPrefix(err.Error(), lockPath+":") {
		if kust == "" {
			var files []string
			if files, err = yamlFiles(dir, lockPath); err == nil {
				items, err = readPaths(files)
			}
		} else {
			err = fmt.Errorf("%w\n%s is not valid YAML; empty it (%s lists it, so it must exist) and run `lattice pin` again", err, lockPath, kust)
		}
	}
	if err == nil && kust != "" && !slices.ContainsFunc(items, func(it krm.Item) bool { return filepath.Clean(it.File) == filepath.Clean(lockPath) }) {
		fmt.Fprintf(stderr, "warning: %s does not list %s under resources, so neither kustomize nor `lattice render` reads the lock; add it\n", kust, pin.FileName)
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return lockPath, nil, nil, nil, false
	}
	uses, problems := pin.Uses(items)
	for _, p := range problems {
		fmt.Fprintln(stderr, "error:", p)
	}
	if len(problems) > 0 {
		return lockPath, nil, nil, nil, false
	}
	resolved, failures = pin.Resolve(ctx, reg, pin.Images(uses))
	for _, image := range slices.Sorted(maps.Keys(failures)) {
		fmt.Fprintf(stderr, "error: %s: %v\n", firstUse(uses, image).Where(), failures[image])
	}
	return lockPath, uses, resolved, failures, true
}

// kustomizationIn returns the kustomization file of dir, or "".
func kustomizationIn(dir string) string {
	for _, n := range kustomizationNames {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && !st.IsDir() {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

func pinWrite(ctx context.Context, reg pin.Resolver, dir string, stderr io.Writer) bool {
	lockPath, uses, resolved, failures, ok := pinInputs(ctx, reg, dir, stderr)
	if !ok || len(failures) > 0 {
		fmt.Fprintf(stderr, "lattice: %s not written\n", lockPath)
		return false
	}
	old, err := os.ReadFile(lockPath)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(stderr, "error:", err)
		return false
	}
	if len(uses) == 0 && !exists {
		fmt.Fprintf(stderr, "lattice: %s: every image already has a digest; no lock needed\n", dir)
		return true
	}
	if exists {
		if _, problems, _ := pin.ReadLock(lockPath); len(problems) > 0 {
			fmt.Fprintf(stderr, "lattice: replacing %s, which was not a valid lock:\n", lockPath)
			for _, p := range problems {
				fmt.Fprintln(stderr, "  ", p)
			}
		}
	}
	data, err := pin.Encode(pin.NewLock(resolved))
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return false
	}
	if bytes.Equal(old, data) {
		fmt.Fprintf(stderr, "lattice: %s is up to date (%d images)\n", lockPath, len(resolved))
		return true
	}
	if err := safefile.Write(lockPath, data); err != nil {
		fmt.Fprintf(stderr, "error: cannot write %s: %v\n", lockPath, err)
		return false
	}
	fmt.Fprintf(stderr, "lattice: pinned %d images in %s\n", len(resolved), lockPath)
	return true
}

func pinCheck(ctx context.Context, reg pin.Resolver, dir string, stdout, stderr io.Writer) bool {
	lockPath, uses, resolved, failures, ok := pinInputs(ctx, reg, dir, stderr)
	if !ok {
		return false
	}
	lock, problems, err := pin.ReadLock(lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if len(uses) == 0 {
			return len(failures) == 0
		}
		fmt.Fprintf(stderr, "error: %s is missing but %d images have tags without digests; run `lattice pin %s`\n", lockPath, len(pin.Images(uses)), dir)
		return false
	case err != nil:
		fmt.Fprintln(stderr, "error:", err)
		return false
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, "error:", p)
	}
	if len(problems) > 0 {
		return false
	}
	diffs := pin.Compare(lockPath, lock, uses, resolved)
	for _, p := range diffs {
		fmt.Fprintln(stderr, "error:", p)
	}
	if len(diffs) > 0 || len(failures) > 0 {
		return false
	}
	fmt.Fprintf(stdout, "%s: %d images locked and current\n", lockPath, len(lock.Spec.Images))
	return true
}

func firstUse(uses []pin.Use, image string) pin.Use {
	for _, u := range uses {
		if u.Image == image {
			return u
		}
	}
	return pin.Use{Image: image}
}

// yamlFiles lists the YAML files under dir that `lattice render dir` reads
// when dir has no kustomization (hidden directories skipped), minus skip.
func yamlFiles(dir, skip string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		ext, base := filepath.Ext(path), d.Name()
		if (ext == ".yaml" || ext == ".yml") && base != "kustomization.yaml" && base != "kustomization.yml" && filepath.Clean(path) != filepath.Clean(skip) {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}
