package graph

import (
	"fmt"
	"slices"
	"strconv"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// MeshMembers are workloads lattice does not derive (a Helm chart, a
// metrics scraper, an ingress controller, a Job), named by identity. A
// member is a node like a service: its declarations are intents, matched
// against the services' with the same bilateral rule, so an edge between a
// member and a service exists only when both declare it. Members are in
// nodes (Node finds them) but not in order: Nodes lists the services this
// render derives, and derivers never see a member as one.

// addMembers adds the members' nodes and intents. Their peers are written
// out (namespace and name), so they need no resolution; a fleet render
// resolves a service's declaration of a member like any local peer.
func (g *Graph) addMembers(members []*v1alpha1.MeshMember) {
	for _, m := range members {
		n := &Node{Ref: Ref{Namespace: m.Namespace, Name: m.Name}, Member: m}
		if g.nodes[n.Ref] != nil {
			continue // the renderer rejects a member named like a service
		}
		for i, p := range m.Spec.Outbound {
			peer := Ref{Namespace: p.Namespace, Name: p.Name}
			if !n.declaresOutbound(peer) {
				n.Outbound = append(n.Outbound, Intent{Key: MemberKey("outbound", i), Peer: peer})
			}
		}
		for i, p := range m.Spec.Inbound {
			if p.Name == "*" {
				n.AllowsAll, n.AllowsAllFrom = true, MemberKey("inbound", i)
				continue
			}
			peer := Ref{Namespace: p.Namespace, Name: p.Name}
			if _, dup := n.inboundIndex(peer); !dup {
				n.Inbound = append(n.Inbound, Intent{Key: MemberKey("inbound", i), Peer: peer})
			}
		}
		if len(n.Outbound) > manyPeers {
			n.outbound = nil
			n.indexOutbound()
		}
		if len(n.Inbound) > manyPeers {
			n.indexInbound()
		}
		g.nodes[n.Ref] = n
		g.members = append(g.members, n.Ref)
	}
	slices.SortFunc(g.members, Ref.Compare)
}

// MemberKey is how a member's declaration is named in intents, edges and
// findings (where a service's is its resource key): its field path,
// spec.inbound[i] or spec.outbound[i].
func MemberKey(list string, i int) string { return "spec." + list + "[" + strconv.Itoa(i) + "]" }

// matchOrder is the services' refs followed by the members'.
func (g *Graph) matchOrder() []Ref {
	if len(g.members) == 0 {
		return g.order
	}
	return append(slices.Clip(g.order), g.members...)
}

// Members returns the MeshMembers' nodes sorted by ref.
func (g *Graph) Members() []*Node {
	out := make([]*Node, len(g.members))
	for i, r := range g.members {
		out[i] = g.nodes[r]
	}
	return out
}

// HasMembers reports whether the render has MeshMembers, or sees members
// of the cluster's other renders through the directory.
func (g *Graph) HasMembers() bool { return len(g.members) > 0 || g.siblingMembers }

// ServiceAccount is the account the node's workload runs as: the
// member's (its spec, or its directory entry for a member of another
// render), or the service's own name.
func (n *Node) ServiceAccount() string {
	if n.Member != nil {
		return n.Member.Spec.ServiceAccount
	}
	if n.Remote != nil {
		return n.Remote.Account()
	}
	return n.Ref.Name
}

// IsMember reports whether the node is a MeshMember, of this render or
// (through the directory) of another render of the cluster.
func (n *Node) IsMember() bool { return n.Member != nil || n.Remote != nil && n.Remote.Member }

// Siblings returns the services and members of the cluster's other
// renders that the directory gives this render, sorted by ref: matched,
// never derived.
func (g *Graph) Siblings() []*Node {
	out := make([]*Node, len(g.siblingOrder))
	for i, r := range g.siblingOrder {
		out[i] = g.nodes[r]
	}
	return out
}

// memberFix is the declaration that completes an agreement on a member.
func memberFix(peer *Node, self Ref, direction string) string {
	list := "spec.inbound"
	if direction == v1alpha1.DirectionOutbound {
		list = "spec.outbound"
	}
	entry := "{name: " + self.Name + "}"
	if self.Namespace != peer.Ref.Namespace {
		entry = "{name: " + self.Name + ", namespace: " + self.Namespace + "}"
	}
	return fmt.Sprintf("add to MeshMember %s %s: `%s`", peer.Ref, list, entry)
}
