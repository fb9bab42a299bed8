// Package names holds what lattice needs to compare names: the edit
// distance behind every "did you mean" (unknown spec fields in pkg/krm,
// undeclared peers in pkg/graph). It is a leaf: it imports no lattice
// package, so every layer may use it.
package names

// EditDistance is the Levenshtein distance of two names, byte by byte
// (Kubernetes names and spec keys are ASCII).
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
