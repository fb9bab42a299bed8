package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKustomizationUnappliedFields (issue 15 §3): `lattice render DIR`
// reads the files a kustomization lists and refuses one whose other
// fields it would silently ignore.
func TestKustomizationUnappliedFields(t *testing.T) {
	cases := map[string]struct {
		reason, kustomization string
		wantErr               []string // empty: reads fine
	}{
		"lists only": {reason: "resources and transformers are what render reads",
			kustomization: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [svc.yaml]\ntransformers: [platform.yaml]\n"},
		"build settings": {reason: "buildMetadata and sortOptions change no object lattice reads",
			kustomization: "resources: [svc.yaml]\nbuildMetadata: [originAnnotations]\nsortOptions: {order: legacy}\n"},
		"overlay namespace": {reason: "namespace: would move nothing, while kustomize build moves everything",
			kustomization: "namespace: prod\nresources: [svc.yaml]\n",
			wantErr:       []string{"kustomization.yaml: lattice render reads only the files", "does not apply namespace,", "kustomize build --enable-alpha-plugins --enable-exec", "or remove it"}},
		"several": {reason: "every ignored field is named, sorted",
			kustomization: "resources: [svc.yaml]\npatches: [{path: p.yaml}]\ncommonLabels: {a: b}\nlabels: [{pairs: {c: d}}]\nnamePrefix: x-\nimages: [{name: a, newTag: b}]\n",
			wantErr:       []string{"does not apply commonLabels, images, labels, namePrefix, patches,", "or remove them"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, content := range map[string]string{
				"kustomization.yaml": tc.kustomization,
				"svc.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
				"platform.yaml":      "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: p}\n",
			} {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := readPaths([]string{dir}); err != nil {
				t.Fatalf("ReadPaths itself reads any kustomization: %v", err)
			}
			err := checkKustomizations([]string{filepath.Dir(dir)})
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Errorf("%s: %v", tc.reason, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: no error", tc.reason)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error lacks %q: %v", tc.reason, w, err)
				}
			}
		})
	}
}
