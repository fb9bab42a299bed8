// Package schema keeps what is generated from the API types in sync with
// them: the CRDs (config/crd), the JSON Schemas (config/jsonschema) and the
// reference docs (docs/reference). `make schemas` regenerates all three.
package schema

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// The CRDs under config/crd are generated from the Go types with
// controller-gen, and the JSON Schemas under config/jsonschema from the
// CRDs. Editors, kubectl explain and the API server then enforce the same
// schema the renderer decodes. `make schemas`
// regenerates both.

const controllerGen = "sigs.k8s.io/controller-tools/cmd/controller-gen@v0.20.1"

func TestCRDsInSync(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command("go", "run", controllerGen, "crd", "paths=./pkg/api/v1alpha1/...", "output:crd:dir="+tmp)
	cmd.Dir = harness.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, out)
	}
	generated, _ := filepath.Glob(filepath.Join(tmp, "*.yaml"))
	committed, _ := filepath.Glob(filepath.Join(harness.RepoRoot(), "config", "crd", "*.yaml"))
	if len(generated) == 0 {
		t.Fatal("controller-gen wrote no CRD")
	}
	if len(generated) != len(committed) && !harness.Update() {
		t.Errorf("controller-gen wrote %d CRDs, config/crd has %d", len(generated), len(committed))
	}
	for _, g := range generated {
		got, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		harness.CheckFile(t, filepath.Join(harness.RepoRoot(), "config", "crd", filepath.Base(g)), got)
	}
}

// crdSchema is the part of a CRD the generators read.
type crdSchema struct {
	Spec struct {
		Group    string
		Names    struct{ Kind string }
		Versions []struct {
			Name   string
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			}
		}
	}
}

func loadCRDs(t *testing.T) []crdSchema {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(harness.RepoRoot(), "config", "crd", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no CRDs in config/crd")
	}
	var out []crdSchema
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd crdSchema
		if err := sigsyaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		out = append(out, crd)
	}
	return out
}

func TestJSONSchemasInSync(t *testing.T) {
	for _, crd := range loadCRDs(t) {
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
			harness.CheckFile(t, filepath.Join(harness.RepoRoot(), "config", "jsonschema", name), append(out, '\n'))
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

// TestReferenceDocsInSync writes docs/reference/<kind>.md from the CRD
// schemas: one row per field with its type, whether it is required, and the
// description from the Go doc comment.
func TestReferenceDocsInSync(t *testing.T) {
	for _, crd := range loadCRDs(t) {
		v := crd.Spec.Versions[0]
		var b strings.Builder
		fmt.Fprintf(&b, "# %s reference\n\n", crd.Spec.Names.Kind)
		fmt.Fprintf(&b, "<!-- Generated from config/crd by `go test ./tests/schema -run ReferenceDocs -update`; do not edit. -->\n\n")
		fmt.Fprintf(&b, "`apiVersion: %s/%s`, `kind: %s`\n\n", crd.Spec.Group, v.Name, crd.Spec.Names.Kind)
		if d, _ := v.Schema.OpenAPIV3Schema["description"].(string); d != "" {
			b.WriteString(oneParagraph(d) + "\n\n")
		}
		b.WriteString("| Field | Type | Required | Description |\n|---|---|---|---|\n")
		props, _ := v.Schema.OpenAPIV3Schema["properties"].(map[string]any)
		if spec, ok := props["spec"].(map[string]any); ok {
			docRows(&b, spec, "spec", true)
		}
		name := strings.ToLower(crd.Spec.Names.Kind) + ".md"
		harness.CheckFile(t, filepath.Join(harness.RepoRoot(), "docs", "reference", name), []byte(b.String()))
	}
}

func docRows(b *strings.Builder, s map[string]any, path string, required bool) {
	req := ""
	if required {
		req = "yes"
	}
	fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", path, schemaType(s), req, strings.ReplaceAll(oneParagraph(schemaString(s["description"])), "|", "\\|"))
	requiredSet := map[string]bool{}
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			requiredSet[x.(string)] = true
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, name := range sortedKeys(props) {
			docRows(b, props[name].(map[string]any), path+"."+name, requiredSet[name])
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if _, hasProps := items["properties"]; hasProps {
			for _, name := range sortedKeys(items["properties"].(map[string]any)) {
				r, _ := items["required"].([]any)
				docRows(b, items["properties"].(map[string]any)[name].(map[string]any), path+"[]."+name, contains(r, name))
			}
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		if props, ok := ap["properties"].(map[string]any); ok {
			r, _ := ap["required"].([]any)
			for _, name := range sortedKeys(props) {
				docRows(b, props[name].(map[string]any), path+".<name>."+name, contains(r, name))
			}
		}
	}
}

func schemaType(s map[string]any) string {
	if _, ok := s["x-kubernetes-int-or-string"]; ok {
		return "int or string"
	}
	t := schemaString(s["type"])
	switch t {
	case "array":
		if items, ok := s["items"].(map[string]any); ok {
			return "[]" + schemaType(items)
		}
	case "object":
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			return "map[string]" + schemaType(ap)
		}
	}
	if e, ok := s["enum"].([]any); ok {
		var vals []string
		for _, v := range e {
			vals = append(vals, fmt.Sprint(v))
		}
		return t + " (" + strings.Join(vals, ", ") + ")"
	}
	return t
}

func oneParagraph(s string) string { return strings.Join(strings.Fields(s), " ") }

func schemaString(v any) string { s, _ := v.(string); return s }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []any, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
