package tests

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/gen/synth"
)

// TestFailedFunctionRenderReturnsInput: in function mode the specs' nodes
// are slimmed once decoded (krm.Item.Slim); a render that fails afterwards
// must still return every item exactly as read.
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
				untouched[i] = krm.Out{Node: it.Node}
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
