package properties

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/gen/synth"
)

// TestFailedFunctionRenderReturnsInput: in function mode the specs' nodes
// are slimmed once decoded (krm.Item.Slim, as ReadResourceList reads them);
// a render that fails afterwards must still return every item exactly as
// read.
func TestFailedFunctionRenderReturnsInput(t *testing.T) {
	base := string(synth.Generate(synth.Options{Services: 120, Seed: 3}).ResourceList())
	cases := []struct {
		reason string
		edit   func(string) string
	}{
		{"one-sided declarations are errors: the render fails after the graph",
			func(s string) string { return strings.Replace(s, "oneSided: warn", "oneSided: error", 1) }},
		{"one spec has an unknown field: the others were decoded and slimmed",
			func(s string) string { return strings.Replace(s, "    replicas: 2\n", "    replica: 2\n", 1) }},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			in := c.edit(base)
			if in == base {
				t.Fatal("the edit changed nothing")
			}
			ref, fnConfig, err := krm.ReadResourceList(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			untouched := make([]krm.Out, len(ref))
			for i, it := range ref {
				untouched[i] = krm.Out{Node: it.Full()}
			}
			want, err := krm.ResourceList(untouched, fnConfig, nil)
			if err != nil {
				t.Fatal(err)
			}
			items, fnConfig, err := krm.ReadResourceList(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			out := render.Render(items, fnConfig, render.Function)
			if !out.Failed {
				t.Fatal("the render did not fail")
			}
			got, err := krm.ResourceList(out.Items, fnConfig, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("a failed render changed its input (%d bytes, want %d)", len(got), len(want))
			}
		})
	}
}

// TestReadDecodesServicesEarly: ReadResourceList decodes each
// LatticeService where it parsed it and parses the next item over the
// same memory (krm.readEarly). Every item must still read back exactly as
// kyaml reads it, and every early spec must equal the spec decoded from
// kyaml's node; the second render of the same items decodes its own.
func TestReadDecodesServicesEarly(t *testing.T) {
	in := synth.Generate(synth.Options{Services: 300, Seed: 5}).ResourceList()
	// A spec that does not decode keeps its node, for its error.
	in = bytes.Replace(in, []byte("    replicas: 2\n"), []byte("    replica: 2\n"), 1)
	items, _, err := krm.ReadResourceList(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	br := &kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}
	want, err := br.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != len(want) {
		t.Fatalf("%d items, kyaml reads %d", len(items), len(want))
	}
	early, kept := 0, 0
	for i, it := range items {
		got, _ := it.Full().String()
		exp, _ := want[i].String()
		if got != exp {
			t.Fatalf("item %d reads back differently:\n%s\nkyaml:\n%s", i, got, exp)
		}
		if want[i].GetKind() != "LatticeService" {
			continue
		}
		ref, refErrs := krm.DecodeService(want[i])
		s, errs := it.DecodeService()
		if len(refErrs) > 0 {
			kept++
			if len(errs) == 0 || it.Node.Field("spec") == nil {
				t.Fatalf("item %d: a spec that does not decode must keep its node and fail again, got %v", i, errs)
			}
			continue
		}
		if it.Node.Field("spec") == nil {
			early++
		}
		if len(errs) > 0 || !reflect.DeepEqual(s, ref) {
			t.Fatalf("item %d: early spec differs from kyaml's node decoded: %v", i, errs)
		}
		again, errs := it.DecodeService()
		if len(errs) > 0 || again == s || !reflect.DeepEqual(again, ref) {
			t.Fatalf("item %d: a second decode must give a fresh, equal spec", i)
		}
	}
	if early < 290 || kept != 1 {
		t.Fatalf("%d specs decoded early and %d kept, want about 300 and 1", early, kept)
	}
}
