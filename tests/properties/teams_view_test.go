package properties

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lattice-dev/lattice/pkg/fleet"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// TestViewRendersLikeWholeDirectory: a render reading its view of the
// directory (fleet.View, what `lattice directory build` writes into its
// root) gives byte for byte the output and the results of the same render
// reading the whole directory, on fleets of several clusters rendered by
// several teams (federated trust domains: names recur across clusters, so
// resolution sees ambiguous and unexported candidates). The view is a
// pruned copy; this is what makes pruning it safe.
func TestViewRendersLikeWholeDirectory(t *testing.T) {
	seeds := seedCount(12, 2, "VIEW_SEEDS")
	for seed := range seeds {
		d := teamsFleet(t, uint64(100+seed), fleetShape{clusters: 4 + seed, perCluster: 40, maxDecls: 6, localPct: 60, exportPct: 30}, 15)
		views := fleet.NewViews(d.dir)
		for _, r := range d.renders {
			view, err := krm.Encode(views.View(r.cluster, r.name))
			if err != nil {
				t.Fatal(err)
			}
			with := func(dir []byte) []byte { return append(append(slices.Clone(r.in), "---\n"...), dir...) }
			gotOut, gotRes, gotFailed := harness.RenderStream(t, with(view), "input.yaml")
			wantOut, wantRes, wantFailed := harness.RenderStream(t, with(d.dirBytes), "input.yaml")
			if gotFailed != wantFailed || gotRes != wantRes {
				t.Fatalf("seed %d, render %s: results with the view (failed %v):\n%s\nwith the whole directory (failed %v):\n%s", seed, r.name, gotFailed, gotRes, wantFailed, wantRes)
			}
			if !bytes.Equal(gotOut, wantOut) {
				t.Fatalf("seed %d, render %s: the output with its view differs from the output with the whole directory:\n%s", seed, r.name, cmp.Diff(strings.Split(string(wantOut), "\n"), strings.Split(string(gotOut), "\n")))
			}
		}
	}
}
