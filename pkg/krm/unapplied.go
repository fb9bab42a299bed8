package krm

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

// CheckKustomizations refuses, for the commands that render what ReadPaths
// reads (render, check, push), a kustomization under paths that asks for
// more than the files it lists (unappliedFields). It visits the
// kustomizations ReadPaths would: one in a path, or in a directory under
// it, and the local bases, components and resources they name.
func CheckKustomizations(paths []string) error {
	seen := map[string]bool{}
	var visit func(p string, depth int) error
	visit = func(p string, depth int) error {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() || seen[p] || depth > maxBaseDepth {
			return nil // ReadPaths reports what cannot be read
		}
		seen[p] = true
		k := kustomizationIn(p)
		if k == "" {
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil
			}
			for _, e := range entries {
				if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
					if err := visit(filepath.Join(p, e.Name()), depth); err != nil {
						return err
					}
				}
			}
			return nil
		}
		data, err := os.ReadFile(k)
		if err != nil {
			return nil
		}
		if err := unappliedFields(k, data); err != nil {
			return err
		}
		var lists struct {
			Resources, Bases, Components []string
		}
		if sigsyaml.Unmarshal(data, &lists) != nil {
			return nil
		}
		for _, entry := range slices.Concat(lists.Resources, lists.Bases, lists.Components) {
			if err := visit(filepath.Join(p, entry), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range paths {
		if err := visit(p, 0); err != nil {
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
		return fmt.Errorf("%s: %v", file, err)
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
