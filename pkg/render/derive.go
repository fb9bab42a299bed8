package render

// Stage 3: derive. Derivers are pure, so services derive on every core;
// objects are collected in graph order, the namespace-shared ones last.

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/par"
)

func (r *renderer) deriveAll(g *graph.Graph, sharedIn derive.SharedInput, bySource map[string]krm.Item) []derive.Derived {
	nodes := g.Nodes()
	type perService struct {
		d    []derive.Derived
		errs field.ErrorList
	}
	per := make([]perService, len(nodes))
	par.For(len(nodes), func(i int) {
		per[i].d, per[i].errs = derive.Service(derive.Input{Service: nodes[i].Service, Platform: r.platform, Graph: g, Node: nodes[i]})
	})
	total := 0
	for i := range per {
		total += len(per[i].d)
	}
	// Sized once: grown by append, the copies of 10,000 services' objects
	// were a visible serial step.
	derived := make([]derive.Derived, 0, total)
	for i, n := range nodes {
		if len(per[i].errs) > 0 {
			r.fieldErrors(bySource[n.Ref.String()], n.Service, per[i].errs)
			continue
		}
		derived = append(derived, per[i].d...)
	}
	if r.failed() {
		return nil
	}
	return append(derived, derive.Shared(sharedIn)...)
}
