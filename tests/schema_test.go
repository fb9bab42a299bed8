package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// The CRDs under config/crd are generated from the Go types with
// controller-gen, and the JSON Schemas under config/jsonschema from the
// CRDs. Editors, kubectl explain and the API server then enforce the same
// schema the renderer decodes. `go test ./tests -run Schema -update`
// regenerates both.

const controllerGen = "sigs.k8s.io/controller-tools/cmd/controller-gen@v0.20.1"

func TestCRDsInSync(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command("go", "run", controllerGen, "crd", "paths=./pkg/api/...", "output:crd:dir="+tmp)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, out)
	}
	generated, _ := filepath.Glob(filepath.Join(tmp, "*.yaml"))
	committed, _ := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "*.yaml"))
	if len(generated) == 0 {
		t.Fatal("controller-gen wrote no CRD")
	}
	if len(generated) != len(committed) && !*update {
		t.Errorf("controller-gen wrote %d CRDs, config/crd has %d", len(generated), len(committed))
	}
	for _, g := range generated {
		got, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		checkFile(t, filepath.Join(repoRoot, "config", "crd", filepath.Base(g)), got)
	}
}

func TestJSONSchemasInSync(t *testing.T) {
	crds, _ := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "*.yaml"))
	if len(crds) == 0 {
		t.Fatal("no CRDs in config/crd")
	}
	for _, f := range crds {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Group string
				Names struct{ Kind string }
				// Versions carries the schema to convert.
				Versions []struct {
					Name   string
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					}
				}
			}
		}
		if err := sigsyaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		for _, v := range crd.Spec.Versions {
			schema := jsonSchema(v.Schema.OpenAPIV3Schema, "")
			props := schema["properties"].(map[string]any)
			props["apiVersion"] = map[string]any{"const": crd.Spec.Group + "/" + v.Name}
			props["kind"] = map[string]any{"const": crd.Spec.Names.Kind}
			schema["$schema"] = "http://json-schema.org/draft-07/schema#"
			schema["title"] = crd.Spec.Names.Kind + " (" + crd.Spec.Group + "/" + v.Name + ")"
			schema["required"] = []any{"apiVersion", "kind", "metadata"}
			out, err := json.MarshalIndent(schema, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			name := strings.ToLower(crd.Spec.Names.Kind) + "_" + v.Name + ".json"
			checkFile(t, filepath.Join(repoRoot, "config", "jsonschema", name), append(out, '\n'))
		}
	}
}

// jsonSchema turns a structural OpenAPI v3 schema into a JSON Schema that
// rejects unknown fields, as lattice's decoder does. Metadata stays open:
// kustomize and kpt annotate it freely.
func jsonSchema(s map[string]any, path string) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		if strings.HasPrefix(k, "x-kubernetes-") {
			continue
		}
		switch k {
		case "properties":
			props := map[string]any{}
			for name, sub := range v.(map[string]any) {
				props[name] = jsonSchema(sub.(map[string]any), path+"."+name)
			}
			out[k] = props
		case "items":
			out[k] = jsonSchema(v.(map[string]any), path+"[]")
		case "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out[k] = jsonSchema(m, path+"{}")
			} else {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	if _, hasProps := out["properties"]; hasProps && path != ".metadata" {
		if _, set := out["additionalProperties"]; !set {
			out["additionalProperties"] = false
		}
	}
	return out
}

