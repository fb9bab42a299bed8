package krm

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/par"
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
	// raw is the item's text when it can be parsed again on its own (a
	// ResourceList item in the common layout); slim is set once Slim has
	// dropped the node's body.
	raw  []byte
	slim bool
	// spec is the LatticeService decoded as it was read (readEarly).
	spec *decodedSpec
}

// decodedSpec is a spec decoded as it was read. It is handed out once: a
// render defaults and pins the spec it gets, so another render of the same
// items decodes its own.
type decodedSpec struct {
	s     *v1alpha1.LatticeService
	taken atomic.Bool
}

// DecodeService decodes the item's LatticeService strictly; the first
// call gets the spec decoded when the item was read, if it was.
func (it Item) DecodeService() (*v1alpha1.LatticeService, field.ErrorList) {
	if it.spec != nil && it.spec.taken.CompareAndSwap(false, true) {
		return it.spec.s, nil
	}
	return DecodeService(it.Full())
}

// Slim replaces the node by one that keeps only apiVersion, kind and
// metadata, for a LatticeService whose spec is decoded: with 10,000
// services the parsed specs were the largest part of the live heap (#8).
// Full gives back the node as read; Restore puts it back. Items that
// cannot be parsed again keep their node.
func (it *Item) Slim() {
	if it.raw == nil || it.slim {
		return
	}
	it.Node, it.slim = slimNode(it.Node.YNode()), true
}

// Restore undoes Slim: the item's node is the node as read again.
func (it *Item) Restore() {
	if it.slim {
		it.Node, it.slim = it.Full(), false
	}
}

// slimNode copies apiVersion, kind and metadata of an object. Copies,
// because the parser allocates an item's nodes together (or reuses them),
// and one node kept would keep them all; they are made in two allocations.
func slimNode(n *yaml.Node) *yaml.RNode {
	nodes, ptrs := 1, 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "apiVersion", "kind", "metadata":
			a, b := treeSize(n.Content[i])
			c, d := treeSize(n.Content[i+1])
			nodes, ptrs = nodes+a+c, ptrs+b+d+2
		}
	}
	t := treeCopier{nodes: make([]yaml.Node, 0, nodes), ptrs: make([]*yaml.Node, 0, ptrs)}
	stub := t.node(&yaml.Node{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Line: n.Line, Column: n.Column})
	start := len(t.ptrs)
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "apiVersion", "kind", "metadata":
			t.ptrs = append(t.ptrs, nil, nil)
		}
	}
	stub.Content = t.ptrs[start:len(t.ptrs):len(t.ptrs)]
	k := 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "apiVersion", "kind", "metadata":
			stub.Content[k], stub.Content[k+1] = t.copy(n.Content[i]), t.copy(n.Content[i+1])
			k += 2
		}
	}
	return yaml.NewRNode(stub)
}

// treeSize counts the nodes and Content pointers below and including n.
func treeSize(n *yaml.Node) (nodes, ptrs int) {
	nodes, ptrs = 1, len(n.Content)
	for _, c := range n.Content {
		a, b := treeSize(c)
		nodes, ptrs = nodes+a, ptrs+b
	}
	return nodes, ptrs
}

// treeCopier deep-copies trees into preallocated slabs; each Content
// slice has cap == len, so an append reallocates instead of overwriting.
type treeCopier struct {
	nodes []yaml.Node
	ptrs  []*yaml.Node
}

func (t *treeCopier) node(n *yaml.Node) *yaml.Node {
	t.nodes = append(t.nodes, *n)
	return &t.nodes[len(t.nodes)-1]
}

func (t *treeCopier) copy(n *yaml.Node) *yaml.Node {
	c := t.node(n)
	if n.Content == nil {
		return c
	}
	start := len(t.ptrs)
	t.ptrs = append(t.ptrs, n.Content...)
	c.Content = t.ptrs[start:len(t.ptrs):len(t.ptrs)]
	for i, k := range n.Content {
		c.Content[i] = t.copy(k)
	}
	return c
}

// Full is the item's node as read, parsed again if Slim dropped its body.
func (it Item) Full() *yaml.RNode {
	if !it.slim {
		return it.Node
	}
	n, err := parseItem(it.raw)
	if err != nil {
		return it.Node // cannot happen: the same text parsed before
	}
	return n
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
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// The input limits hold for the whole render, not per file.
		if total += len(data); total > MaxInputBytes {
			return nil, fmt.Errorf("%s: the files of this render add up to %d bytes or more; lattice reads at most %s (%s)", f, total, mib(MaxInputBytes), limitsDoc)
		}
		its, err := ParseStream(data, f)
		if err != nil {
			return nil, err
		}
		if items = append(items, its...); len(items) > MaxItems {
			return nil, fmt.Errorf("%s: the files of this render hold more than %d objects; lattice reads at most %d (%s)", f, MaxItems, MaxItems, limitsDoc)
		}
	}
	return items, nil
}

// ParseStream splits a multi-document YAML stream, remembering the first
// line of each document so errors can point at file:line. The input limits
// apply (docs/limits.md); documents are parsed on every core.
func ParseStream(data []byte, file string) ([]Item, error) {
	if err := scanInput(data, file); err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	type doc struct {
		start, end int
		node       *yaml.RNode
		err        error
	}
	var docs []doc
	start := 0
	for i, l := range lines {
		if l == "---\n" || l == "---" || strings.HasPrefix(l, "--- ") {
			docs = append(docs, doc{start: start, end: i})
			start = i + 1
		}
	}
	docs = append(docs, doc{start: start, end: len(lines)})
	// Empty documents cost little, but not nothing: refuse a flood of them
	// before parsing, and count objects after.
	if len(docs) > 2*MaxItems {
		return nil, fmt.Errorf("%s: %d documents; lattice reads at most %d objects (%s)", file, len(docs), MaxItems, limitsDoc)
	}
	par.For(len(docs), func(i int) {
		d := &docs[i]
		text := strings.Join(lines[d.start:d.end], "")
		if strings.TrimSpace(text) == "" {
			return
		}
		n, err := yaml.Parse(text)
		if err != nil {
			d.err = fmt.Errorf("%s:%d: %w", file, d.start+1, err)
			return
		}
		if yaml.IsMissingOrNull(n) {
			return
		}
		if n.YNode().Kind != yaml.MappingNode {
			d.err = fmt.Errorf("%s:%d: a document must be a Kubernetes object (a map), got %s", file, d.start+1, kindName(n.YNode().Kind))
			return
		}
		if e := checkObject(n.YNode(), isLatticeKind(n.YNode())); e != nil {
			d.err = fmt.Errorf("%s:%d: %s: %w", file, d.start+e.Line, describe(n.YNode()), e)
			return
		}
		d.node = n
	})
	var items []Item
	for _, d := range docs {
		if d.err != nil {
			return nil, d.err
		}
		if d.node != nil {
			items = append(items, Item{Node: d.node, File: file, Index: len(items), Lines: true, LineOffset: d.start})
		}
	}
	if len(items) > MaxItems {
		return nil, fmt.Errorf("%s: %d objects; lattice reads at most %d (%s)", file, len(items), MaxItems, limitsDoc)
	}
	return items, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "a YAML alias"
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
