// Package render is the pipeline; it is the only package that sequences the
// others. A render runs in stages, each in its own file:
//
//	classify.go    items ──► classified (Platform, locks, LatticeServices decoded,
//	               defaulted, validated; everything else passes through)
//	graph.go       ──► graph.BuildFleet (bilateral agreements, findings)
//	derive.go      ──► derive.Service per service, derive.Shared once
//	collisions.go  ──► two owners of one object
//	order.go       ──► one total order of the output
//	results.go     ──► encoded output (krm.Encode) and sorted results
//
// Output is all or nothing: any error result leaves the input items
// untouched and adds no derived object. Render never changes its input:
// the objects it edits (a Namespace it enrolls, a source kpt writes back)
// are copies.
package render

import (
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// Mode says who called the renderer.
type Mode int

const (
	// Function is the KRM function: items in, items out, sources handled
	// per Platform spec.output.keepSource.
	Function Mode = iota
	// Stream is `lattice render`: Platform items configure the render and
	// sources never reach the output.
	Stream
	// Inventory is `lattice fleet inventory`: decode, default and validate
	// the LatticeServices (Output.Services) and derive nothing. A
	// FleetInventory in the input is ignored: it is what is being made.
	Inventory
)

// options are what the modes change, and nothing else does.
type options struct {
	// passLatticeKinds keeps Platform, ImageLock, Fleet and
	// FleetInventory items in the output (local-config for kpt).
	passLatticeKinds bool
	// mayKeepSources lets LatticeServices stay in the output when kpt
	// writes it back (keepSources).
	mayKeepSources bool
	// servicesOnly stops after the services are decoded and valid.
	servicesOnly bool
	// readsFleet takes a FleetInventory in the input into the graph.
	readsFleet bool
}

func (m Mode) options() options {
	switch m {
	case Function:
		return options{passLatticeKinds: true, mayKeepSources: true, readsFleet: true}
	case Inventory:
		return options{servicesOnly: true}
	}
	return options{readsFleet: true}
}

const kustomizeIDAnnotation = "kustomize.config.k8s.io/id"

// Output is a finished render.
type Output struct {
	Items   []krm.Out
	Results framework.Results
	// Failed is true when any result is an error; Items are then the
	// untouched input.
	Failed bool
	// Graph, Platform and Derived describe the render for graph/explain.
	Graph    *graph.Graph
	Platform *v1alpha1.Platform
	Derived  []derive.Derived
	// Services are the decoded, defaulted and valid LatticeServices
	// (Inventory mode).
	Services []*v1alpha1.LatticeService
	// Members are the decoded, defaulted and valid MeshMembers (Inventory
	// mode).
	Members []*v1alpha1.MeshMember
}

type source struct {
	item    krm.Item
	service *v1alpha1.LatticeService
}

type renderer struct {
	opts     options
	results  framework.Results
	platform *v1alpha1.Platform
	locks    []krm.Item
	// pinned maps a tagged image to its locked digest.
	pinned map[string]string
	// inventories and fleets are the ServiceDirectory (or FleetInventory)
	// and Fleet items (fleet.go); stale counts the errors that say the
	// directory is stale.
	inventories, fleets []krm.Item
	stale               int
	// memberItems and members are the MeshMembers (members.go).
	memberItems []krm.Item
	members     []*v1alpha1.MeshMember
}

// Render runs the pipeline over items with an optional functionConfig.
func Render(items []krm.Item, fnConfig *yaml.RNode, mode Mode) *Output {
	r := &renderer{opts: mode.options()}
	out := &Output{}

	// Read and classify (classify.go).
	in := r.classify(items, fnConfig)
	if r.platform = r.loadPlatform(in.platform); r.platform == nil {
		return r.fail(out, items)
	}
	out.Platform = r.platform
	r.loadLocks()
	services, bySource := r.decodeServices(in.sources)
	r.members = r.loadMembers(bySource)
	r.memberSources(r.members, bySource)
	if r.failed() {
		if !r.opts.servicesOnly {
			// A stale directory is reported with these errors (fleet.go).
			r.directoryOnFailure(in.sources, services, in.platform)
		}
		return r.fail(out, items)
	}
	if r.opts.servicesOnly {
		out.Services, out.Members = services, r.members
		out.Results = r.sorted()
		return out
	}
	keep := r.keepSources(items, in.kustomize)
	passthrough := r.dropLocalKinds(r.dropStale(r.passMembers(in.passthrough, keep), keep), in.kustomize)

	// The graph and what it finds (graph.go).
	g, sharedIn := r.buildGraph(services, bySource, in.platform, passthrough)
	// A stale directory alone goes on to find the render's other errors.
	if g == nil || r.failed() && !r.onlyStale() {
		return r.fail(out, items)
	}
	out.Graph = g

	// Derive (derive.go).
	derived := r.deriveAll(g, sharedIn, bySource)
	if r.failed() {
		return r.fail(out, items)
	}
	out.Derived = derived

	// Collisions (collisions.go), in output order (order.go).
	all := outputKeys(derived, passthrough, in.sources, keep)
	order := sortedOrder(all)
	r.collisions(all, order, derived, bySource)
	if r.failed() {
		return r.fail(out, items)
	}
	// spec.output.validate (validate.go): the API server's checks, offline.
	if r.validateOutput(derived, bySource); r.failed() {
		return r.fail(out, items)
	}

	// Results (results.go).
	r.enroll(passthrough, g)
	if r.failed() {
		return r.fail(out, items)
	}
	r.markMembers(keep)
	outs, err := r.assemble(all, order, derived, in.sources, keep)
	if err != nil {
		r.results = append(r.results, &framework.Result{Severity: framework.Error, Message: "internal error: " + err.Error()})
		return r.fail(out, items)
	}
	out.Items = outs
	out.Results = r.sorted()
	return out
}

func (r *renderer) failed() bool {
	for _, res := range r.results {
		if res.Severity == framework.Error {
			return true
		}
	}
	return false
}

// fail is a failed render: the input as it was, and the results.
func (r *renderer) fail(out *Output, items []krm.Item) *Output {
	out.Failed = true
	out.Items = make([]krm.Out, len(items))
	for i, it := range items {
		out.Items[i] = krm.Out{Node: it.Node}
	}
	out.Results = r.sorted()
	return out
}
