package krm

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sameNodes reports where two parses differ, or "".
func sameNodes(a, b *yaml.Node, at string) string {
	if a == nil || b == nil {
		if a != b {
			return at + ": one is nil"
		}
		return ""
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Sprintf("%s: %+v\nvs %+v", at, *a, *b)
	}
	for i := range a.Content {
		if d := sameNodes(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkSplit parses data in pieces of min bytes and whole, and fails on
// any difference in the nodes of the items or in the error.
func checkSplit(t *testing.T, data []byte, min int) {
	t.Helper()
	defer func(old int) { splitMin = old }(splitMin)
	splitMin = min
	whole, werr := decodeDocuments(data)
	got, gerr := decodeResourceList(data)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("errors differ: whole %v, in pieces %v\n%s", werr, gerr, data)
	}
	if len(whole) != len(got) {
		t.Fatalf("%d documents whole, %d in pieces", len(whole), len(got))
	}
	for i := range whole {
		wi, gi := whole[i], got[i]
		if wi.Kind == yaml.MappingNode && gi.Kind == yaml.MappingNode {
			// The items' sequence node itself is not read (its line and
			// style are the parser's); everything in and around it is.
			if ws, gs := mapValue(wi, "items"), mapValue(gi, "items"); ws != nil && gs != nil && ws.Kind == yaml.SequenceNode && gs.Kind == yaml.SequenceNode {
				wc, gc := *ws, *gs
				wc.Line, wc.Column, wc.Style, gc.Line, gc.Column, gc.Style = 0, 0, 0, 0, 0, 0
				if d := sameNodes(&wc, &gc, "items"); d != "" {
					t.Fatalf("document %d: %s\n%s", i, d, data)
				}
				continue
			}
		}
		if d := sameNodes(wi, gi, "doc"); d != "" {
			t.Fatalf("document %d: %s\n%s", i, d, data)
		}
	}
}

// TestResourceListPieces: a large ResourceList parsed on every core gives
// the nodes one parse gives (lines included), also split at every item.
func TestResourceListPieces(t *testing.T) {
	var items []string
	for i := range 300 {
		items = append(items, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\n  annotations: {a: \"x\\ny\"}\ndata:\n  k: |\n    line one\n\n    - not an item\n  flow: [a, b,\n    c]\n  q: 'multi\n\n    line'\n", i))
	}
	items = append(items, seedService)
	in := []byte(resourceListOf(items...) + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: fc}\n")
	for _, min := range []int{1, 100, 4096, 1 << 20} {
		checkSplit(t, in, min)
	}
	for _, in := range resourceLists {
		checkSplit(t, []byte(in), 1)
	}
}

func FuzzResourceListPieces(f *testing.F) {
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: 1\n- b: \"x\n- y\"\n- c: [1,\n- 2]\n- &a {x: 1}\n- *a\nfunctionConfig: {d: 4}\n"), uint8(1))
	f.Add([]byte("kind: ResourceList\nitems:\n- a: 1\n\n  b: 2\n-   c: 3\n---\nitems:\n- d\n"), uint8(3))
	f.Add([]byte("items:\n- a\nitems:\n- b\n"), uint8(1))
	f.Add([]byte("kind: ResourceList\nitems:\n- # head\n  a: 1 # line\n  # foot\n- b: 2\n\n  # x\n  c: 3\n- d: 4\n# after\nfunctionConfig: {}\n"), uint8(1))
	f.Add([]byte("kind: ResourceList\nitems:\n- a: |\n    x\n- b: 'y\n\n  z'\nresults: []\n"), uint8(2))
	for _, in := range resourceLists {
		f.Add([]byte(in), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, min uint8) {
		if strings.Contains(string(data), "\nitems:\n") {
			checkSplit(t, data, int(min%32)+1)
		}
	})
}

// TestResourceListPiecesComments: comments inside items, as kustomize
// passes them on from the sources, keep their place.
func TestResourceListPiecesComments(t *testing.T) {
	var items []string
	for i := range 50 {
		items = append(items, fmt.Sprintf("# head of c%d\napiVersion: v1 # line\nkind: ConfigMap\nmetadata:\n  name: c%d\n  # foot of name\ndata:\n  k: v\n\n  # between\n  j: w\n", i, i))
		if i%3 == 0 {
			items[i] += fmt.Sprintf("# foot of c%d\n", i)
		}
	}
	in := []byte(resourceListOf(items...) + "# before fc\nfunctionConfig:\n  kind: X\n")
	for _, min := range []int{1, 64, 1024} {
		checkSplit(t, in, min)
	}
}
