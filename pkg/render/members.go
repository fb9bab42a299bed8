package render

import (
	"path"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// MeshMembers (docs/mesh-members.md) name workloads lattice does not
// derive. Like LatticeServices they are sources: rendered to nothing but
// their policies, kept as local-config for kpt's write-back and dropped
// everywhere else.

// loadMembers decodes, defaults and validates every MeshMember. services
// maps the LatticeServices' "namespace/name" to their items: a member may
// not share a service's name, or declarations naming it would mean either.
func (r *renderer) loadMembers(services map[string]krm.Item) []*v1alpha1.MeshMember {
	var out []*v1alpha1.MeshMember
	seen := map[string]krm.Item{}
	for _, it := range r.memberItems {
		m, errs := krm.DecodeMeshMember(it.Node)
		if len(errs) == 0 {
			v1alpha1.DefaultMeshMember(m)
			errs = v1alpha1.ValidateMeshMember(m, r.platform)
		}
		if len(errs) > 0 {
			r.fieldErrors(it, nil, errs)
			continue
		}
		key := m.Namespace + "/" + m.Name
		if prev, ok := services[key]; ok {
			r.errorf(it, nil, "metadata.name", "LatticeService %s (%s) has this name, so a declaration naming %s would mean either; rename the MeshMember", key, where(prev), key)
			continue
		}
		if prev, ok := seen[key]; ok {
			r.errorf(it, nil, "metadata.name", "MeshMember %s is defined twice (also in %s); a member is declared once, by its owner", key, where(prev))
			continue
		}
		seen[key] = it
		out = append(out, m)
	}
	return out
}

// memberSources adds the members' items to bySource, so findings and
// problems on a member point at its file and line.
func (r *renderer) memberSources(members []*v1alpha1.MeshMember, bySource map[string]krm.Item) {
	byKey := map[string]krm.Item{}
	for _, it := range r.memberItems {
		byKey[it.Node.GetNamespace()+"/"+it.Node.GetName()] = it
	}
	for _, m := range members {
		if it, ok := byKey[m.Namespace+"/"+m.Name]; ok {
			bySource[m.Namespace+"/"+m.Name] = it
		}
	}
}

// passMembers keeps the members in a function's output when sources are
// kept (kpt writes them back; markMembers marks them local-config once the
// render succeeds); otherwise they are dropped like LatticeServices.
func (r *renderer) passMembers(passthrough []krm.Item, keep bool) []krm.Item {
	if !keep || !r.opts.mayKeepSources {
		return passthrough
	}
	return append(passthrough, r.memberItems...)
}

// markMembers marks kept members local-config, as kpt writes sources back,
// so nothing applies them. It runs only once the render cannot fail: a
// failed render returns its input as it was.
func (r *renderer) markMembers(keep bool) {
	if !keep || !r.opts.mayKeepSources {
		return
	}
	for _, it := range r.memberItems {
		_ = krm.MarkLocalConfig(it)
	}
}

// findingPath is the field of a finding's declaration: the resource of a
// service, the spec.inbound or spec.outbound entry of a member.
func findingPath(g *graph.Graph, f *graph.Finding) string {
	if n := g.Node(f.On); n != nil && n.Member != nil {
		return f.Key
	}
	return "spec.workload.resources[" + f.Key + "]"
}

// memberPaths places a member's policy next to the member's file in a kpt
// package, as a service's objects are placed next to the service's.
func (r *renderer) memberPaths(at map[string]filePos) {
	for _, it := range r.memberItems {
		if it.File != "" {
			at[it.Node.GetNamespace()+"/"+it.Node.GetName()] = filePos{
				pkg:  it.Node.GetAnnotations()[packagePathAnnotation],
				path: path.Dir(it.File),
			}
		}
	}
}
