package derive

import (
	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// SharedInput is what namespace- and cluster-level derivers see.
type SharedInput struct {
	Platform *v1alpha1.Platform
	Graph    *graph.Graph
	// Namespaces present as Namespace objects in the input.
	Namespaces map[string]bool
	// Waypoints are the input's Namespaces annotated
	// lattice.dev/waypoint: "true".
	Waypoints map[string]bool
}

// Shared derives objects that belong to a namespace or the cluster rather
// than one service (waypoints, baseline policy), once per render.
func Shared(in SharedInput) []Derived {
	out := append(append(append(sharedMesh(in), sharedEdge(in)...), remoteServices(in)...), memberPolicies(in)...)
	if errs := setTypeMeta(out); len(errs) > 0 {
		// Not reachable from any input: the registry misses a kind a
		// shared deriver emits, which the goldens show at once.
		panic(errs.ToAggregate())
	}
	return out
}

// Problem is a finding that involves several services or the render as a
// whole (two services claiming one hostname, a namespace missing from the
// input), reported on Source ("namespace/name", or "" for the render).
type Problem struct {
	Source  string
	Field   string
	Message string
	Warning bool
}

// Check runs the cross-service checks before anything is derived.
func Check(in SharedInput) []Problem {
	return append(append(append(append(checkMesh(in), checkEdge(in)...), checkRemote(in)...), checkAmbientRemote(in)...), checkMembers(in)...)
}
