// Package graph is the service graph of one render: every LatticeService as
// a node, every declared dependency as an intent, and the bilateral
// agreements that follow. An edge is active if and only if the caller
// declares the callee outbound AND the callee declares the caller inbound
// (by name, or with the "*" wildcard). Nothing else creates an edge.
//
// Build is linear in services plus declarations; lookups are map-based.
package graph

import (
	"cmp"
	"maps"
	"slices"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// Ref names a service: cluster (empty = the local cluster), namespace, name.
type Ref struct {
	Cluster   string
	Namespace string
	Name      string
}

func (r Ref) String() string {
	if r.Cluster != "" {
		return r.Cluster + "/" + r.Namespace + "/" + r.Name
	}
	return r.Namespace + "/" + r.Name
}

// Compare orders refs by cluster, namespace, name.
func (r Ref) Compare(o Ref) int {
	return cmp.Or(cmp.Compare(r.Cluster, o.Cluster), cmp.Compare(r.Namespace, o.Namespace), cmp.Compare(r.Name, o.Name))
}

// Node is one service.
type Node struct {
	Ref     Ref
	Service *v1alpha1.LatticeService
	// Outbound are the services this one declares it calls, by resource key.
	Outbound []Intent
	// Inbound are the callers this one declares it accepts.
	Inbound []Intent
	// AllowsAll is set by an inbound "*" declaration: any caller that itself
	// declares this service outbound is accepted.
	AllowsAll     bool
	AllowsAllFrom string // resource key of the wildcard declaration
}

// Intent is one side of an agreement as declared in a spec.
type Intent struct {
	Key   string // resource key in spec.workload.resources
	Peer  Ref
	Rules []v1alpha1.L7Rule
}

// Edge is an active bilateral agreement: From may call To.
type Edge struct {
	From, To Ref
	// Rules are the callee's L7 restrictions for this caller; empty means
	// every request on the callee's ports.
	Rules []v1alpha1.L7Rule
	// CallerKey and CalleeKey are the resource keys that declared each side.
	CallerKey, CalleeKey string
}

// Finding is a one-sided or dangling declaration.
type Finding struct {
	On      Ref    // the service that declared it
	Key     string // its resource key
	Peer    Ref
	Kind    FindingKind
	Message string
}

// FindingKind classifies findings.
type FindingKind int

const (
	// CalleeDoesNotAllow: the caller declares outbound, the callee does not
	// declare the caller inbound.
	CalleeDoesNotAllow FindingKind = iota
	// CallerDoesNotDeclare: the callee allows a caller that never declares it.
	CallerDoesNotDeclare
	// PeerMissing: the other side is not in the input at all.
	PeerMissing
)

// Graph is the result of Build.
type Graph struct {
	nodes    map[Ref]*Node
	order    []Ref
	in, out  map[Ref][]Edge
	Findings []Finding
}

// Build constructs the graph over services (already defaulted and valid).
// cluster is the local cluster name used for refs without a cluster.
func Build(services []*v1alpha1.LatticeService) *Graph {
	g := &Graph{nodes: map[Ref]*Node{}, in: map[Ref][]Edge{}, out: map[Ref][]Edge{}}
	for _, s := range services {
		n := newNode(s)
		g.nodes[n.Ref] = n
		g.order = append(g.order, n.Ref)
	}
	slices.SortFunc(g.order, Ref.Compare)
	for _, ref := range g.order {
		caller := g.nodes[ref]
		for _, o := range caller.Outbound {
			callee, ok := g.nodes[o.Peer]
			if !ok {
				if o.Peer.Cluster == "" {
					g.Findings = append(g.Findings, Finding{On: ref, Key: o.Key, Peer: o.Peer, Kind: PeerMissing})
				}
				continue
			}
			in, named := callee.inboundFor(ref)
			if !named && !callee.AllowsAll {
				g.Findings = append(g.Findings, Finding{On: ref, Key: o.Key, Peer: o.Peer, Kind: CalleeDoesNotAllow})
				continue
			}
			e := Edge{From: ref, To: o.Peer, CallerKey: o.Key, CalleeKey: callee.AllowsAllFrom}
			if named {
				e.Rules, e.CalleeKey = in.Rules, in.Key
			}
			g.out[ref] = append(g.out[ref], e)
			g.in[o.Peer] = append(g.in[o.Peer], e)
		}
	}
	for _, ref := range g.order {
		callee := g.nodes[ref]
		for _, in := range callee.Inbound {
			caller, ok := g.nodes[in.Peer]
			if !ok {
				if in.Peer.Cluster == "" {
					g.Findings = append(g.Findings, Finding{On: ref, Key: in.Key, Peer: in.Peer, Kind: PeerMissing})
				}
				continue
			}
			if !caller.declares(ref) {
				g.Findings = append(g.Findings, Finding{On: ref, Key: in.Key, Peer: in.Peer, Kind: CallerDoesNotDeclare})
			}
		}
	}
	for _, m := range []map[Ref][]Edge{g.in, g.out} {
		for k := range m {
			slices.SortFunc(m[k], func(a, b Edge) int { return cmp.Or(a.From.Compare(b.From), a.To.Compare(b.To)) })
		}
	}
	return g
}

func newNode(s *v1alpha1.LatticeService) *Node {
	n := &Node{Ref: Ref{Namespace: s.Namespace, Name: s.Name}, Service: s}
	res := s.Spec.Workload.Resources
	for _, key := range slices.Sorted(maps.Keys(res)) {
		r := res[key]
		if r.Type != v1alpha1.ResourceService {
			continue
		}
		peer := Ref{Cluster: r.Cluster, Namespace: cmp.Or(r.Namespace, s.Namespace), Name: cmp.Or(r.ID, key)}
		if r.Direction == v1alpha1.DirectionOutbound || r.Direction == v1alpha1.DirectionBoth {
			n.Outbound = append(n.Outbound, Intent{Key: key, Peer: peer})
		}
		if r.Direction == v1alpha1.DirectionInbound || r.Direction == v1alpha1.DirectionBoth {
			if r.ID == "*" {
				n.AllowsAll, n.AllowsAllFrom = true, key
				continue
			}
			n.Inbound = append(n.Inbound, Intent{Key: key, Peer: peer, Rules: r.Rules})
		}
	}
	return n
}

func (n *Node) inboundFor(caller Ref) (Intent, bool) {
	for _, in := range n.Inbound {
		if in.Peer == caller {
			return in, true
		}
	}
	return Intent{}, false
}

func (n *Node) declares(callee Ref) bool {
	for _, o := range n.Outbound {
		if o.Peer == callee {
			return true
		}
	}
	return false
}

// Node returns the node for ref, or nil.
func (g *Graph) Node(ref Ref) *Node { return g.nodes[ref] }

// Nodes returns every node sorted by ref.
func (g *Graph) Nodes() []*Node {
	out := make([]*Node, len(g.order))
	for i, r := range g.order {
		out[i] = g.nodes[r]
	}
	return out
}

// Callers returns the active inbound edges of ref, sorted by caller.
func (g *Graph) Callers(ref Ref) []Edge { return g.in[ref] }

// Callees returns the active outbound edges of ref, sorted by callee.
func (g *Graph) Callees(ref Ref) []Edge { return g.out[ref] }
