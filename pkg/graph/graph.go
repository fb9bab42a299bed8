// Package graph is the service graph of one render: every LatticeService as
// a node, every declared dependency as an intent, and the bilateral
// agreements that follow. An edge is active if and only if the caller
// declares the callee outbound AND the callee declares the caller inbound
// (by name, or with the "*" wildcard). Nothing else creates an edge.
//
// Build is linear in services plus declarations: every lookup is a map
// lookup, and every list it returns is sorted. BuildFleet adds the services
// of the other clusters of a fleet (fleet.go) as remote nodes, so
// agreements across clusters are matched exactly like local ones.
package graph

import (
	"cmp"
	"fmt"
	"slices"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/par"
	"github.com/lattice-dev/lattice/pkg/sorted"
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
	Ref Ref
	// Service is the spec of a service of this render; nil for a remote
	// node, which has Remote instead.
	Service *v1alpha1.LatticeService
	// Remote is the inventory entry of a service of another cluster.
	Remote *v1alpha1.InventoryService
	// Member is the MeshMember of a workload lattice does not derive
	// (member.go); Service and Remote are nil.
	Member *v1alpha1.MeshMember
	// Outbound are the services this one declares it calls, one intent per
	// peer (the first resource key in sorted order wins), sorted by key.
	Outbound []Intent
	// Inbound are the callers this one declares it accepts, one intent per
	// peer, sorted by key. Several declarations of one caller are merged.
	Inbound []Intent
	// AllowsAll is set by an inbound "*" declaration: any caller that itself
	// declares this service outbound is accepted, restricted by
	// AllowsAllRules. A caller also declared by name gets its named
	// declaration instead: the specific declaration wins.
	AllowsAll      bool
	AllowsAllFrom  string // resource key of the wildcard declaration
	AllowsAllRules []v1alpha1.L7Rule

	// in and out are the active edges, sorted by caller and by callee.
	in, out []Edge
	nIn     int // local callers, while the graph is built
	// Lookups into Outbound, Inbound and peers: a scan while they are
	// short (most services declare a handful), maps past manyPeers
	// (#8: three maps per node were a fifth of building the graph).
	outbound map[Ref]bool
	inbound  map[Ref]int // index into Inbound
	// peers are every service resource key with the peer it resolved to.
	peers   []keyPeer
	peerMap map[string]keyPeer
	// primary is PrimaryPort's answer.
	primary    int32
	hasPrimary bool
	// unexported are local services a remote node declares outbound that
	// this cluster does not export.
	unexported map[Ref]bool
	decls      []decl
}

// decl is one service resource as written, before name resolution.
type decl struct {
	key      string
	peer     Ref
	outbound bool
	inbound  bool
	wildcard bool
	rules    []v1alpha1.L7Rule
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
	On   Ref    // the service that declared it
	Key  string // its resource key
	Peer Ref
	Kind FindingKind
	// Field is the part of the resource at fault ("cluster"), if any.
	Field string
	// Message says what is missing and, for one-sided declarations, the
	// exact YAML to add on the other side.
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
	// PeerRemote: the other side runs on another cluster and the render has
	// no FleetInventory to match it with.
	PeerRemote
	// NotExported: the agreement crosses clusters, but the callee's cluster
	// does not export the callee.
	NotExported
	// Ambiguous: a peer without cluster: runs on (or is exported by)
	// several other clusters.
	Ambiguous
	// UnknownCluster: cluster: names a cluster the fleet does not have.
	UnknownCluster
	// Shadowed: cluster: names a remote callee that also runs on this
	// cluster; both would answer at one host name.
	Shadowed
	// SharedIdentity: an admitted caller's principal is also the identity
	// of another cluster's service (one trust domain), which did not agree.
	SharedIdentity
)

// OneSided reports whether the finding is half of an agreement whose other
// half is in the render but does not match.
func (k FindingKind) OneSided() bool { return k == CalleeDoesNotAllow || k == CallerDoesNotDeclare }

// Strict reports whether Platform spec.mesh.oneSided: error makes the
// finding an error: a declaration without its counterpart, whether the
// other side does not answer, is not exported, or does not exist here (a
// typo, or a service of another render).
func (k FindingKind) Strict() bool { return k.OneSided() || k == NotExported || k == PeerMissing }

// Error reports whether the finding makes the render fail: the declaration
// cannot be resolved to one service.
func (k FindingKind) Error() bool { return k == Ambiguous || k == UnknownCluster || k == Shadowed }

// Graph is the result of Build.
type Graph struct {
	nodes    map[Ref]*Node
	order    []Ref
	list     []*Node // the nodes in order, once built
	Findings []Finding
	// fleet is nil without a FleetInventory; remote holds the services of
	// the other clusters.
	fleet       *fleetIndex
	remote      map[Ref]*Node
	remoteOrder []Ref
	// siblingOrder are the siblings (fleet.go), in g.nodes but not in order.
	siblingOrder []Ref
	pending      []pendingMessage
	names        nameIndex // suggest.go
	// members are the MeshMembers' refs, sorted; their nodes are in nodes
	// but never in order (member.go). siblingMembers is set when a sibling
	// is a member of another render.
	members        []Ref
	siblingMembers bool
}

// Build constructs the graph over services (already defaulted and valid).
func Build(services []*v1alpha1.LatticeService) *Graph { return BuildFleet(services, nil) }

// BuildFleet constructs the graph over the services of this cluster and,
// when f is not nil, the services of the fleet's other clusters: peers are
// resolved across the fleet (fleet.go) and an agreement between a local
// and a remote service is matched exactly like a local one.
func BuildFleet(services []*v1alpha1.LatticeService, f *Fleet) *Graph {
	return BuildMesh(services, nil, f)
}

// BuildMesh is BuildFleet with the MeshMembers of the render: workloads
// lattice does not derive, matched like services (member.go).
func BuildMesh(services []*v1alpha1.LatticeService, members []*v1alpha1.MeshMember, f *Fleet) *Graph {
	g := &Graph{nodes: make(map[Ref]*Node, len(services)+len(members))}
	// Performance (#8): the per-service steps run on every core; all that
	// is shared is written in g.order, so the graph does not depend on
	// scheduling.
	nodes := make([]*Node, len(services))
	par.For(len(services), func(i int) { nodes[i] = newNode(services[i]) })
	g.order = make([]Ref, 0, len(services))
	for _, n := range nodes {
		g.nodes[n.Ref] = n
		g.order = append(g.order, n.Ref)
	}
	slices.SortFunc(g.order, Ref.Compare)
	g.addMembers(members)
	if f != nil {
		g.fleet = newFleetIndex(f, services, members)
		g.addRemotes()
		// Resolving across the fleet records findings: one at a time.
		for _, ref := range g.order {
			g.intents(g.nodes[ref])
		}
	} else {
		par.For(len(g.order), func(i int) { g.intents(g.nodes[g.order[i]]) })
	}
	// Matching reads the nodes and writes each node's own edges and
	// findings, so it runs on every core; findings are then joined in the
	// order a single pass would record them: every caller's, then every
	// callee's, in graph order.
	seq := g.matchOrder()
	per := make([]matched, len(seq))
	par.For(len(seq), func(i int) { per[i] = g.match(g.nodes[seq[i]]) })
	n := len(g.Findings)
	for i := range per {
		n += len(per[i].asCaller) + len(per[i].asCallee)
	}
	g.Findings = slices.Grow(g.Findings, n-len(g.Findings))
	for i := range per {
		g.record(per[i].asCaller)
	}
	for i := range per {
		g.record(per[i].asCallee)
	}
	// A callee's inbound edges, in caller order, each list allocated once
	// at its size.
	for i := range per {
		for _, callee := range per[i].callees {
			callee.nIn++
		}
	}
	for i, ref := range seq {
		for j, e := range g.nodes[ref].out {
			callee := per[i].callees[j]
			if callee.in == nil {
				callee.in = make([]Edge, 0, callee.nIn)
			}
			callee.in = append(callee.in, e)
		}
	}
	if g.fleet != nil {
		g.remoteCallers()
	}
	g.list = g.Nodes()
	all := append(g.Nodes(), g.Members()...)
	for _, ref := range g.remoteOrder {
		all = append(all, g.remote[ref])
	}
	for _, ref := range g.siblingOrder {
		all = append(all, g.nodes[ref])
	}
	par.For(len(all), func(i int) {
		n := all[i]
		// Remote callers' edges come last; outbound edges are in
		// resource-key order.
		slices.SortFunc(n.in, func(a, b Edge) int { return a.From.Compare(b.From) })
		slices.SortFunc(n.out, func(a, b Edge) int { return a.To.Compare(b.To) })
	})
	if g.fleet != nil {
		g.sharedIdentities()
	}
	// The fixes one-sided findings suggest, written on every core.
	par.For(len(g.pending), func(i int) {
		p := g.pending[i]
		f := &g.Findings[p.finding]
		if f.Kind == CalleeDoesNotAllow {
			f.Message = f.On.String() + " declares " + f.Peer.String() + " outbound, but " + f.Peer.String() + " does not accept " +
				f.On.String() + " inbound, so every call is denied; to allow it, " + fix(p.peer, f.On, v1alpha1.DirectionInbound)
		} else {
			f.Message = f.On.String() + " accepts " + f.Peer.String() + " inbound, but " + f.Peer.String() + " does not declare " +
				f.On.String() + " outbound, so no traffic is allowed; to allow it, " + fix(p.peer, f.On, v1alpha1.DirectionOutbound)
		}
	})
	g.pending = nil
	return g
}

// matched is what matching found for one node: its findings as a caller
// and as a callee, and the callee of each of its outbound edges.
type matched struct {
	asCaller, asCallee []found
	callees            []*Node
}

// found is a finding; peer, when set, is the side whose declaration the
// message (written later) suggests.
type found struct {
	Finding
	peer *Node
}

// record appends findings to the graph, queueing the messages still to
// be written.
func (g *Graph) record(fs []found) {
	for _, f := range fs {
		if f.peer != nil {
			g.pending = append(g.pending, pendingMessage{finding: len(g.Findings), peer: f.peer})
		}
		g.Findings = append(g.Findings, f.Finding)
	}
}

// match adds n's outbound edges (to n.out only) and reports its
// findings. It writes nothing shared, so nodes match in parallel.
func (g *Graph) match(n *Node) matched {
	var m matched
	for _, o := range n.Outbound {
		callee := g.Node(o.Peer)
		if callee == nil {
			m.asCaller = append(m.asCaller, found{Finding: g.dangling(n, o, true)})
			continue
		}
		if e, ok := edgeTo(n.Ref, o, callee); ok {
			n.out = append(n.out, e)
			m.callees = append(m.callees, callee)
		} else {
			m.asCaller = append(m.asCaller, g.oneSided(n, o, callee, CalleeDoesNotAllow))
		}
	}
	for _, in := range n.Inbound {
		caller := g.Node(in.Peer)
		switch {
		case caller == nil:
			m.asCallee = append(m.asCallee, found{Finding: g.dangling(n, in, false)})
		case caller.unexported[n.Ref]:
			m.asCallee = append(m.asCallee, found{Finding: g.notExportedHere(n, in)})
		case !caller.declaresOutbound(n.Ref):
			m.asCallee = append(m.asCallee, g.oneSided(n, in, caller, CallerDoesNotDeclare))
		}
	}
	return m
}

// connect adds the edge of caller's outbound intent o when callee admits
// the caller, by name or by wildcard, and reports whether it does.
func (g *Graph) connect(caller *Node, o Intent, callee *Node) bool {
	e, ok := edgeTo(caller.Ref, o, callee)
	if ok {
		caller.out = append(caller.out, e)
		callee.in = append(callee.in, e)
	}
	return ok
}

// edgeTo is the edge of caller's outbound intent o, if callee admits the
// caller by name or by wildcard.
func edgeTo(caller Ref, o Intent, callee *Node) (Edge, bool) {
	e := Edge{From: caller, To: o.Peer, CallerKey: o.Key}
	if i, named := callee.inboundIndex(caller); named {
		e.Rules, e.CalleeKey = callee.Inbound[i].Rules, callee.Inbound[i].Key
	} else if callee.AllowsAll {
		e.Rules, e.CalleeKey = callee.AllowsAllRules, callee.AllowsAllFrom
	} else {
		return Edge{}, false
	}
	return e, true
}

// newNode records the service's declarations as written; intents resolves
// them once every node is known.
func newNode(s *v1alpha1.LatticeService) *Node {
	n := &Node{Ref: Ref{Namespace: s.Namespace, Name: s.Name}, Service: s}
	n.setPrimaryPort()
	res := s.Spec.Workload.Resources
	n.decls = make([]decl, 0, len(res))
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceService {
			continue
		}
		n.decls = append(n.decls, decl{
			key:      key,
			peer:     Ref{Cluster: r.Cluster, Namespace: cmp.Or(r.Namespace, s.Namespace), Name: cmp.Or(r.ID, key)},
			outbound: r.Direction == v1alpha1.DirectionOutbound || r.Direction == v1alpha1.DirectionBoth,
			inbound:  r.Direction == v1alpha1.DirectionInbound || r.Direction == v1alpha1.DirectionBoth,
			wildcard: r.ID == "*",
			rules:    r.Rules,
		})
	}
	return n
}

// intents resolves the node's declarations to peers (across the fleet, when
// there is one) and merges declarations of one peer.
func (g *Graph) intents(n *Node) {
	for _, d := range n.decls {
		if d.inbound && d.wildcard {
			if n.AllowsAll {
				n.AllowsAllRules = mergeRules(n.AllowsAllRules, d.rules)
			} else {
				n.AllowsAll, n.AllowsAllFrom, n.AllowsAllRules = true, d.key, d.rules
			}
			continue
		}
		if d.outbound {
			if peer, ok := g.resolve(n, d, true); ok {
				n.setPeer(g, d.key, peer)
				if !n.declaresOutbound(peer) {
					n.Outbound = append(n.Outbound, Intent{Key: d.key, Peer: peer})
					if n.outbound != nil || len(n.Outbound) > manyPeers {
						n.indexOutbound()
					}
				}
			}
		}
		if !d.inbound {
			continue
		}
		peer, ok := g.resolve(n, d, false)
		if !ok {
			continue
		}
		if _, seen := n.peer(d.key); !seen {
			n.setPeer(g, d.key, peer)
		}
		if i, dup := n.inboundIndex(peer); dup {
			n.Inbound[i].Rules = mergeRules(n.Inbound[i].Rules, d.rules)
			continue
		}
		n.Inbound = append(n.Inbound, Intent{Key: d.key, Peer: peer, Rules: d.rules})
		if n.inbound != nil || len(n.Inbound) > manyPeers {
			n.indexInbound()
		}
	}
	n.decls = nil
}

// resolve names the service a declaration means. Without a fleet that is
// the declaration as written; with one, see fleetIndex.resolve. ok is
// false when the declaration names no single service of the fleet (a
// finding says why).
func (g *Graph) resolve(n *Node, d decl, callee bool) (Ref, bool) {
	if g.fleet == nil {
		return d.peer, true
	}
	return g.resolveFleet(n, d, callee)
}

// mergeRules is the union of two declarations of one caller: declarations
// add permissions, so no rules on either side means every request.
func mergeRules(have, add []v1alpha1.L7Rule) []v1alpha1.L7Rule {
	if len(have) == 0 || len(add) == 0 {
		return nil
	}
	return append(slices.Clone(have), add...)
}

// oneSided is the finding of on's intent that peer does not answer.
func (g *Graph) oneSided(on *Node, in Intent, peer *Node, kind FindingKind) found {
	f := Finding{On: on.Ref, Key: in.Key, Peer: in.Peer, Kind: kind}
	if peer.Remote != nil {
		f.Message = g.oneSidedRemote(on, peer, kind)
		return found{Finding: f}
	}
	// The message is written once the graph is built (BuildFleet).
	return found{Finding: f, peer: peer}
}

// pendingMessage is a one-sided finding whose message is still to be
// written; peer is the side that has to add the declaration.
type pendingMessage struct {
	finding int
	peer    *Node
}

func (g *Graph) dangling(on *Node, in Intent, outbound bool) Finding {
	f := Finding{On: on.Ref, Key: in.Key, Peer: in.Peer, Kind: PeerMissing}
	what := fmt.Sprintf("%s declares %s outbound", on.Ref, in.Peer)
	if !outbound {
		what = fmt.Sprintf("%s accepts %s inbound", on.Ref, in.Peer)
	}
	switch {
	case g.fleet != nil && in.Peer.Cluster != "":
		what = fmt.Sprintf("%s declares %s outbound", on.Ref, g.label(in.Peer))
		if !outbound {
			what = fmt.Sprintf("%s accepts %s inbound", on.Ref, g.label(in.Peer))
		}
		f.Message = fmt.Sprintf("%s, but cluster %s has no service %s/%s in the fleet inventory, so no policy admits this traffic; fix the name, or deploy it there and run `lattice fleet inventory`",
			what, in.Peer.Cluster, in.Peer.Namespace, in.Peer.Name)
	case g.fleet != nil:
		f.Message = what + ", but " + in.Peer.String() + " is neither in this render nor on another cluster of the fleet, so the agreement cannot be checked and no policy admits this traffic; " +
			g.didYouMean(on, in, "fix the name, or add the service")
	case in.Peer.Cluster != "":
		f.Kind = PeerRemote
		f.Message = what + ", but this render has no FleetInventory, so cross-cluster agreements cannot be matched and no policy admits this traffic; add the fleet's inventory (`lattice fleet inventory`), or omit cluster: for a service of this cluster"
	default:
		f.Message = what + ", but " + in.Peer.String() + " is not in this render, so the agreement cannot be checked and no policy admits this traffic; " +
			g.didYouMean(on, in, "render both services together, or declare a workload lattice does not derive with a MeshMember (docs/mesh-members.md)")
	}
	return f
}

// fix is the YAML that completes an agreement on peer, the side that has not
// declared self: a new resource, or direction: both on a resource that
// already names self in the other direction.
func fix(peer *Node, self Ref, direction string) string {
	if peer.Member != nil {
		return memberFix(peer, self, direction)
	}
	res := peer.Service.Spec.Workload.Resources
	// The first matching key in sorted order, without sorting them all.
	match := ""
	for key, r := range res {
		if r.Type == v1alpha1.ResourceService && r.ID != "*" && (match == "" || key < match) &&
			(Ref{Cluster: r.Cluster, Namespace: cmp.Or(r.Namespace, peer.Ref.Namespace), Name: cmp.Or(r.ID, key)}) == self {
			match = key
		}
	}
	if match != "" {
		return fmt.Sprintf("change %s spec.workload.resources[%s] to direction: both", peer.Ref, match)
	}
	key, extra := self.Name, ""
	if _, taken := res[key]; taken {
		key = self.Namespace + "-" + self.Name
		extra = ", id: " + self.Name
	}
	if self.Namespace != peer.Ref.Namespace {
		extra += ", namespace: " + self.Namespace
	}
	return fmt.Sprintf("add to %s spec.workload.resources: `%s: {type: service, direction: %s%s}`", peer.Ref, key, direction, extra)
}

// Node returns the node for ref (a remote node when ref names a cluster),
// or nil.
func (g *Graph) Node(ref Ref) *Node {
	if ref.Cluster != "" {
		return g.remote[ref]
	}
	return g.nodes[ref]
}

// Peer is the service the resource key of ref's spec resolved to.
func (g *Graph) Peer(ref Ref, key string) (Ref, bool) {
	n := g.nodes[ref]
	if n == nil {
		return Ref{}, false
	}
	p, ok := n.peer(key)
	return p, ok
}

// Nodes returns every node of this render (never a remote one) sorted by
// ref. The slice is the graph's own (#8: derivers walk it often): read
// it, do not change it; its capacity is its length, so an append copies.
func (g *Graph) Nodes() []*Node {
	if g.list == nil || len(g.list) != len(g.order) {
		list := make([]*Node, len(g.order))
		for i, r := range g.order {
			list[i] = g.nodes[r]
		}
		return list
	}
	return g.list[:len(g.list):len(g.list)]
}

// Callers returns the active inbound edges of ref, sorted by caller.
func (g *Graph) Callers(ref Ref) []Edge {
	if n := g.Node(ref); n != nil {
		return n.in
	}
	return nil
}

// Callees returns the active outbound edges of ref, sorted by callee.
func (g *Graph) Callees(ref Ref) []Edge {
	if n := g.Node(ref); n != nil {
		return n.out
	}
	return nil
}

// manyPeers is where lookups switch from a scan to a map.
const manyPeers = 16

type keyPeer struct {
	key  string
	peer Ref
	node *Node // g.Node(peer), nil when it is not in the graph
}

func (n *Node) declaresOutbound(ref Ref) bool {
	if n.outbound != nil {
		return n.outbound[ref]
	}
	for i := range n.Outbound {
		if n.Outbound[i].Peer == ref {
			return true
		}
	}
	return false
}

// indexOutbound adds the last outbound intent to the map, making it when
// there are many.
func (n *Node) indexOutbound() {
	if n.outbound == nil {
		n.outbound = make(map[Ref]bool, 2*len(n.Outbound))
		for _, o := range n.Outbound {
			n.outbound[o.Peer] = true
		}
		return
	}
	n.outbound[n.Outbound[len(n.Outbound)-1].Peer] = true
}

func (n *Node) inboundIndex(ref Ref) (int, bool) {
	if n.inbound != nil {
		i, ok := n.inbound[ref]
		return i, ok
	}
	for i := range n.Inbound {
		if n.Inbound[i].Peer == ref {
			return i, true
		}
	}
	return 0, false
}

func (n *Node) indexInbound() {
	if n.inbound == nil {
		n.inbound = make(map[Ref]int, 2*len(n.Inbound))
		for i, in := range n.Inbound {
			n.inbound[in.Peer] = i
		}
		return
	}
	n.inbound[n.Inbound[len(n.Inbound)-1].Peer] = len(n.Inbound) - 1
}

func (n *Node) peer(key string) (Ref, bool) {
	kp, ok := n.keyPeer(key)
	return kp.peer, ok
}

func (n *Node) keyPeer(key string) (keyPeer, bool) {
	if n.peerMap != nil {
		kp, ok := n.peerMap[key]
		return kp, ok
	}
	for _, kp := range n.peers {
		if kp.key == key {
			return kp, true
		}
	}
	return keyPeer{}, false
}

// PeerNode is the service resource key's peer and its node (nil when the
// peer is not in the graph), as Graph.Peer and Graph.Node give them.
func (n *Node) PeerNode(key string) (Ref, *Node, bool) {
	kp, ok := n.keyPeer(key)
	return kp.peer, kp.node, ok
}

// setPeer records (or replaces) the peer of a resource key.
func (n *Node) setPeer(g *Graph, key string, peer Ref) {
	kp := keyPeer{key, peer, g.Node(peer)}
	if n.peerMap != nil {
		n.peerMap[key] = kp
		return
	}
	for i := range n.peers {
		if n.peers[i].key == key {
			n.peers[i] = kp
			return
		}
	}
	n.peers = append(n.peers, kp)
	if len(n.peers) > manyPeers {
		n.peerMap = make(map[string]keyPeer, 2*len(n.peers))
		for _, kp := range n.peers {
			n.peerMap[kp.key] = kp
		}
		n.peers = nil
	}
}
