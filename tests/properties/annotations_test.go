package properties

import (
	"bytes"
	"testing"

	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/gen/synth"
)

// TestAnnotationsBounded: no annotation grows with the number of services.
// The baseline's and the waypoint's lattice.dev/derived-from used to list
// every service they serve: 296 KB at 8,000 services, over the API
// server's 256 KiB limit on an object's annotations. Rendered here with
// the baseline on and 2,000 services per namespace (each namespace's
// waypoint serves about a hundred), at 400 and 8,000 services: the longest
// annotation value must be the same, and short.
func TestAnnotationsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 8,000 services")
	}
	const bound = 256 // bytes per annotation value; the API server allows 256 KiB per object
	longest := map[int]int{}
	for _, n := range []int{400, 8000} {
		app := synth.Generate(synth.Options{Services: n, Seed: 1, PerNamespace: 2000})
		app.Platform = bytes.Replace(app.Platform, []byte("    oneSided: warn\n"), []byte("    oneSided: warn\n    baseline: true\n    manageNamespaces: true\n"), 1)
		items, err := krm.ParseStream(app.Stream(), "app.yaml")
		if err != nil {
			t.Fatal(err)
		}
		out := render.Render(items, nil, render.Stream)
		if out.Failed {
			t.Fatalf("%d services: render failed:\n%s", n, render.Format(out.Results))
		}
		sawWaypoint, sawBaseline := false, false
		for _, d := range out.Derived {
			obj := d.Object
			for k, v := range obj.GetAnnotations() {
				longest[n] = max(longest[n], len(v))
				if len(v) > bound {
					t.Errorf("%d services: %s/%s annotation %s is %d bytes (over %d)", n, obj.GetNamespace(), obj.GetName(), k, len(v), bound)
				}
			}
			if obj.GetAnnotations()[derive.AnnotationSource] == "" {
				t.Errorf("%d services: %s/%s has no %s", n, obj.GetNamespace(), obj.GetName(), derive.AnnotationSource)
			}
			sawWaypoint = sawWaypoint || len(d.Sources) > 1 && d.Owner == derive.NamespaceOwner(obj.GetNamespace())
			sawBaseline = sawBaseline || obj.GetName() == "mesh-default-deny"
		}
		if !sawWaypoint || !sawBaseline {
			t.Errorf("%d services: the case must include a shared waypoint (%v) and the baseline (%v)", n, sawWaypoint, sawBaseline)
		}
	}
	if longest[400] != longest[8000] {
		t.Errorf("the longest annotation grows with services: %d bytes at 400, %d at 8,000", longest[400], longest[8000])
	}
}
