package derive

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	securityv1 "istio.io/api/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lattice-dev/lattice/pkg/graph"
)

// MeshMembers (graph/member.go) are workloads lattice does not derive. A
// member that calls a service needs nothing of its own: the callee's
// allow-to policy lists the member's principal
// (<td>/ns/<ns>/sa/<spec.serviceAccount>). A member that accepts callers
// gets the same policy a service gets, allow-to-<H(ns/name)> on its pods
// (spec.selector), on spec.ports (every port without them), listing the
// callers of its active agreements and nobody else: like a service's, it
// is emitted even without agreements, so the member is default-deny once
// it declares inbound. Never its workload, never an L7 rule (lattice does
// not own the member's Service, so it cannot route it through a waypoint).

// MemberOwner is the Owner (derived-from) of a member's policy.
func MemberOwner(ref graph.Ref) string { return "MeshMember " + ref.String() }

// memberPolicies emits the policy of every member that declares inbound.
func memberPolicies(in SharedInput) []Derived {
	var out []Derived
	td := in.Platform.Spec.Cluster.TrustDomain
	for _, n := range in.Graph.Members() {
		m := n.Member
		if len(m.Spec.Inbound) == 0 {
			continue
		}
		var principals []string
		for _, e := range in.Graph.Callers(n.Ref) {
			principals = append(principals, callerPrincipal(in.Graph, td, e.From))
		}
		slices.Sort(principals)
		principals = slices.Compact(principals)
		var ports []string
		for _, p := range m.Spec.Ports {
			ports = append(ports, strconv.Itoa(int(p)))
		}
		var rules []*securityv1.Rule
		if len(principals) > 0 {
			rules = append(rules, allowRule(principals, ports))
		}
		meta := metav1.ObjectMeta{Name: "allow-to-" + Hash(n.Ref.Namespace, n.Ref.Name), Namespace: n.Ref.Namespace,
			Labels: map[string]string{LabelManagedBy: ManagedBy}}
		out = append(out, Derived{Object: selectorPolicy(meta, m.Spec.Selector, rules...), Sources: []string{n.Ref.String()},
			Owner: MemberOwner(n.Ref), Reason: "spec.inbound"})
	}
	return out
}

// checkMembers rejects a member whose identity is already someone's: a
// service's (one principal, two owners), another member's, or the
// namespace waypoint's (trusted past every L7 rule).
func checkMembers(in SharedInput) []Problem {
	if !in.Graph.HasMembers() {
		return nil
	}
	var ps []Problem
	seen := map[string]string{} // namespace/serviceAccount → who runs as it
	for _, n := range in.Graph.Nodes() {
		seen[n.Ref.Namespace+"/"+n.Ref.Name] = "LatticeService " + n.Ref.String()
	}
	for _, n := range in.Graph.Members() {
		sa := n.ServiceAccount()
		id := n.Ref.Namespace + "/" + sa
		switch {
		case sa == waypointName(n.Ref.Namespace):
			ps = append(ps, Problem{Source: n.Ref.String(), Field: "spec.serviceAccount",
				Message: fmt.Sprintf("%q is the identity of the namespace's waypoint proxy, which is trusted past every L7 rule; a member never runs as it", sa)})
		case seen[id] != "":
			ps = append(ps, Problem{Source: n.Ref.String(), Field: "spec.serviceAccount",
				Message: fmt.Sprintf("%s already runs as ServiceAccount %s, so both would have one mesh identity and each would be admitted as the other; a workload is declared once, by its owner", seen[id], id)})
		}
		if seen[id] == "" {
			seen[id] = "MeshMember " + n.Ref.String()
		}
	}
	// A member of another render, as the directory records it: its entry
	// may be stale, so an account that is a service's here, or the
	// waypoint's, is refused rather than admitted as the member.
	for _, n := range in.Graph.Siblings() {
		if id := n.Ref.Namespace + "/" + n.Ref.Name; !n.IsMember() && seen[id] == "" {
			seen[id] = "LatticeService " + n.Ref.String()
		}
	}
	for _, n := range in.Graph.Siblings() {
		if !n.IsMember() {
			continue
		}
		sa := n.ServiceAccount()
		id := n.Ref.Namespace + "/" + sa
		if who := seen[id]; sa == waypointName(n.Ref.Namespace) || who != "" && who != "MeshMember "+n.Ref.String() {
			who = cmp.Or(who, "the namespace's waypoint proxy")
			ps = append(ps, Problem{
				Message: fmt.Sprintf("the service directory records MeshMember %s of render %s as ServiceAccount %s, which is the identity of %s; a member never runs as another workload's account. Fix the member's spec.serviceAccount in its render and run `lattice directory build`",
					n.Ref, n.Remote.Render, id, who)})
		}
	}
	return ps
}
