package krm

import (
	"cmp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// Item is one input object with where it came from.
type Item struct {
	Node *yaml.RNode
	// File and Index locate the object: from kpt's path and index
	// annotations or kustomize's origin annotation in function mode (the
	// origin names a file, not a document: Index is then 0), from the file
	// read in render mode.
	File  string
	Index int
	// Lines is set when node line numbers plus LineOffset are file lines
	// (files read by lattice itself; a ResourceList's lines mean nothing to
	// the user).
	Lines      bool
	LineOffset int
}

// DecodeService decodes the item's LatticeService strictly.
func (it Item) DecodeService() (*v1alpha1.LatticeService, field.ErrorList) {
	return DecodeService(it.Node)
}

// originAnnotation is what kustomize writes on each resource with
// `buildMetadata: [originAnnotations]`: a small YAML map whose path is the
// file the resource was read from (relative to its kustomization, or to a
// repo for remote bases). It names no document and no line.
const originAnnotation = "config.kubernetes.io/origin"

// locate sets File and Index from the annotations kpt (path and index) or
// kustomize (origin) put on function input. Only what is in the input is
// used: a function does not read the files it is told about.
func (it *Item) locate() {
	ann := it.Node.GetAnnotations(kioutil.PathAnnotation, kioutil.LegacyPathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation, originAnnotation)
	path := cmp.Or(ann[kioutil.PathAnnotation], ann[kioutil.LegacyPathAnnotation])
	if path != "" {
		it.File = path
		it.Index, _ = strconv.Atoi(cmp.Or(ann[kioutil.IndexAnnotation], ann[kioutil.LegacyIndexAnnotation]))
		return
	}
	if o := ann[originAnnotation]; o != "" {
		var origin struct {
			Path string `yaml:"path"`
		}
		if yaml.Unmarshal([]byte(o), &origin) == nil && origin.Path != "" {
			it.File = origin.Path
		}
	}
}

func kindName(k yaml.Kind) string {
	names := map[yaml.Kind]string{yaml.SequenceNode: "a list", yaml.ScalarNode: "a scalar", yaml.AliasNode: "a YAML alias"}
	return cmp.Or(names[k], "something else")
}

// Line finds the line of a field path (as printed by field.Path) in n, or
// the nearest enclosing field's line.
func Line(n *yaml.RNode, path string) int {
	cur := n.YNode()
	line := cur.Line
	for _, seg := range splitPath(path) {
		var next *yaml.Node
		switch cur.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(cur.Content); i += 2 {
				if cur.Content[i].Value == seg {
					next, line = cur.Content[i+1], cur.Content[i].Line
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(cur.Content) {
				next = cur.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		cur = next
	}
	return line
}

// splitPath splits "spec.a[key].b[0]" into spec, a, key, b, 0.
func splitPath(p string) []string {
	var out []string
	for p != "" {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				end = len(p)
			}
			out = append(out, p[1:end])
			p = p[min(end+1, len(p)):]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, p[:end])
			p = p[end:]
		}
	}
	return out
}
