package graph

import (
	"slices"
	"sync"

	"github.com/lattice-dev/lattice/pkg/names"
)

// Suggestions for a declaration whose peer does not exist: the nearest
// service name, by edit distance, among the services of the render and of
// the fleet inventory (issue 15 §4: `apii` gets "did you mean api?").

// nameIndex groups every known service by namespace, built once per graph
// on first use (only renders with a dangling declaration pay for it).
type nameIndex struct {
	once   sync.Once
	byNS   map[string][]Ref // local and remote services, sorted
	byName map[string][]Ref // the same, by name (a wrong namespace)
}

func (g *Graph) index() *nameIndex {
	ix := &g.names
	ix.once.Do(func() {
		ix.byNS, ix.byName = map[string][]Ref{}, map[string][]Ref{}
		add := func(r Ref) {
			ix.byNS[r.Namespace] = append(ix.byNS[r.Namespace], r)
			ix.byName[r.Name] = append(ix.byName[r.Name], r)
		}
		for _, r := range g.order {
			add(r)
		}
		for _, r := range g.remoteOrder {
			add(r)
		}
		for _, r := range g.siblingOrder { // the cluster's other renders
			add(r)
		}
		for _, m := range []map[string][]Ref{ix.byNS, ix.byName} {
			for _, refs := range m {
				slices.SortFunc(refs, Ref.Compare)
			}
		}
	})
	return ix
}

// DidYouMean is the existing service nearest to a peer that does not
// exist, written as a declaration would name it from namespace from: "api",
// "finance/api", or "api on cluster west". Candidates are services of the
// peer's namespace within edit distance 2 (and less than a third of the
// name), then a service of that name in another namespace. Ties go to the
// peer's cluster (this one, unless the declaration names another), then
// to Ref order, so the answer does not depend on input order.
func (g *Graph) DidYouMean(peer Ref, from string) (string, bool) {
	ix := g.index()
	var best Ref
	bestD := -1
	for _, r := range ix.byNS[peer.Namespace] {
		d := names.EditDistance(r.Name, peer.Name)
		if d == 0 && r.Cluster == peer.Cluster || d > 2 || 3*d > len(peer.Name) {
			continue
		}
		if r.Cluster != peer.Cluster {
			d += 3 // same name, other cluster: after every local typo
		}
		if bestD < 0 || d < bestD {
			best, bestD = r, d
		}
	}
	if bestD < 0 {
		for _, r := range ix.byName[peer.Name] {
			if r.Namespace != peer.Namespace {
				best, bestD = r, 0
				break
			}
		}
	}
	if bestD < 0 {
		return "", false
	}
	s := best.Name
	if best.Namespace != from {
		s = best.Namespace + "/" + best.Name
	}
	if best.Cluster != "" && best.Cluster != peer.Cluster {
		s += " on cluster " + best.Cluster
	}
	return s, true
}

// didYouMean is the fix of a dangling declaration: the nearest existing
// service, when there is one, and otherwise fix.
func (g *Graph) didYouMean(on *Node, in Intent, fix string) string {
	if s, ok := g.DidYouMean(in.Peer, on.Ref.Namespace); ok {
		return "did you mean " + s + "? Fix the key of spec.workload.resources[" + in.Key + "] (or its id:/namespace:), or " + fix
	}
	return fix
}

// HasFleet reports whether the graph includes a fleet inventory.
func (g *Graph) HasFleet() bool { return g.fleet != nil }
