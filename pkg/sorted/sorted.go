// Package sorted lists a map's keys in order, the way every emitted list
// built from a map is ordered (output is deterministic).
package sorted

import (
	"cmp"
	"slices"
)

// Keys returns m's keys sorted. It is sorted.Keys(m) with
// the slice allocated once at its size (#8: growing it by appends was a
// fifth of deriving's allocations).
func Keys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	if len(m) == 0 {
		return nil
	}
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
