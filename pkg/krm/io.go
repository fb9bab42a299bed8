package krm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Item is one input object with where it came from.
type Item struct {
	Node *yaml.RNode
	// File and Index locate the object: from kpt/kustomize path annotations
	// in function mode, from the file read in render mode.
	File  string
	Index int
	// Lines is set when node line numbers plus LineOffset are file lines
	// (files read by lattice itself; a ResourceList's lines mean nothing to
	// the user).
	Lines      bool
	LineOffset int
}

// ReadResourceList reads a KRM ResourceList.
func ReadResourceList(r io.Reader) ([]Item, *yaml.RNode, error) {
	br := &kio.ByteReader{Reader: r, OmitReaderAnnotations: true}
	nodes, err := br.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	if br.WrappingKind != kio.ResourceListKind {
		return nil, nil, fmt.Errorf("input is not a ResourceList (got %d documents); run lattice from kustomize or kpt, or use `lattice render DIR`", len(nodes))
	}
	items := make([]Item, len(nodes))
	for i, n := range nodes {
		items[i] = Item{Node: n}
		if p, idx, err := kioutil.GetFileAnnotations(n); err == nil && p != "" {
			items[i].File = p
			items[i].Index, _ = strconv.Atoi(idx)
		}
	}
	return items, br.FunctionConfig, nil
}

// ReadPaths reads YAML files and directories in a stable order, keeping
// each document's file, index and first line. A directory with a
// kustomization contributes the files it lists (resources and transformers,
// following local bases), so expected output or unrelated YAML next to it
// is not read; any other directory contributes every *.yaml and *.yml file
// below it, skipping hidden directories.
func ReadPaths(paths []string) ([]Item, error) {
	var files []string
	for _, p := range paths {
		fs, err := filesUnder(p, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	var items []Item
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		its, err := ParseStream(data, f)
		if err != nil {
			return nil, err
		}
		items = append(items, its...)
	}
	return items, nil
}

// ParseStream splits a multi-document YAML stream, remembering the first
// line of each document so errors can point at file:line.
func ParseStream(data []byte, file string) ([]Item, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("%s: contains NUL bytes; YAML files must be text", file)
	}
	var items []Item
	lines := strings.SplitAfter(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	start, index := 0, 0
	flush := func(end int) error {
		doc := strings.Join(lines[start:end], "")
		if strings.TrimSpace(doc) != "" {
			n, err := yaml.Parse(doc)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", file, start+1, err)
			}
			if !yaml.IsMissingOrNull(n) {
				if n.YNode().Kind != yaml.MappingNode {
					return fmt.Errorf("%s:%d: a document must be a Kubernetes object (a map), got %s", file, start+1, kindName(n.YNode().Kind))
				}
				items = append(items, Item{Node: n, File: file, Index: index, Lines: true, LineOffset: start})
				index++
			}
		}
		return nil
	}
	for i, l := range lines {
		if l == "---\n" || l == "---" || strings.HasPrefix(l, "--- ") {
			if err := flush(i); err != nil {
				return nil, err
			}
			start = i + 1
		}
	}
	if err := flush(len(lines)); err != nil {
		return nil, err
	}
	return items, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "something else"
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
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '.':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		case '[':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				end = len(p) - i
			}
			out = append(out, p[i+1:i+end])
			i += end
		default:
			cur.WriteByte(p[i])
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
