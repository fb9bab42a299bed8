package names

import "testing"

func TestEditDistance(t *testing.T) {
	cases := map[string]struct {
		reason string
		a, b   string
		want   int
	}{
		"equal":      {"the same name is distance 0", "api", "api", 0},
		"empty":      {"against the empty name, the other's length", "", "api", 3},
		"insert":     {"one letter added", "api", "apii", 1},
		"substitute": {"one letter changed", "cart", "card", 1},
		"transpose":  {"a swap is two edits in Levenshtein", "ab", "ba", 2},
		"disjoint":   {"nothing shared", "abc", "xyz", 3},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := EditDistance(tc.a, tc.b); got != tc.want {
				t.Errorf("%s: EditDistance(%q, %q) = %d, want %d", tc.reason, tc.a, tc.b, got, tc.want)
			}
			if got := EditDistance(tc.b, tc.a); got != tc.want {
				t.Errorf("%s: not symmetric: EditDistance(%q, %q) = %d", tc.reason, tc.b, tc.a, got)
			}
		})
	}
}
