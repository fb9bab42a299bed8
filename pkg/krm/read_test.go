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

// TestSplitParseMatchesKyaml: the parallel item parse gives what kyaml's
// reader gives, or is not taken.
func TestSplitParseMatchesKyaml(t *testing.T) {
	for i, in := range resourceLists {
		data := []byte(in)
		br := &kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}
		wantNodes, wantErr := br.Read()
		nodes, _, fc, kind, err := parseResourceList(data)
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
