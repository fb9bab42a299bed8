package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// Render roots: the directories that are renders of their own (one Argo CD
// Application, Flux Kustomization or cluster each), found by the Platform
// they hold. A repository with several (a team monorepo, a fleet repo with
// one directory per cluster) cannot be checked as one render: it would see
// several Platforms. `lattice check --roots` checks each root on its own;
// `lattice fleet check DIR` checks each Fleet file under DIR.

// findByKind walks dirs (skipping hidden directories, as a render does) and
// returns, sorted, the YAML files holding a lattice object of one of kinds.
// Files that do not parse are skipped: the check that reads them reports
// them.
func findByKind(dirs []string, kinds ...string) ([]string, error) {
	var files []string
	for _, dir := range dirs {
		err := walkFiles(dir, func(p string, _ os.DirEntry) error {
			if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			items, err := krm.ParseStream(data, p)
			if err != nil {
				return nil
			}
			if slices.ContainsFunc(items, func(it krm.Item) bool {
				return it.Node.GetApiVersion() == v1alpha1.APIVersion && slices.Contains(kinds, it.Node.GetKind())
			}) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// walkFiles calls fn for every file under dir (dir itself when it is a
// file), skipping hidden directories below dir as a render does. Both
// ways of finding render roots (--roots by Platform, --all by
// kustomization) walk a tree this way.
func walkFiles(dir string, fn func(p string, d os.DirEntry) error) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != dir && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case d.IsDir():
			return nil
		}
		return fn(p, d)
	})
}

// within reports whether path p is root or below it.
func within(p, root string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// kustomizationNames are the file names that make a directory a
// kustomization.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// renderRoots returns the paths to read for each render root under dirs:
// every directory that holds a Platform, without the roots nested in it.
// Without any Platform, dirs are one render, as before.
func renderRoots(dirs []string) ([][]string, error) {
	platforms, err := findByKind(dirs, v1alpha1.KindPlatform)
	if err != nil {
		return nil, err
	}
	var roots []string
	for _, f := range platforms {
		roots = append(roots, filepath.Dir(f))
	}
	slices.Sort(roots)
	roots = slices.Compact(roots)
	if len(roots) == 0 {
		return [][]string{dirs}, nil
	}
	var out [][]string
	for _, r := range roots {
		paths, err := pathsWithout(r, roots)
		if err != nil {
			return nil, err
		}
		out = append(out, paths)
	}
	return out, nil
}

// pathsWithout is dir as paths to read, minus the other roots under it:
// dir itself when none is, else its entries (recursing only into the
// directories that contain one), so a subdirectory's kustomization still
// decides what that subdirectory contributes.
func pathsWithout(dir string, roots []string) ([]string, error) {
	under := func(d string) bool {
		return slices.ContainsFunc(roots, func(r string) bool { return r != dir && within(r, d) })
	}
	if !under(dir) || kustomizationIn(dir) != "" {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case !e.IsDir():
			if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
				paths = append(paths, p)
			}
		case strings.HasPrefix(e.Name(), "."), slices.Contains(roots, p):
		case under(p):
			sub, err := pathsWithout(p, roots)
			if err != nil {
				return nil, err
			}
			paths = append(paths, sub...)
		default:
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// fleetFiles is the Fleet file arg names, or every Fleet file under it
// when it is a directory (for a pre-commit hook that runs in any
// repository; -o compares one Fleet's inventory, so it needs a file).
func fleetFiles(arg, output string) ([]string, error) {
	st, err := os.Stat(arg)
	if err != nil || !st.IsDir() {
		return []string{arg}, nil // readFleet reports a missing file
	}
	if output != "" {
		return nil, fmt.Errorf("-o compares one Fleet's inventory: give the Fleet file, not the directory %s", arg)
	}
	return findByKind([]string{arg}, v1alpha1.KindFleet)
}
