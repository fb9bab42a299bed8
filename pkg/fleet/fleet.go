// Package fleet compiles cross-cluster agreements at render time. A Fleet
// (in git) names the clusters; the FleetInventory generated from it and
// from every cluster's LatticeServices carries each cluster's identity,
// east-west gateway and declarations, so each cluster's own render can
// match agreements with the others without rendering them. Inventories are
// generated and checked in CI, so both sides of an agreement always come
// from the same commit and nothing converges at run time.
package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// DefaultEastWestPort is the HBONE port of Istio ambient's east-west
// gateway (samples/multicluster/gen-eastwest-gateway.sh --ambient: a
// Gateway of class istio-east-west with an HBONE listener on 15008).
const DefaultEastWestPort = 15008

// Default fills unset Fleet fields.
func Default(f *v1alpha1.Fleet) {
	for i := range f.Spec.Clusters {
		c := &f.Spec.Clusters[i]
		c.TrustDomain = cmp.Or(c.TrustDomain, v1alpha1.DefaultTrustDomain)
		c.Network = cmp.Or(c.Network, c.Name)
		if c.EastWestGateway != nil && c.EastWestGateway.Port == 0 {
			c.EastWestGateway.Port = DefaultEastWestPort
		}
	}
}

// Validate checks a defaulted Fleet.
func Validate(f *v1alpha1.Fleet) field.ErrorList {
	var errs field.ErrorList
	cp := field.NewPath("spec", "clusters")
	if len(f.Spec.Clusters) == 0 {
		errs = append(errs, field.Required(cp, "list the fleet's clusters"))
	}
	seen := map[string]int{}
	for i, c := range f.Spec.Clusters {
		p := cp.Index(i)
		errs = append(errs, checkCluster(p, c.Name, c.TrustDomain, i, seen, "each cluster is listed once")...)
		switch {
		case c.Path == "" && len(c.Renders) == 0:
			errs = append(errs, field.Required(p.Child("path"), "the directory of the cluster's LatticeServices, relative to the Fleet file (or renders: one per team)"))
		case c.Path != "" && len(c.Renders) > 0:
			errs = append(errs, field.Forbidden(p.Child("path"), "a cluster is one render (path) or several (renders), not both; list the path under renders"))
		}
		names := map[string]int{}
		for j, r := range c.Renders {
			rp := p.Child("renders").Index(j)
			if (r.Path == "") == (r.Contract == "") {
				errs = append(errs, field.Required(rp, "each render is a render root (path) or a published contract (contract), exactly one"))
			}
			if r.View != "" && r.Contract == "" {
				errs = append(errs, field.Forbidden(rp.Child("view"), "a render root gets its view inside it ("+ViewFileName+"); view is for a contract"))
			}
			name := cmp.Or(r.Name, r.Path)
			if name == "" {
				continue // named by its contract
			}
			if first, dup := names[name]; dup {
				errs = append(errs, field.Duplicate(rp.Child("name"), name))
				errs[len(errs)-1].Detail = fmt.Sprintf("render %q is already renders[%d]; give each render its own name", name, first)
			}
			names[name] = j
		}
		if len(c.Exports) > 0 && (c.EastWestGateway == nil || c.EastWestGateway.Address == "") {
			errs = append(errs, field.Required(p.Child("eastWestGateway", "address"), "a cluster that exports services needs the address other clusters reach them at"))
		}
		if gw := c.EastWestGateway; gw != nil && gw.Address != "" {
			if msgs := validation.IsDNS1123Subdomain(gw.Address); len(msgs) > 0 && !isIP(gw.Address) {
				errs = append(errs, field.Invalid(p.Child("eastWestGateway", "address"), gw.Address, "must be a DNS name or an IP address"))
			}
			if gw.Port < 1 || gw.Port > 65535 {
				errs = append(errs, field.Invalid(p.Child("eastWestGateway", "port"), gw.Port, "must be between 1 and 65535"))
			}
		}
		for j, e := range c.Exports {
			if e != "*" && (strings.Count(e, "/") != 1 || strings.HasPrefix(e, "/") || strings.HasSuffix(e, "/")) {
				errs = append(errs, field.Invalid(p.Child("exports").Index(j), e, `must be "namespace/name", "namespace/*" or "*"`))
			}
		}
	}
	return errs
}

// Exported reports whether a cluster exports ns/name.
func Exported(c v1alpha1.FleetCluster, ns, name string) bool {
	for _, e := range c.Exports {
		if e == "*" || e == ns+"/*" || e == ns+"/"+name {
			return true
		}
	}
	return false
}

// Summarize records a cluster's services (defaulted and valid) as the
// inventory carries them: the cluster's cross-cluster surface (see Service).
func Summarize(c v1alpha1.FleetCluster, services []*v1alpha1.LatticeService) v1alpha1.InventoryCluster {
	out := v1alpha1.InventoryCluster{Name: c.Name, TrustDomain: c.TrustDomain, Network: c.Network, EastWestGateway: c.EastWestGateway}
	local := Local(c.Name, services)
	for _, s := range services {
		out.Services = append(out.Services, Service(s, Exported(c, s.Namespace, s.Name), local))
	}
	slices.SortFunc(out.Services, func(a, b v1alpha1.InventoryService) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// Local reports whether a declared peer resolves inside the cluster that
// declares it: it names the cluster itself, or no cluster and the cluster
// runs a service of that namespace and name (the local service wins).
func Local(cluster string, services []*v1alpha1.LatticeService) func(peer v1alpha1.InventoryPeer) bool {
	runs := map[string]bool{}
	for _, s := range services {
		runs[s.Namespace+"/"+s.Name] = true
	}
	return func(p v1alpha1.InventoryPeer) bool {
		return p.Cluster == cluster || p.Cluster == "" && runs[p.Namespace+"/"+p.Name]
	}
}

// Service is one service's inventory entry: what another cluster's render
// can use, and nothing else, so a change inside one cluster never makes
// the others' inventories stale:
//
//   - every service is listed (names decide how other clusters resolve a
//     peer without cluster:);
//   - outbound declarations that leave the cluster (a caller needs no
//     export);
//   - for exported services only: ports (the callers' route) and inbound
//     declarations that leave the cluster, with their L7 rules (the
//     callees' side of the agreement: the caller's cluster enforces them
//     on its waypoint in ambient mode), and whether the service is bound
//     to its namespace's waypoint (so every cluster binds its copy alike).
//
// local reports the declarations that stay inside the cluster (Local).
func Service(s *v1alpha1.LatticeService, exported bool, local func(v1alpha1.InventoryPeer) bool) v1alpha1.InventoryService {
	return contract(s, exported, exported, local)
}

// contract is the surface Service and Entry both record: full adds the
// ports, inbound declarations and wildcard; skip drops the declarations
// that stay where the reader already sees them.
func contract(s *v1alpha1.LatticeService, exported, full bool, skip func(v1alpha1.InventoryPeer) bool) v1alpha1.InventoryService {
	out := v1alpha1.InventoryService{Namespace: s.Namespace, Name: s.Name, Exported: exported}
	out.Waypoint = exported && s.Spec.Workload.Service != nil && len(s.Spec.Workload.Service.Ports) > 0 && v1alpha1.RestrictsInbound(s)
	if svc := s.Spec.Workload.Service; svc != nil && full {
		for _, name := range sorted.Keys(svc.Ports) {
			p := svc.Ports[name]
			tp := p.Port
			if p.TargetPort != nil {
				tp = *p.TargetPort
			}
			out.Ports = append(out.Ports, v1alpha1.InventoryPort{Name: name, Port: p.Port, TargetPort: tp, Protocol: cmp.Or(p.Protocol, "TCP")})
		}
	}
	res := s.Spec.Workload.Resources
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceService {
			continue
		}
		peer := v1alpha1.InventoryPeer{Cluster: r.Cluster, Namespace: cmp.Or(r.Namespace, s.Namespace), Name: cmp.Or(r.ID, key)}
		if r.ID != "*" && skip(peer) {
			continue
		}
		if r.Direction == v1alpha1.DirectionOutbound || r.Direction == v1alpha1.DirectionBoth {
			out.Outbound = append(out.Outbound, peer)
		}
		if (r.Direction == v1alpha1.DirectionInbound || r.Direction == v1alpha1.DirectionBoth) && full {
			if r.ID == "*" {
				// Several "*" declarations add up, as in the graph: one
				// without rules admits every request.
				switch {
				case !out.AcceptsAnyDeclaredCaller:
					out.AnyCallerRules = r.Rules
				case len(out.AnyCallerRules) == 0 || len(r.Rules) == 0:
					out.AnyCallerRules = nil
				default:
					out.AnyCallerRules = append(slices.Clone(out.AnyCallerRules), r.Rules...)
				}
				out.AcceptsAnyDeclaredCaller = true
				continue
			}
			peer.Rules = r.Rules
			out.Inbound = append(out.Inbound, peer)
		}
	}
	sortPeers(out.Outbound)
	sortPeers(out.Inbound)
	return out
}

func sortPeers(ps []v1alpha1.InventoryPeer) {
	slices.SortStableFunc(ps, func(a, b v1alpha1.InventoryPeer) int {
		return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
}

func isIP(s string) bool {
	return len(validation.IsValidIP(field.NewPath("x"), s)) == 0
}

// checkCluster checks what a Fleet and an inventory require alike of
// cluster i: a DNS-label name listed once, and a valid trust domain. dup
// says how to fix a duplicate.
func checkCluster(p *field.Path, name, trustDomain string, i int, seen map[string]int, dup string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p.Child("name"), name, msg))
	}
	if first, ok := seen[name]; ok {
		errs = append(errs, field.Duplicate(p.Child("name"), name))
		errs[len(errs)-1].Detail = fmt.Sprintf("cluster %q is already spec.clusters[%d]; %s", name, first, dup)
	}
	seen[name] = i
	return append(errs, v1alpha1.ValidateTrustDomain(p.Child("trustDomain"), trustDomain)...)
}
