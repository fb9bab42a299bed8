package krm

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// resourceLists are inputs for the split-parse equivalence test: the
// layouts kustomize and kpt write, and ones the fast path must refuse.
var resourceLists = []string{
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    x: |\n      line\n\n      - not an item\n    y: \"quoted\n      - still quoted\"\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\nfunctionConfig:\n  apiVersion: lattice.dev/v1alpha1\n  kind: Platform\n  metadata:\n    name: p\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n  - apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: b\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {kind: Platform}\nitems:\n- a: 1\n-\n  b: 2\n- - nested\n- scalar\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n- &a {x: 1}\n- *a\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n- a: 1 # comment\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems: [{a: 1}, {b: 2}]\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n- a: [1,\n2]\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n- a: \"x\n- y\"\n",
	"kind: List\napiVersion: v1\nitems:\n- a: 1\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n- a: 1\nitems:\n- b: 2\n",
	"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n- a: 1\n  b: |+\n    keep\n\n\nresults: []\n",
}

// TestReadResourceListMatchesKyaml: the items and functionConfig are
// those kyaml's reader finds.
func TestReadResourceListMatchesKyaml(t *testing.T) {
	for i, in := range resourceLists {
		br := &kio.ByteReader{Reader: strings.NewReader(in), OmitReaderAnnotations: true}
		want, werr := br.Read()
		items, fc, err := ReadResourceList(strings.NewReader(in))
		if werr != nil || br.WrappingKind != kio.ResourceListKind || slices.ContainsFunc(want, func(n *yaml.RNode) bool { return n.YNode().Kind != yaml.MappingNode }) {
			if err == nil {
				t.Errorf("case %d: kyaml refuses it or it holds a non-object, ReadResourceList accepts it", i)
			}
			continue
		}
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Node.MustString())
		}
		var exp []string
		for _, n := range want {
			exp = append(exp, n.MustString())
		}
		if !slices.Equal(got, exp) {
			t.Errorf("case %d: items\n%q\nkyaml\n%q", i, got, exp)
		}
		if (fc == nil) != (br.FunctionConfig == nil) || fc != nil && fc.MustString() != br.FunctionConfig.MustString() {
			t.Errorf("case %d: functionConfig differs from kyaml's", i)
		}
	}
}

func TestNodeBoundChunks(t *testing.T) {
	const mib = 1 << 20
	data := bytes.Repeat([]byte("a: b\n- c\n{d, e}\n"), 3*mib/16+7)
	copy(data[mib-1:], "- ")             // "-" ends one chunk, " " starts the next
	copy(data[2*mib-2:], "\xe2\x80\xa8") // LS across an edge
	copy(data[3*mib-1:], ":\n")          // a value indicator across an edge
	if got, _ := scanChunks(data); got != 2+nodeBoundRange(data, 0, len(data)) {
		t.Fatalf("scanChunks counts %d, one pass %d", got, 2+nodeBoundRange(data, 0, len(data)))
	}
	if got, _ := scanChunks(nil); got != 2 {
		t.Fatalf("scanChunks(nil) counts %d, want 2", got)
	}
}

// TestLocate: an item's file and document come from kpt's path and index
// annotations, or from kustomize's origin annotation (a file, no document).
func TestLocate(t *testing.T) {
	for _, c := range []struct {
		in, file string
		index    int
	}{
		{"kind: A\n", "", 0},
		{"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/path: a.yaml, config.kubernetes.io/index: '2'}}\n", "a.yaml", 2},
		{"kind: A\nmetadata: {name: a, annotations: {internal.config.kubernetes.io/path: b.yaml, internal.config.kubernetes.io/index: '3'}}\n", "b.yaml", 3},
		{"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/origin: \"path: web.yaml\\n\"}}\n", "web.yaml", 0},
		{"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/origin: \"path: base/web.yaml\\nrepo: https://example.com/r\\nref: v1\\n\"}}\n", "base/web.yaml", 0},
		{"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/origin: \"not: [yaml\"}}\n", "", 0},
		{"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/path: k.yaml, config.kubernetes.io/origin: \"path: web.yaml\\n\"}}\n", "k.yaml", 0},
	} {
		it := Item{Node: yaml.MustParse(c.in)}
		it.locate()
		if it.File != c.file || it.Index != c.index {
			t.Errorf("%q: file %q index %d, want %q %d", c.in, it.File, it.Index, c.file, c.index)
		}
	}
}

// TestSyntaxErrorLine: a YAML syntax error names the line of the problem,
// not the line yaml.v3 counts from 0 where the enclosing block starts.
func TestSyntaxErrorLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		// A key indented one space less than its siblings, on line 5.
		{"a: 1\nb:\n  c: 1\n  d: 2\n e: 3\n", "f.yaml:5: yaml: did not find expected key"},
		// An unclosed flow mapping on line 3, found on line 4.
		{"a: 1\nb:\n  c: {x: 1\n  d: {y: 2}\n", "f.yaml:4: yaml: did not find expected ',' or '}'"},
		// A tab where indentation is expected, line 3 (a scanner error).
		{"a: 1\nb:\n\t- x\n", "f.yaml:3: yaml: found character that cannot start any token"},
		// Line numbers run on across documents.
		{"a: 1\n---\nb: 1\nc:\n  d: 1\n e: 2\n", "f.yaml:6: yaml: did not find expected key"},
	} {
		_, err := ParseStream([]byte(c.in), "f.yaml")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.in, err, c.want)
		}
	}
}

// TestScanChunksClean: the parallel pass finds NUL bytes and invalid
// UTF-8 anywhere, also across chunk edges, and passes valid text with
// multi-byte runes on the edges.
func TestScanChunksClean(t *testing.T) {
	const mib = 1 << 20
	base := bytes.Repeat([]byte("ab: ü€\n"), 3*mib/9)
	if _, clean := scanChunks(base); !clean {
		t.Fatal("valid UTF-8 reported unclean")
	}
	for _, at := range []int{0, mib - 1, mib, mib + 1, 2*mib - 2, len(base) - 1} {
		for _, bad := range [][]byte{{0}, {0xff}, {0x80}, {0xe2, 0x82}} {
			data := slices.Clone(base)
			copy(data[at:], bad)
			_, clean := scanChunks(data)
			want := bytes.IndexByte(data, 0) < 0 && utf8.Valid(data)
			if clean != want {
				t.Errorf("%x at %d: clean = %v, want %v", bad, at, clean, want)
			}
		}
	}
}
