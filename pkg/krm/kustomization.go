package krm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

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

func kustomizationIn(dir string) string {
	for _, n := range kustomizationNames {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n)
		}
	}
	return ""
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
	var k struct {
		Resources    []string `json:"resources"`
		Bases        []string `json:"bases"`
		Components   []string `json:"components"`
		Transformers []string `json:"transformers"`
	}
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var files []string
	for _, entry := range append(append(append(k.Resources, k.Bases...), k.Components...), k.Transformers...) {
		if strings.Contains(entry, "://") || strings.HasPrefix(entry, "github.com/") {
			return nil, fmt.Errorf("%s: remote resource %q: lattice render reads local files only; use kustomize build with lattice as a function", file, entry)
		}
		fs, err := filesUnder(filepath.Join(dir, entry), depth+1, check)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		files = append(files, fs...)
	}
	return files, nil
}
