package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/lattice-dev/lattice/pkg/krm"
)

// The files `lattice render DIR` (and check, push, describe, ...) reads:
// a directory with a kustomization contributes the files it lists, any
// other every YAML file below it.

// readPaths reads YAML files and directories in a stable order, keeping
// each document's file, index and first line. A directory with a
// kustomization contributes the files it lists (resources and transformers,
// following local bases), so expected output or unrelated YAML next to it
// is not read; any other directory contributes every *.yaml and *.yml file
// below it, skipping hidden directories.
func readPaths(paths []string) ([]krm.Item, error) {
	var files []string
	for _, p := range paths {
		fs, err := filesUnder(p, 0, false)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	var items []krm.Item
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// The input limits hold for the whole render, not per file.
		if total += len(data); total > krm.MaxInputBytes {
			return nil, fmt.Errorf("%s: the files of this render add up to %d bytes or more; lattice reads at most %s (%s)", f, total, fmt.Sprintf("%d MiB", krm.MaxInputBytes>>20), "see docs/limits.md")
		}
		its, err := krm.ParseStream(data, f)
		if err != nil {
			return nil, err
		}
		if items = append(items, its...); len(items) > krm.MaxItems {
			return nil, fmt.Errorf("%s: the files of this render hold more than %d objects; lattice reads at most %d (%s)", f, krm.MaxItems, krm.MaxItems, "see docs/limits.md")
		}
	}
	return items, nil
}

// maxBaseDepth bounds base recursion (and cycles between bases).
const maxBaseDepth = 20

// filesUnder lists the YAML files a path contributes to a render; with
// check set, it refuses kustomizations with fields render does not apply.
func filesUnder(p string, depth int, check bool) ([]string, error) {
	if depth > maxBaseDepth {
		return nil, fmt.Errorf("%s: kustomization bases nest deeper than %d (a cycle?)", p, maxBaseDepth)
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	if k := kustomizationIn(p); k != "" {
		return kustomizationFiles(p, k, depth, check)
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != p {
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if k := kustomizationIn(path); k != "" {
				fs, err := kustomizationFiles(path, k, depth+1, check)
				files = append(files, fs...)
				if err != nil {
					return err
				}
				return filepath.SkipDir
			}
		}
		ext := filepath.Ext(path)
		if !d.IsDir() && (ext == ".yaml" || ext == ".yml") && filepath.Base(path) != "Kptfile" {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// kustomizationFiles lists the resources and transformers a kustomization
// names. lattice render does not apply kustomize's own transformations;
// use kustomize build for those.
func kustomizationFiles(dir, file string, depth int, check bool) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if check {
		if err := unappliedFields(file, data); err != nil {
			return nil, err
		}
	}
	entries, err := kustomizationEntries(file, data, true)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, entry := range entries {
		if strings.Contains(entry, "://") || strings.HasPrefix(entry, "github.com/") {
			return nil, fmt.Errorf("%s: remote resource %q: lattice render reads local files only; use kustomize build with lattice as a function", file, entry)
		}
		fs, err := filesUnder(filepath.Join(dir, entry), depth+1, check)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		files = append(files, fs...)
	}
	return files, nil
}

// checkKustomizations refuses, for the commands that render what readPaths
// reads (render, check, push), a kustomization under paths that asks for
// more than the files it lists (unappliedFields). It visits the
// kustomizations readPaths reads, and is called once ReadPaths succeeded.
func checkKustomizations(paths []string) error {
	for _, p := range paths {
		if _, err := filesUnder(p, 0, true); err != nil {
			return err
		}
	}
	return nil
}

// readKustomizationFields are the kustomization fields `lattice render`
// honours: it reads the files they list (resources, bases, components,
// transformers) and nothing else. The rest need no render: metadata and
// kustomize's own build settings, which change no object lattice reads.
var readKustomizationFields = []string{
	"apiVersion", "kind", "metadata",
	"resources", "bases", "components", "transformers",
	"buildMetadata", "sortOptions", "openapi", "crds", "generatorOptions",
}

// unappliedFields refuses a kustomization that asks for what `lattice
// render DIR` (the Argo CD plugin's command, `lattice check` and `lattice
// push`) does not do: patches, labels, namespace:, name prefixes, images, generators... A
// render that ignored them would differ from `kustomize build` without a
// word: an overlay's namespace: moves nothing, a patch changes nothing.
func unappliedFields(file string, data []byte) error {
	var k map[string]any
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var ignored []string
	for key := range k {
		if !slices.Contains(readKustomizationFields, key) {
			ignored = append(ignored, key)
		}
	}
	if len(ignored) == 0 {
		return nil
	}
	slices.Sort(ignored)
	return fmt.Errorf("%s: lattice render reads only the files a kustomization lists (resources, bases, components, transformers) and does not apply %s, so its output would silently differ from kustomize build's; run lattice as a kustomize function instead (`kustomize build --enable-alpha-plugins --enable-exec DIR`; in Argo CD, the kustomize source type with those build options, docs/argocd.md), or remove %s",
		file, strings.Join(ignored, ", "), pronoun(len(ignored)))
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// kustomizationEntries are the paths a kustomization lists: resources,
// bases, components and, with transformers set, transformers.
func kustomizationEntries(file string, data []byte, transformers bool) ([]string, error) {
	var k struct {
		Resources    []string `json:"resources"`
		Bases        []string `json:"bases"`
		Components   []string `json:"components"`
		Transformers []string `json:"transformers"`
	}
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	entries := slices.Concat(k.Resources, k.Bases, k.Components)
	if transformers {
		entries = append(entries, k.Transformers...)
	}
	return entries, nil
}
