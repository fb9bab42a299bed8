package krm

import (
	"fmt"
	"slices"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

// CheckKustomizations refuses, for the commands that render what ReadPaths
// reads (render, check, push), a kustomization under paths that asks for
// more than the files it lists (unappliedFields). It visits the
// kustomizations ReadPaths reads, and is called once ReadPaths succeeded.
func CheckKustomizations(paths []string) error {
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
