package derive

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Ambient multi-network, caller's side (see remote.go): per remote callee
// of an active edge, whatever namespace its callers are in,
//
//   - Service <name> in <ns>: no selector, the callee's ports (the same
//     port, name, protocol and target port: istiod warns when merged
//     copies differ), the global labels, lattice.dev/remote-cluster, and the
//     callee's waypoint binding;
//   - for a callee bound to a waypoint: the namespace's waypoint (mesh.go)
//     and allow-l7-to-<H(cluster/ns/name)> on the stub, one rule per
//     caller of this cluster with the callee's L7 rules for it.

// remoteCallers lists, per remote callee, this render's callers with an
// active edge to it, sorted.
func remoteCallers(g *graph.Graph) (map[graph.Ref][]string, []graph.Ref) {
	by := map[graph.Ref][]string{}
	callers, keys := remoteCallees(g)
	for _, k := range keys {
		by[k.to] = append(by[k.to], callers[k]...)
	}
	refs := slices.SortedFunc(maps.Keys(by), graph.Ref.Compare)
	for _, r := range refs {
		slices.Sort(by[r])
	}
	return by, refs
}

// globalLabels adds the Platform's global service labels to labels (a
// copy: label maps are shared between a service's objects).
func globalLabels(p *v1alpha1.Platform, labels map[string]string) map[string]string {
	out := maps.Clone(labels)
	maps.Copy(out, p.Spec.Mesh.MultiCluster.GlobalServiceSelector)
	return out
}

// stubs derives the caller cluster's copy of every remote callee.
func stubs(in SharedInput) []Derived {
	g := in.Graph
	td := in.Platform.Spec.Cluster.TrustDomain
	by, refs := remoteCallers(g)
	names := map[string]int{}
	for _, to := range refs {
		names[to.Namespace+"/"+to.Name]++
	}
	var out []Derived
	for _, to := range refs {
		n := g.Node(to)
		if n == nil || n.Remote == nil || len(n.Remote.Ports) == 0 || names[to.Namespace+"/"+to.Name] > 1 {
			continue // checkRemote and checkAmbientRemote reported it
		}
		if !StubOwner(g, to, "") {
			continue // another render of this cluster emits it
		}
		src := by[to]
		labels := globalLabels(in.Platform, Labels(to.Name))
		labels[LabelRemoteCluster] = to.Cluster
		wp := ""
		if n.Remote.Waypoint {
			wp = waypointName(to.Namespace)
			labels[LabelUseWaypoint] = wp
		}
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: to.Name, Namespace: to.Namespace, Labels: labels},
		}
		for _, p := range n.Remote.Ports {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: p.Name, Port: p.Port,
				Protocol: corev1.Protocol(cmp.Or(p.Protocol, "TCP")), TargetPort: intstr.FromInt32(cmp.Or(p.TargetPort, p.Port))})
		}
		out = append(out, Derived{Object: svc, Sources: src, Owner: RemoteOwner(to), Reason: "spec.workload.resources"})
		if wp == "" {
			continue
		}
		ap := targetPolicy(sharedMeta("allow-l7-to-"+Hash(to.Cluster, to.Namespace, to.Name), to.Namespace),
			&typev1beta1.PolicyTargetReference{Kind: "Service", Name: to.Name}, l7Rules(g, td, g.Callers(to))...)
		ap.Labels[LabelRemoteCluster] = to.Cluster
		out = append(out, Derived{Object: ap, Sources: src, Owner: RemoteOwner(to), Reason: "spec.workload.resources"})
	}
	return out
}

// StubOwner reports whether this render emits the caller cluster's copy
// of remote callee to (for callers in namespace ns; "" for any): of the
// renders of this cluster with an agreed caller of it, the first in the
// directory's order (render names sorted). Every render of the cluster
// reads the other renders' callers of its remote callees in its view
// (fleet.View), so all of them pick the same one, and no two emit one
// object (docs/ownership.md). The owner's allow-l7-to lists every caller
// of the cluster (Graph.Callers of a remote node holds the siblings'
// edges). Without a directory (a FleetInventory) a cluster is one render:
// always the owner.
func StubOwner(g *graph.Graph, to graph.Ref, ns string) bool {
	mine := g.Render()
	for _, e := range g.Callers(to) {
		if e.From.Cluster != "" || ns != "" && e.From.Namespace != ns {
			continue
		}
		if n := g.Node(e.From); n != nil && n.Remote != nil && n.Remote.Render < mine {
			return false
		}
	}
	return true
}

// l7Rules are a waypoint's rules for callers: one per caller principal, in
// principal order, with the callee's L7 restrictions for it (none: every
// request). The waypoint only receives traffic for the Service's ports,
// so no rule needs ports.
func l7Rules(g *graph.Graph, td string, callers []graph.Edge) []*securityv1.Rule {
	byPrincipal := map[string]*securityv1.Rule{}
	for _, e := range callers {
		p := callerPrincipal(g, td, e.From)
		r := &securityv1.Rule{From: []*securityv1.Rule_From{{Source: &securityv1.Source{Principals: []string{p}}}}}
		for _, l7 := range e.Rules {
			r.To = append(r.To, &securityv1.Rule_To{Operation: &securityv1.Operation{Methods: l7.Methods, Paths: l7.Paths}})
		}
		byPrincipal[p] = r
	}
	var rules []*securityv1.Rule
	for _, p := range sorted.Keys(byPrincipal) {
		rules = append(rules, byPrincipal[p])
	}
	return rules
}

// stubWaypointUsers lists, per namespace, the callers of remote callees
// bound to a waypoint: the caller's cluster runs that namespace's waypoint
// for them (ambient mode only).
func stubWaypointUsers(in SharedInput) map[string][]string {
	if in.Platform.Spec.Mesh.MultiCluster.Mode != v1alpha1.MultiClusterAmbient {
		return nil
	}
	by, refs := remoteCallers(in.Graph)
	out := map[string][]string{}
	for _, to := range refs {
		if n := in.Graph.Node(to); n != nil && n.Remote != nil && n.Remote.Waypoint && len(n.Remote.Ports) > 0 {
			out[to.Namespace] = append(out[to.Namespace], by[to]...)
		}
	}
	for ns := range out {
		slices.Sort(out[ns])
		out[ns] = slices.Compact(out[ns])
	}
	return out
}

// stubNamespaces lists the namespaces of stubs that hold no service of
// this render, with the stubs' callers.
func stubNamespaces(in SharedInput) map[string][]string {
	if in.Platform.Spec.Mesh.MultiCluster.Mode != v1alpha1.MultiClusterAmbient {
		return nil
	}
	own := map[string]bool{}
	for _, ns := range MeshNamespaces(in.Graph) {
		own[ns] = true
	}
	by, refs := remoteCallers(in.Graph)
	out := map[string][]string{}
	for _, to := range refs {
		if !own[to.Namespace] {
			out[to.Namespace] = append(out[to.Namespace], by[to]...)
		}
	}
	for ns := range out {
		slices.Sort(out[ns])
		out[ns] = slices.Compact(out[ns])
	}
	return out
}

// checkAmbientRemote reports what keeps an ambient cross-cluster agreement
// from carrying traffic although lattice derives it: a stub namespace that
// does not exist, and trust domains ztunnel does not accept.
func checkAmbientRemote(in SharedInput) []Problem {
	if in.Platform.Spec.Mesh.MultiCluster.Mode != v1alpha1.MultiClusterAmbient {
		return nil
	}
	var ps []Problem
	nss := stubNamespaces(in)
	for _, ns := range sorted.Keys(nss) {
		if in.Namespaces[ns] || in.Platform.Spec.Mesh.ManageNamespaces {
			continue
		}
		ps = append(ps, Problem{Source: nss[ns][0], Field: "spec.workload.resources", Warning: true,
			Message: fmt.Sprintf("namespace %s is not in this render, but the Services that let this cluster resolve and route its remote callees in %s live there; add the Namespace, or set Platform spec.mesh.manageNamespaces: true", ns, ns)})
	}
	// Istio ambient treats one namespace/name as one service mesh-wide: it
	// merges the global Services of every cluster that has one.
	by, refs := remoteCallers(in.Graph)
	byName := map[string][]graph.Ref{}
	for _, to := range refs {
		byName[to.Namespace+"/"+to.Name] = append(byName[to.Namespace+"/"+to.Name], to)
	}
	for _, name := range sorted.Keys(byName) {
		tos := byName[name]
		if len(tos) > 1 {
			var clusters []string
			for _, to := range tos {
				clusters = append(clusters, to.Cluster)
			}
			for _, to := range tos {
				for _, src := range by[to] {
					ps = append(ps, Problem{Source: src, Field: "spec.workload.resources",
						Message: fmt.Sprintf("this cluster calls %s on clusters %s, but Istio ambient merges the global Services of one namespace and name from every cluster into one service, so the calls cannot be told apart; call %s on one cluster only (or set Platform spec.mesh.multiCluster.mode: sidecar)", name, strings.Join(clusters, " and "), name)})
				}
			}
			continue
		}
		to := tos[0]
		if others := slices.DeleteFunc(in.Graph.ExportedBy(to.Namespace, to.Name), func(c string) bool { return c == to.Cluster }); len(others) > 0 {
			ps = append(ps, Problem{Source: by[to][0], Field: "spec.workload.resources", Warning: true,
				Message: fmt.Sprintf("%s is exported by cluster %s and by %s; Istio ambient merges the global Services of one namespace and name from every cluster, so calls from this cluster may also reach %s, where they are denied unless it agrees; export %s from one cluster only", name, to.Cluster, strings.Join(others, " and "), strings.Join(others, " and "), name)})
		}
	}
	// ztunnel accepts an HBONE client only from its own trust domain, and
	// istiod writes a remote service's identities in the local one: calls
	// between clusters of different trust domains fail the handshake.
	g := in.Graph
	local := in.Platform.Spec.Cluster.TrustDomain
	edges := map[string][]string{}
	add := func(cluster, edge string) {
		if c := g.Cluster(cluster); c != nil && c.TrustDomain != local {
			edges[cluster] = append(edges[cluster], edge)
		}
	}
	for _, n := range g.Nodes() {
		for _, e := range g.Callees(n.Ref) {
			if e.To.Cluster != "" {
				add(e.To.Cluster, n.Ref.String()+" → "+e.To.String())
			}
		}
		for _, e := range g.Callers(n.Ref) {
			if e.From.Cluster != "" {
				add(e.From.Cluster, e.From.String()+" → "+n.Ref.String())
			}
		}
	}
	for _, cluster := range sorted.Keys(edges) {
		list := edges[cluster]
		more := ""
		if len(list) > 3 {
			more = fmt.Sprintf(" and %d more", len(list)-3)
			list = list[:3]
		}
		ps = append(ps, Problem{Warning: true, Field: "spec.cluster.trustDomain",
			Message: fmt.Sprintf("this cluster (trust domain %s) and cluster %s (trust domain %s) have agreements (%s%s), but Istio ambient carries no call between different trust domains: ztunnel accepts HBONE peers of its own trust domain only, and istiod writes remote identities in the local one. The policies are derived with each caller's own trust domain and take effect once both clusters share one; until then every such call is denied (docs/multi-cluster.md, Trust models)",
				local, cluster, g.Cluster(cluster).TrustDomain, strings.Join(list, ", "), more)})
	}
	return ps
}
