package conformance

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/discovery"
)

var update = flag.Bool("update", false, "rewrite pkg/validate/schemas/core from the apiserver's OpenAPI v3")

// coreKinds are the built-in kinds whose schemas `lattice validate` embeds
// (pkg/validate.CoreKinds; TestCoreSchemasInSync fails when the two lists
// disagree, since a kind missing here has no file there).
var coreKinds = map[string][]string{
	"api/v1":              {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service", "PersistentVolumeClaim"},
	"apis/apps/v1":        {"Deployment"},
	"apis/policy/v1":      {"PodDisruptionBudget"},
	"apis/autoscaling/v2": {"HorizontalPodAutoscaler"},
}

const coreSchemaDir = repoRoot + "/pkg/validate/schemas/core"

// TestCoreSchemasInSync compares the embedded core schemas of
// `lattice validate` with what this apiserver serves at /openapi/v3,
// trimmed to the kinds above and everything they reference, descriptions
// dropped. After a Kubernetes version bump run
//
//	cd tests/conformance && go test -run CoreSchemasInSync -update
func TestCoreSchemasInSync(t *testing.T) {
	e := Shared(t)
	dc, err := discovery.NewDiscoveryClientForConfig(e.Config)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for gvPath, kinds := range coreKinds {
		gv, ok := paths[gvPath]
		if !ok {
			t.Fatalf("the apiserver serves no /openapi/v3/%s", gvPath)
		}
		raw, err := gv.Schema("application/json")
		if err != nil {
			t.Fatal(err)
		}
		data, err := trimOpenAPI(raw, gvPath, kinds)
		if err != nil {
			t.Fatalf("%s: %v", gvPath, err)
		}
		name := coreSchemaFile(gvPath)
		want[name] = true
		file := filepath.Join(coreSchemaDir, name)
		if *update {
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(have, data) {
			t.Errorf("%s differs from /openapi/v3/%s (run go test -run CoreSchemasInSync -update here)", file, gvPath)
		}
	}
	files, _ := filepath.Glob(filepath.Join(coreSchemaDir, "*.json"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("%s matches no group version of coreKinds; remove it or add its kinds", f)
		}
	}
}

// coreSchemaFile mirrors validate.CoreSchemaFile: api/v1 -> v1.json,
// apis/apps/v1 -> apps_v1.json.
func coreSchemaFile(gvPath string) string {
	if gvPath == "api/v1" {
		return "v1.json"
	}
	return strings.ReplaceAll(strings.TrimPrefix(gvPath, "apis/"), "/", "_") + ".json"
}

// trimOpenAPI keeps components.schemas for kinds and what they reference.
func trimOpenAPI(raw []byte, gvPath string, kinds []string) ([]byte, error) {
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	group, version := "", strings.TrimPrefix(gvPath, "api/")
	if rest, ok := strings.CutPrefix(gvPath, "apis/"); ok {
		group, version, _ = strings.Cut(rest, "/")
	}
	var queue []string
	for name, s := range doc.Components.Schemas {
		m, _ := s.(map[string]any)
		gvks, _ := m["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			g, _ := g.(map[string]any)
			if g["group"] == group && g["version"] == version && slices.Contains(kinds, g["kind"].(string)) {
				queue = append(queue, name)
			}
		}
	}
	if len(queue) != len(kinds) {
		return nil, fmt.Errorf("found %d of the kinds %v", len(queue), kinds)
	}
	keep := map[string]any{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := keep[name]; done {
			continue
		}
		s, ok := doc.Components.Schemas[name]
		if !ok {
			return nil, fmt.Errorf("missing referenced schema %s", name)
		}
		keep[name] = stripSchema(s, func(ref string) {
			queue = append(queue, strings.TrimPrefix(ref, "#/components/schemas/"))
		})
	}
	out := map[string]any{"components": map[string]any{"schemas": keep}}
	data, err := json.MarshalIndent(out, "", " ")
	return append(data, '\n'), err
}

// stripSchema drops descriptions from a schema node (not from a property
// that happens to be called "description") and reports each $ref.
func stripSchema(s any, ref func(string)) any {
	m, ok := s.(map[string]any)
	if !ok {
		return s
	}
	out := map[string]any{}
	for k, v := range m {
		switch k {
		case "description":
		case "$ref":
			ref(v.(string))
			out[k] = v
		case "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = stripSchema(p, ref)
			}
			out[k] = props
		case "items", "additionalProperties", "not":
			out[k] = stripSchema(v, ref)
		case "allOf", "anyOf", "oneOf":
			var list []any
			for _, e := range v.([]any) {
				list = append(list, stripSchema(e, ref))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	return out
}

// TestEmbeddedSchemasMatchTier: the CRDs `lattice validate` embeds come
// from the same modules, versions and paths this tier installs, so the
// agreement test compares like with like. Needs no apiserver.
func TestEmbeddedSchemasMatchTier(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "pkg", "validate", "schemas", "crds", "SOURCES"))
	if err != nil {
		t.Fatal(err)
	}
	var embedded []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "local ") {
			embedded = append(embedded, l)
		}
	}
	var tier []string
	for _, s := range crdSources {
		tier = append(tier, s.Module+" "+rootVersion(s.Module, s.Version)+" "+s.Path)
	}
	if !slices.Equal(embedded, tier) {
		t.Errorf("pkg/validate/schemas/crds/SOURCES lists\n  %s\nbut the tier installs\n  %s\n(align crdSources here and in pkg/validate, then run go test ./pkg/validate -run EmbeddedCRDsInSync -update)",
			strings.Join(embedded, "\n  "), strings.Join(tier, "\n  "))
	}
}
