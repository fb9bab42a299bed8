package render

// Stage 5: order. Every output object gets a key; the output is sorted by
// it, a total order, so the same input in any order gives byte-identical
// output.

import (
	"cmp"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/kinds"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// outputKeys lists every output object with its sort key: the passthrough
// items, the sources kpt writes back, then the derived objects.
func outputKeys(derived []derive.Derived, passthrough []krm.Item, sources []source, keep bool) []keyed {
	all := make([]keyed, 0, len(passthrough)+len(sources)+len(derived))
	for i := range passthrough {
		all = append(all, keyed{key: krm.NodeMeta(passthrough[i].Node), derived: -1, item: &passthrough[i]})
	}
	if keep {
		for _, src := range sources {
			all = append(all, keyed{key: krm.NodeMeta(src.item.Node), derived: -1, source: src.item.Node})
		}
	}
	for i, d := range derived {
		all = append(all, keyed{key: meta(d), derived: i})
	}
	return all
}

// keyed is an output object with its sort key.
type keyed struct {
	key  krm.Meta
	rank int // kindRank(key.Kind)
	pos  int // position before sorting: equal keys keep their order
	// derived is the index of a derived object, or -1; item is a
	// passthrough item, source a LatticeService kpt writes back.
	derived int
	item    *krm.Item
	source  *yaml.RNode
}

func compareKeyed(a, b *keyed) int {
	return cmp.Or(
		cmp.Compare(a.key.Namespace, b.key.Namespace),
		cmp.Compare(a.rank, b.rank),
		cmp.Compare(a.key.Kind, b.key.Kind),
		cmp.Compare(a.key.Name, b.key.Name),
		cmp.Compare(a.key.APIVersion, b.key.APIVersion),
		cmp.Compare(a.pos, b.pos),
	)
}

// sortedOrder gives the indexes of all in output order, a total order (so
// any sort gives the same result).
func sortedOrder(all []keyed) []int32 {
	order := make([]int32, len(all))
	for i := range all {
		all[i].rank = kindRank(all[i].key.Kind)
		all[i].pos = i
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareKeyed(&all[a], &all[b]) })
	return order
}

// kindRank is the output rank of a kind (pkg/kinds).
func kindRank(kind string) int { return kinds.Rank(kind) }
