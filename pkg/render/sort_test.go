package render

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
)

// TestSortKeyedIsStableSort: the two-core sort gives the order of a
// stable sort by the output key, duplicates included, above and below the
// size where it splits.
func TestSortKeyedIsStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := append(slices.Clone(kindOrder), "Zebra", "Alpha")
	for _, n := range []int{0, 1, 7, 4095, 4096, 9001} {
		all := make([]keyed, n)
		for i := range all {
			all[i].key = krm.Meta{
				APIVersion: fmt.Sprintf("g%d/v1", r.IntN(2)),
				Kind:       kinds[r.IntN(len(kinds))],
				Namespace:  fmt.Sprintf("ns-%d", r.IntN(5)),
				Name:       fmt.Sprintf("n-%d", r.IntN(n/4+1)),
			}
			all[i].out.YAML = []byte(fmt.Sprint(i))
		}
		want := slices.Clone(all)
		slices.SortStableFunc(want, func(a, b keyed) int {
			return cmp.Or(
				cmp.Compare(a.key.Namespace, b.key.Namespace),
				cmp.Compare(kindRank(a.key.Kind), kindRank(b.key.Kind)),
				cmp.Compare(a.key.Kind, b.key.Kind),
				cmp.Compare(a.key.Name, b.key.Name),
				cmp.Compare(a.key.APIVersion, b.key.APIVersion),
			)
		})
		sortKeyed(all)
		for i := range all {
			if string(all[i].out.YAML) != string(want[i].out.YAML) {
				t.Fatalf("n=%d: position %d holds item %s, a stable sort puts %s there", n, i, all[i].out.YAML, want[i].out.YAML)
			}
		}
	}
}
