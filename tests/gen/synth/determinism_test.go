package synth_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/tests/gen/synth"
)

// Determinism on the synthetic app (issue #8): the same app with its
// documents in 20 different orders renders to the same bytes, in render
// and in function mode, and rendering the output again changes nothing.

func renderStream(t *testing.T, stream []byte) []byte {
	t.Helper()
	items, err := krm.ParseStream(stream, "app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := render.Render(items, nil, render.Stream)
	if out.Failed {
		t.Fatalf("render failed:\n%s", render.Format(out.Results))
	}
	var b bytes.Buffer
	if err := krm.WriteStream(&b, out.Items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func renderList(t *testing.T, list []byte) []byte {
	t.Helper()
	items, fc, err := krm.ReadResourceList(bytes.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	out := render.Render(items, fc, render.Function)
	if out.Failed {
		t.Fatalf("render failed:\n%s", render.Format(out.Results))
	}
	var b bytes.Buffer
	if err := krm.WriteResourceList(&b, out.Items, fc, out.Results); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSyntheticAppDeterministic(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 60
	}
	app := synth.Generate(synth.Options{Services: n, Seed: 42})
	docs := app.Documents(true)
	want := renderStream(t, synth.JoinStream(docs))
	if !bytes.Equal(want, renderStream(t, app.Stream())) {
		t.Fatal("two renders of the same input differ")
	}
	wantList := renderList(t, app.ResourceList())
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 20 {
		shuffled := append([][]byte(nil), docs...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if got := renderStream(t, synth.JoinStream(shuffled)); !bytes.Equal(got, want) {
			t.Fatalf("shuffle %d: render output depends on input order", i)
		}
		perm := &synth.App{Namespaces: nil, Platform: app.Platform}
		for _, d := range shuffled {
			if !bytes.Equal(d, app.Platform) {
				perm.Services = append(perm.Services, d)
			}
		}
		if got := renderList(t, perm.ResourceList()); !bytes.Equal(got, wantList) {
			t.Fatalf("shuffle %d: function output depends on item order", i)
		}
	}
	if again := renderStream(t, want); !bytes.Equal(again, want) {
		t.Error("rendering the output again changed it")
	}
}

// TestSyntheticAppKptFixedPoint: in a kpt package (items with path
// annotations, so sources stay in the output) the function's output is its
// own fixed point.
func TestSyntheticAppKptFixedPoint(t *testing.T) {
	app := synth.Generate(synth.Options{Services: 40, Seed: 3})
	var items [][]byte
	for i, d := range app.Documents(false) {
		ann := fmt.Sprintf("metadata:\n  annotations:\n    internal.config.kubernetes.io/path: f%03d.yaml\n", i)
		items = append(items, bytes.Replace(d, []byte("metadata:\n"), []byte(ann), 1))
	}
	list := (&synth.App{Services: items, Platform: app.Platform}).ResourceList()
	first := renderList(t, list)
	if !bytes.Contains(first, []byte("kind: LatticeService")) {
		t.Fatal("the kpt package lost its sources")
	}
	if again := renderList(t, first); !bytes.Equal(again, first) {
		t.Error("rendering the function output again changed it")
	}
}
