package render

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	registry "github.com/lattice-dev/lattice/pkg/kinds"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// TestSortedOrderIsStableSort: the output order is a stable sort by the
// output key, duplicates included, with one namespace, several and none.
func TestSortedOrderIsStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"Zebra", "Alpha", "CustomResourceDefinition"}
	for _, k := range registry.All() {
		kinds = append(kinds, k.Kind)
	}
	for _, tc := range []struct{ n, namespaces int }{{0, 5}, {1, 5}, {7, 5}, {4096, 1}, {9001, 5}, {9001, 700}} {
		n := tc.n
		all := make([]keyed, n)
		for i := range all {
			ns := fmt.Sprintf("ns-%d", r.IntN(tc.namespaces))
			if ns == "ns-0" {
				ns = "" // cluster-scoped
			}
			all[i].key = krm.Meta{
				APIVersion: fmt.Sprintf("g%d/v1", r.IntN(2)),
				Kind:       kinds[r.IntN(len(kinds))],
				Namespace:  ns,
				Name:       fmt.Sprintf("n-%d", r.IntN(n/4+1)),
			}
			all[i].derived = i
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
		order := sortedOrder(all)
		if len(order) != n {
			t.Fatalf("n=%d: %d indexes", n, len(order))
		}
		for i, k := range order {
			if all[k].derived != want[i].derived {
				t.Fatalf("n=%d, %d namespaces: position %d holds item %d, a stable sort puts %d there", n, tc.namespaces, i, all[k].derived, want[i].derived)
			}
		}
	}
}
