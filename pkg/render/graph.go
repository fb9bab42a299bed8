package render

// Stage 2: the graph. Services (and, multi-cluster, the other clusters'
// services from a FleetInventory) become nodes and bilateral agreements
// edges; one-sided and dangling declarations become findings.

import (
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/par"
)

// buildGraph builds the graph and reports its findings and the problems
// derivation would run into; sharedIn is what the shared derivers read.
func (r *renderer) buildGraph(services []*v1alpha1.LatticeService, bySource map[string]krm.Item, platformItem krm.Item, passthrough []krm.Item) (*graph.Graph, derive.SharedInput) {
	fleet, fatal := r.loadFleet(services, bySource, platformItem, nil)
	if fatal {
		return nil, derive.SharedInput{}
	}
	g := graph.BuildMesh(services, r.members, fleet)
	r.findings(g, bySource)
	sharedIn := derive.SharedInput{Platform: r.platform, Graph: g, Namespaces: namespacesIn(passthrough), Waypoints: waypointsIn(passthrough)}
	r.problems(derive.Check(sharedIn), bySource)
	r.checkGateway(passthrough, sharedIn) // gateway.go
	return g, sharedIn
}

// findings turns one-sided and dangling declarations into results on the
// declaring service; spec.mesh.oneSided decides their severity
// (FindingKind.Strict).
func (r *renderer) findings(g *graph.Graph, bySource map[string]krm.Item) {
	// Built on every core, appended in the graph's order.
	res := make([]*framework.Result, len(g.Findings))
	par.For(len(g.Findings), func(i int) {
		f := &g.Findings[i]
		sev := framework.Warning
		if f.Kind.Strict() && r.platform.Spec.Mesh.OneSided == v1alpha1.OneSidedError || f.Kind.Error() {
			sev = framework.Error
		}
		src := bySource[f.On.String()]
		res[i] = &framework.Result{
			Severity: sev, Message: f.Message,
			ResourceRef: nodeRef(g.Node(f.On), src),
			Field:       &framework.Field{Path: findingPath(g, f)},
			File:        fileOf(src),
		}
		if f.Field != "" {
			res[i].Field.Path += "." + f.Field
		}
		r.lineFor(res[i], src, res[i].Field.Path)
	})
	r.results = append(r.results, res...)
}

func (r *renderer) problems(ps []derive.Problem, bySource map[string]krm.Item) {
	for _, p := range ps {
		res := &framework.Result{Severity: framework.Error, Message: p.Message}
		if p.Warning {
			res.Severity = framework.Warning
		}
		if it, ok := bySource[p.Source]; ok {
			res.ResourceRef, res.File = refFromItem(it), fileOf(it)
			if p.Field != "" {
				res.Field = &framework.Field{Path: p.Field}
				r.lineFor(res, it, p.Field)
			}
		}
		r.results = append(r.results, res)
	}
}

func namespacesIn(items []krm.Item) map[string]bool {
	ns := map[string]bool{}
	for _, it := range items {
		if it.Node.GetKind() == "Namespace" && it.Node.GetApiVersion() == "v1" {
			ns[it.Node.GetName()] = true
		}
	}
	return ns
}
