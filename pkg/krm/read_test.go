package krm

import (
	"bytes"
	"strings"
	"testing"

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
