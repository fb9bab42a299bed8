package validate

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Core kinds are served from Go types, not from a CRD: kube-apiserver
// publishes their OpenAPI v3 schema (schemas/core, captured from a real
// server), but enforces most rules in Go. The schema is turned into the
// same structural form a CRD has, so pruning (unknown fields) and OpenAPI
// validation (types, required, enums) run through the apiextensions code;
// the Go-only rules that matter for lattice's output are in corechecks.go.

// Component names that need a structural stand-in: OpenAPI v3 describes
// them with oneOf, which a structural schema cannot hold.
const (
	intOrStringRef = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	quantityRef    = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	// quantityFormat marks quantity nodes; checkQuantities parses them
	// (unknown formats are ignored by the OpenAPI validator).
	quantityFormat = "lattice-quantity"
	refPrefix      = "#/components/schemas/"
)

type openAPIDoc struct {
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

var coreDocs sync.Map // file -> *openAPIDoc

func readCoreDoc(fsys fs.FS, file string) (*openAPIDoc, error) {
	if d, ok := coreDocs.Load(file); ok {
		return d.(*openAPIDoc), nil
	}
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("embedded core schema: %w", err)
	}
	doc := &openAPIDoc{}
	if err := json.Unmarshal(data, doc); err != nil {
		return nil, fmt.Errorf("embedded %s: %w", file, err)
	}
	coreDocs.Store(file, doc)
	return doc, nil
}

// coreRootName finds the component that x-kubernetes-group-version-kind
// names as gvk's schema.
func coreRootName(fsys fs.FS, file string, gvk schema.GroupVersionKind) (string, error) {
	doc, err := readCoreDoc(fsys, file)
	if err != nil {
		return "", err
	}
	for name, s := range doc.Components.Schemas {
		list, _ := s["x-kubernetes-group-version-kind"].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			if m["group"] == gvk.Group && m["version"] == gvk.Version && m["kind"] == gvk.Kind {
				return name, nil
			}
		}
	}
	return "", fmt.Errorf("embedded %s has no schema for %s", file, gvk)
}

// coreSchema inlines the component root of doc into one self-contained
// schema: $ref resolved, IntOrString and Quantity replaced by structural
// stand-ins, server-side defaults and descriptions dropped (core defaults
// are applied in Go and do not change what is valid here).
func coreSchema(doc *openAPIDoc, root string) (*apiextensionsv1.JSONSchemaProps, error) {
	inlined, err := inline(doc, map[string]any{"$ref": refPrefix + root}, nil)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(inlined)
	if err != nil {
		return nil, err
	}
	out := &apiextensionsv1.JSONSchemaProps{}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, err
	}
	return out, nil
}

func inline(doc *openAPIDoc, s map[string]any, stack []string) (map[string]any, error) {
	if ref := refOf(s); ref != "" {
		name := strings.TrimPrefix(ref, refPrefix)
		switch name {
		case intOrStringRef:
			return map[string]any{"x-kubernetes-int-or-string": true}, nil
		case quantityRef:
			// A string ("500m") or a number (0.5): no type, checked in Go.
			return map[string]any{"x-kubernetes-preserve-unknown-fields": true, "format": quantityFormat}, nil
		}
		for _, seen := range stack {
			if seen == name {
				return nil, fmt.Errorf("recursive schema %s", strings.Join(append(stack, name), " -> "))
			}
		}
		target, ok := doc.Components.Schemas[name]
		if !ok {
			return nil, fmt.Errorf("schema %s refers to missing %s", strings.Join(stack, " -> "), name)
		}
		return inline(doc, target, append(stack, name))
	}
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "description", "default", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key",
			"x-kubernetes-group-version-kind", "x-kubernetes-unions", "readOnly":
			// documentation, or information for apply and clients only
		case "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				ps, err := inline(doc, p.(map[string]any), stack)
				if err != nil {
					return nil, err
				}
				props[name] = ps
			}
			out[k] = props
		case "items":
			it, err := inline(doc, v.(map[string]any), stack)
			if err != nil {
				return nil, err
			}
			out[k] = it
		case "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				ap, err := inline(doc, m, stack)
				if err != nil {
					return nil, err
				}
				out[k] = ap
			} else {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	// An object the schema says nothing about (RawExtension, FieldsV1)
	// keeps whatever it holds: the server decodes it opaquely.
	if out["type"] == "object" && out["properties"] == nil && out["additionalProperties"] == nil {
		out["x-kubernetes-preserve-unknown-fields"] = true
	}
	return out, nil
}

// refOf is the target of {"$ref": X} or {"allOf": [{"$ref": X}]}, the way
// OpenAPI v3 attaches a default or description to a reference.
func refOf(s map[string]any) string {
	if r, ok := s["$ref"].(string); ok {
		return r
	}
	if all, ok := s["allOf"].([]any); ok && len(all) == 1 {
		if m, ok := all[0].(map[string]any); ok {
			if r, ok := m["$ref"].(string); ok {
				return r
			}
		}
	}
	return ""
}
