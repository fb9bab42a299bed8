package sorted

import (
	"maps"
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	for _, m := range []map[string]int{nil, {}, {"b": 1}, {"b": 1, "a": 2, "c": 3, "aa": 4}} {
		got, want := Keys(m), slices.Sorted(maps.Keys(m))
		if !slices.Equal(got, want) {
			t.Errorf("Keys(%v) = %v, want %v", m, got, want)
		}
	}
}
