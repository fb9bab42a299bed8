package krm

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
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

func dump(t *testing.T, nodes []*yaml.RNode, fc *yaml.RNode, kind string) string {
	var b strings.Builder
	b.WriteString(kind + "\n")
	for _, n := range nodes {
		s, err := n.String()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n" + s)
	}
	if fc != nil {
		s, _ := fc.String()
		b.WriteString("=== fc\n" + s)
	}
	return b.String()
}

func parsedNodes(parsed []parsedItem) []*yaml.RNode {
	nodes := make([]*yaml.RNode, len(parsed))
	for i, p := range parsed {
		nodes[i] = p.node
	}
	return nodes
}

// TestSplitParseMatchesKyaml: the parallel item parse gives what kyaml's
// reader gives, or is not taken.
func TestSplitParseMatchesKyaml(t *testing.T) {
	for i, in := range resourceLists {
		data := []byte(in)
		br := &kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}
		wantNodes, wantErr := br.Read()
		parsed, fc, kind, err := parseResourceList(data, false)
		nodes := parsedNodes(parsed)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("case %d: error %v, kyaml %v", i, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got, want := dump(t, nodes, fc, kind), dump(t, wantNodes, br.FunctionConfig, br.WrappingKind); got != want {
			t.Errorf("case %d differs:\n--- kyaml\n%s\n--- split\n%s", i, want, got)
		}
		_, _, split := splitResourceList(data)
		t.Logf("case %d: split path %v", i, split)
	}
}

// TestNodeBoundChunks: counted in 1 MiB chunks on every core, the bound is
// the one pass's count, also for indicators that straddle a chunk edge.
func TestNodeBoundChunks(t *testing.T) {
	const mib = 1 << 20
	data := bytes.Repeat([]byte("a: b\n- c\n{d, e}\n"), 3*mib/16+7)
	copy(data[mib-1:], "- ")             // "-" ends one chunk, " " starts the next
	copy(data[2*mib-2:], "\xe2\x80\xa8") // LS across an edge
	copy(data[3*mib-1:], ":\n")          // a value indicator across an edge
	if got, want := nodeBound(data), 2+nodeBoundRange(data, 0, len(data)); got != want {
		t.Fatalf("nodeBound = %d, one pass counts %d", got, want)
	}
	if got := nodeBound(nil); got != 2 {
		t.Fatalf("nodeBound(nil) = %d, want 2", got)
	}
}

// TestFileAnnotations: the shortcut gives kioutil's answer, also for
// metadata kioutil cannot decode.
func TestFileAnnotations(t *testing.T) {
	for _, in := range []string{
		"kind: A\n",
		"kind: A\nmetadata: {name: a}\n",
		"kind: A\nmetadata: {name: a, annotations: {x: y}}\n",
		"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/path: a.yaml, config.kubernetes.io/index: '2'}}\n",
		"kind: A\nmetadata: {name: a, annotations: {internal.config.kubernetes.io/path: b.yaml, internal.config.kubernetes.io/index: 3}}\n",
		"kind: A\nmetadata: {name: a, labels: [x], annotations: {config.kubernetes.io/path: a.yaml}}\n",
		"kind: A\nmetadata: {name: a, annotations: {config.kubernetes.io/path: [a.yaml]}}\n",
		"kind: A\nmetadata: [a]\n",
		"kind: A\nmetadata: {name: a, annotations: &x {config.kubernetes.io/path: a.yaml}}\nx: *x\n",
		"kind: A\nbase: &b {config.kubernetes.io/path: m.yaml}\nmetadata: {name: a, annotations: {<<: *b}}\n",
	} {
		n, err := yaml.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		p, i, err := fileAnnotations(n)
		wp, wi, werr := kioutil.GetFileAnnotations(n)
		if p != wp || i != wi || (err == nil) != (werr == nil) {
			t.Errorf("%q: got %q %q %v, kioutil %q %q %v", in, p, i, err, wp, wi, werr)
		}
	}
}

// TestSplitAcrossRanges: items cut apart on every core in 1 MiB ranges
// are the items a single pass cuts, wherever range edges fall, with the
// items ending inside a later range.
func TestSplitAcrossRanges(t *testing.T) {
	for _, indent := range []string{"", "  "} {
		var b strings.Builder
		b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
		for i := range 30000 {
			fmt.Fprintf(&b, "%s- apiVersion: v1\n%s  kind: ConfigMap\n%s  metadata:\n%s    name: c%d\n%s  data:\n%s    k: %s\n\n",
				indent, indent, indent, indent, i, indent, indent, strings.Repeat("x", i%97))
		}
		b.WriteString("functionConfig:\n  kind: X\n")
		data := []byte(b.String())
		_, chunks, ok := splitResourceList(data)
		if !ok {
			t.Fatal("not split")
		}
		if len(chunks) != 30000 {
			t.Fatalf("indent %q: %d chunks, want 30000", indent, len(chunks))
		}
		for i, c := range chunks {
			want := fmt.Sprintf("%s- apiVersion: v1\n%s  kind: ConfigMap\n%s  metadata:\n%s    name: c%d\n", indent, indent, indent, indent, i)
			if !strings.HasPrefix(string(c), want) || !strings.HasSuffix(string(c), "\n\n") {
				t.Fatalf("indent %q: chunk %d is %q", indent, i, c)
			}
		}
		if len(data) < 3<<20 {
			t.Fatalf("input is %d bytes: it must span several ranges", len(data))
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

// TestContainsAny: patterns are found anywhere, also across range edges.
func TestContainsAny(t *testing.T) {
	const mib = 1 << 20
	base := bytes.Repeat([]byte("a: b\n"), 3*mib/5)
	if containsAny(base, "\n---", " #") {
		t.Fatal("found what is not there")
	}
	for _, at := range []int{0, mib - 3, mib - 2, mib - 1, mib, 2*mib - 1, len(base) - 4} {
		data := slices.Clone(base)
		copy(data[at:], "\n---")
		if !containsAny(data, " #", "\n---") {
			t.Errorf("pattern at %d not found", at)
		}
	}
}
