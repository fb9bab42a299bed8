package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lattice-dev/lattice/pkg/owners"
	"github.com/lattice-dev/lattice/pkg/render"
)

// checkAll is `lattice check --all`: every render root under the paths is
// rendered on its own, its findings printed, and then the renders are
// compared (pkg/owners): what two renders would both apply to one cluster
// is an error naming both, with file and line.
func checkAll(args []string, stdout io.Writer) error {
	var roots []string
	for _, a := range args {
		rs, err := kustomizationRoots(a)
		if err != nil {
			fmt.Fprintln(stdout, err)
			return exitErr{exitError}
		}
		roots = append(roots, rs...)
	}
	failed := false
	var renders []owners.Render
	for _, root := range roots {
		items, err := readPaths([]string{root})
		if err != nil {
			fmt.Fprintf(stdout, "%s: error: %v\n", root, err)
			failed = true
			continue
		}
		out := render.Render(items, nil, render.Stream)
		fmt.Fprint(stdout, formatFindings(out.Results))
		failed = failed || out.Failed
		renders = append(renders, owners.Render{Root: root, Items: items, Out: out})
	}
	for _, p := range owners.Check(renders) {
		fmt.Fprintf(stdout, "%s: error: %s\n", p.At, p.Message)
		failed = true
	}
	if failed {
		return exitErr{exitError}
	}
	return nil
}

// kustomizationRoots finds the renders under path: every directory holding a
// kustomization that no other kustomization under path includes (an Argo
// CD Application's or a Flux Kustomization's path), and every top kpt
// package (a Kptfile not inside a root). A path with none is one render.
func kustomizationRoots(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var kustomizations, kpts []string
	included := map[string]bool{}
	err = walkFiles(path, func(p string, d os.DirEntry) error {
		switch {
		case slices.Contains(kustomizationNames, d.Name()):
			dir := filepath.Dir(p)
			kustomizations = append(kustomizations, dir)
			refs, err := kustomizationRefs(p)
			if err != nil {
				return err
			}
			for _, r := range refs {
				included[filepath.Clean(filepath.Join(dir, r))] = true
			}
		case d.Name() == "Kptfile":
			kpts = append(kpts, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var roots []string
	for _, k := range kustomizations {
		if !included[filepath.Clean(k)] {
			roots = append(roots, k)
		}
	}
	slices.Sort(kpts)
	for _, k := range kpts {
		if !slices.ContainsFunc(roots, func(r string) bool { return within(k, r) }) {
			roots = append(roots, k)
		}
	}
	if len(roots) == 0 {
		return []string{path}, nil
	}
	slices.Sort(roots)
	return slices.Compact(roots), nil
}

// kustomizationRefs lists the local paths a kustomization includes.
func kustomizationRefs(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	entries, err := kustomizationEntries(file, data, false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range entries {
		if !strings.Contains(r, "://") {
			out = append(out, r)
		}
	}
	return out, nil
}
