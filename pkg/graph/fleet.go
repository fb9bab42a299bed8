package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// Cross-cluster agreements. A render of one cluster sees its own
// LatticeServices and, through the FleetInventory, every other cluster's
// identity, gateway and declarations. Each remote service becomes a remote
// node whose declarations are resolved from its own cluster's point of
// view, so both clusters' renders find the same edges from the same
// inventory.
//
// Name resolution, from the point of view of the declaring cluster F, for
// a peer ns/name:
//
//   - no cluster: (or cluster: F): the service of F if F runs one. Else the
//     one other cluster that runs it (a caller) or exports it (a callee).
//     Two candidates are an error: the declaration must say which with
//     cluster:. A callee that runs elsewhere but is exported nowhere gets a
//     warning, never an edge.
//   - cluster: X of the fleet: X's service; a callee must be exported by X,
//     and must not also run on F (one host name cannot reach two services).
//   - cluster: X not in the fleet: an error.
//
// Only edges with one end in this cluster matter to its render; edges
// between two remote services are left to their own renders.

// Fleet is what a render knows about the fleet: the ServiceDirectory (or
// FleetInventory).
type Fleet struct {
	// Local is the name of the cluster being rendered.
	Local string
	// Render is this render's name in the directory. Services of the local
	// cluster recorded for other renders are siblings: nodes of this
	// cluster that this render does not derive, matched like remote ones
	// (teams.md). A FleetInventory names no renders: no siblings.
	Render string
	// Clusters are every cluster of the fleet, the local one included.
	Clusters []Cluster
}

// Cluster is one cluster of the fleet as the inventory records it.
type Cluster struct {
	Name        string
	TrustDomain string
	Network     string
	Gateway     *v1alpha1.EastWestGateway
	Services    []v1alpha1.InventoryService
}

type nsName struct{ ns, name string }

type fleetIndex struct {
	local    string
	render   string
	clusters map[string]*Cluster
	names    []string
	// runs lists, per ns/name, the clusters that run it (sorted).
	runs map[nsName][]string
	// services per cluster; the local cluster's are the render's own
	// services, with the exported flag from the inventory, and the
	// siblings.
	services map[string]map[nsName]*v1alpha1.InventoryService
	// siblings are the local cluster's services of other renders.
	siblings []*v1alpha1.InventoryService
}

func newFleetIndex(f *Fleet, local []*v1alpha1.LatticeService, members []*v1alpha1.MeshMember) *fleetIndex {
	ix := &fleetIndex{local: f.Local, render: f.Render, clusters: map[string]*Cluster{}, runs: map[nsName][]string{}, services: map[string]map[nsName]*v1alpha1.InventoryService{}}
	for i := range f.Clusters {
		c := &f.Clusters[i]
		ix.clusters[c.Name] = c
		ix.names = append(ix.names, c.Name)
		m := map[nsName]*v1alpha1.InventoryService{}
		for j := range c.Services {
			s := &c.Services[j]
			if s.Member && c.Name != f.Local {
				continue // members are matched on their own cluster only
			}
			m[nsName{s.Namespace, s.Name}] = s
		}
		ix.services[c.Name] = m
	}
	slices.Sort(ix.names)
	// The local cluster is what this render holds, whatever the inventory
	// says (the renderer checks they agree), plus the services of the
	// cluster's other renders (siblings).
	inv := ix.services[f.Local]
	own := map[nsName]*v1alpha1.InventoryService{}
	for _, s := range local {
		k := nsName{s.Namespace, s.Name}
		e := &v1alpha1.InventoryService{Namespace: s.Namespace, Name: s.Name, Render: f.Render}
		if have := inv[k]; have != nil {
			e.Exported = have.Exported
		}
		own[k] = e
	}
	for _, m := range members {
		own[nsName{m.Namespace, m.Name}] = &v1alpha1.InventoryService{Namespace: m.Namespace, Name: m.Name, Render: f.Render, Member: true}
	}
	if c := ix.clusters[f.Local]; c != nil {
		for i := range c.Services {
			s := &c.Services[i]
			k := nsName{s.Namespace, s.Name}
			if own[k] == nil && s.Render != f.Render {
				own[k] = s
				ix.siblings = append(ix.siblings, s)
			}
		}
	}
	ix.services[f.Local] = own
	for _, c := range ix.names {
		for k := range ix.services[c] {
			ix.runs[k] = append(ix.runs[k], c)
		}
	}
	for k := range ix.runs {
		slices.Sort(ix.runs[k])
	}
	return ix
}

func (ix *fleetIndex) has(cluster string, k nsName) bool { return ix.services[cluster][k] != nil }

func (ix *fleetIndex) exported(cluster string, k nsName) bool {
	s := ix.services[cluster][k]
	return s != nil && s.Exported
}

func (ix *fleetIndex) trustDomain(cluster string) string {
	if c := ix.clusters[cluster]; c != nil {
		return c.TrustDomain
	}
	return ""
}

// rel turns an absolute ref (every ref names its cluster) into the graph's
// convention: the local cluster is "".
func (ix *fleetIndex) rel(r Ref) Ref {
	if r.Cluster == ix.local {
		r.Cluster = ""
	}
	return r
}

func (ix *fleetIndex) abs(r Ref) Ref {
	if r.Cluster == "" {
		r.Cluster = ix.local
	}
	return r
}

type outcome int

const (
	resolved outcome = iota
	missing
	notExported
	ambiguous
	unknownCluster
	shadowed
)

// resolve names the service that cluster from means by peer (an absolute
// ref is returned; clusters lists the candidates of an ambiguous or
// unexported peer).
func (ix *fleetIndex) resolve(from string, peer Ref, callee bool) (Ref, outcome, []string) {
	k := nsName{peer.Namespace, peer.Name}
	switch {
	case peer.Cluster == "" || peer.Cluster == from:
		out := Ref{Cluster: from, Namespace: peer.Namespace, Name: peer.Name}
		if ix.has(from, k) {
			return out, resolved, nil
		}
		if peer.Cluster != "" {
			return out, missing, nil
		}
		var runs, exports []string
		for _, c := range ix.runs[k] {
			if c != from {
				runs = append(runs, c)
				if ix.exported(c, k) {
					exports = append(exports, c)
				}
			}
		}
		candidates := runs
		if callee {
			candidates = exports
		}
		switch {
		case len(candidates) == 1:
			out.Cluster = candidates[0]
			return out, resolved, nil
		case len(candidates) > 1:
			return out, ambiguous, candidates
		case len(runs) > 0:
			out.Cluster = runs[0]
			return out, notExported, runs
		}
		return out, missing, nil
	case ix.clusters[peer.Cluster] == nil:
		return peer, unknownCluster, nil
	case !ix.has(peer.Cluster, k):
		return peer, missing, nil
	case callee && ix.has(from, k):
		return peer, shadowed, nil
	case callee && !ix.exported(peer.Cluster, k):
		return peer, notExported, []string{peer.Cluster}
	}
	return peer, resolved, nil
}

// resolveFleet resolves a local declaration and reports why one names no
// single service.
func (g *Graph) resolveFleet(n *Node, d decl, callee bool) (Ref, bool) {
	ix := g.fleet
	if n.Remote != nil {
		abs, out, clusters := ix.resolve(ix.abs(n.Ref).Cluster, d.peer, callee)
		if out == notExported && slices.Contains(clusters, ix.local) {
			n.unexported[Ref{Namespace: abs.Namespace, Name: abs.Name}] = true
		}
		return ix.rel(abs), out == resolved
	}
	abs, out, clusters := ix.resolve(ix.local, d.peer, callee)
	peer := ix.rel(abs)
	f := Finding{On: n.Ref, Key: d.key, Peer: peer}
	says := func(what string) string {
		if callee {
			return fmt.Sprintf("%s declares %s outbound", n.Ref, what)
		}
		return fmt.Sprintf("%s accepts %s inbound", n.Ref, what)
	}
	switch out {
	case resolved, missing:
		return peer, true
	case notExported:
		f.Kind = NotExported
		f.Message = fmt.Sprintf("%s, but it runs on %s, which does not export it, so no cluster routes or admits this call; add %s/%s to the exports of %s in the Fleet and run `lattice fleet inventory`",
			says(peer.Namespace+"/"+peer.Name), clusterList(clusters), peer.Namespace, peer.Name, clusterList(clusters))
		f.Peer = Ref{Cluster: clusters[0], Namespace: peer.Namespace, Name: peer.Name}
	case ambiguous:
		f.Kind = Ambiguous
		which := "clusters " + strings.Join(clusters, " and ") + " all export it"
		if len(clusters) == 2 {
			which = "clusters " + strings.Join(clusters, " and ") + " both export it"
		}
		if !callee {
			which = "it runs on clusters " + strings.Join(clusters, " and ")
		}
		f.Message = fmt.Sprintf("%s, but %s and lattice never picks one silently; say which with cluster: (e.g. `cluster: %s`), one resource per cluster to mean several",
			says(peer.Namespace+"/"+peer.Name), which, clusters[0])
	case unknownCluster:
		f.Kind, f.Field = UnknownCluster, "cluster"
		f.Message = fmt.Sprintf("%s, but the fleet has no cluster %s (it has %s); fix the name, or add the cluster to the Fleet and run `lattice fleet inventory`",
			says(peer.Namespace+"/"+peer.Name+" on cluster "+peer.Cluster), peer.Cluster, strings.Join(ix.names, ", "))
	case shadowed:
		f.Kind, f.Field = Shadowed, "cluster"
		f.Message = fmt.Sprintf("%s, but %s/%s also runs on this cluster (%s) and both would answer at %s.%s.svc.cluster.local; call the local one (remove cluster:) or rename one of the services",
			says(g.label(peer)), peer.Namespace, peer.Name, ix.local, peer.Name, peer.Namespace)
	}
	g.Findings = append(g.Findings, f)
	return Ref{}, false
}

func clusterList(cs []string) string {
	if len(cs) == 1 {
		return "cluster " + cs[0]
	}
	return "clusters " + strings.Join(cs, " and ")
}

// addRemotes makes a node of every service of the other clusters, its
// declarations resolved from its own cluster, and of every sibling (a
// service of this cluster in another render). Siblings are nodes of this
// cluster (their refs name no cluster) outside Nodes(): matched, never
// derived.
func (g *Graph) addRemotes() {
	ix := g.fleet
	g.remote = map[Ref]*Node{}
	node := func(cluster string, s *v1alpha1.InventoryService) *Node {
		n := &Node{Ref: Ref{Cluster: cluster, Namespace: s.Namespace, Name: s.Name}, Remote: s, unexported: map[Ref]bool{}}
		at := func(p v1alpha1.InventoryPeer) Ref {
			if s.Member {
				p.Cluster = ix.local // a member's peers are on its cluster (the local one: no other has members)
			}
			return Ref{Cluster: p.Cluster, Namespace: p.Namespace, Name: p.Name}
		}
		for _, p := range s.Outbound {
			n.decls = append(n.decls, decl{key: p.Namespace + "/" + p.Name, peer: at(p), outbound: true})
		}
		for _, p := range s.Inbound {
			n.decls = append(n.decls, decl{key: p.Namespace + "/" + p.Name, peer: at(p), inbound: true, rules: p.Rules})
		}
		n.AllowsAll, n.AllowsAllRules = s.AcceptsAnyDeclaredCaller, s.AnyCallerRules
		n.setPrimaryPort()
		return n
	}
	for _, name := range ix.names {
		if name == ix.local {
			continue
		}
		c := ix.clusters[name]
		for i := range c.Services {
			n := node(name, &c.Services[i])
			g.remote[n.Ref] = n
			g.remoteOrder = append(g.remoteOrder, n.Ref)
		}
	}
	for _, s := range ix.siblings {
		n := node("", s)
		g.nodes[n.Ref] = n
		g.siblingOrder = append(g.siblingOrder, n.Ref)
		g.siblingMembers = g.siblingMembers || s.Member
	}
	slices.SortFunc(g.remoteOrder, Ref.Compare)
	slices.SortFunc(g.siblingOrder, Ref.Compare)
	// Declarations are resolved once every node is known.
	for _, ref := range g.remoteOrder {
		g.intents(g.remote[ref])
	}
	for _, ref := range g.siblingOrder {
		g.intents(g.nodes[ref])
	}
}

// remoteCallers adds the edges from remote callers to local callees, and
// from siblings to remote callees (the render that emits a remote callee's
// stub compiles every caller of its cluster into it: derive/stub.go). The
// caller's render reports its one-sided declarations; this one only
// matches.
func (g *Graph) remoteCallers() {
	callers := make([]*Node, 0, len(g.remoteOrder)+len(g.siblingOrder))
	for _, ref := range g.remoteOrder {
		callers = append(callers, g.remote[ref])
	}
	for _, ref := range g.siblingOrder {
		callers = append(callers, g.nodes[ref])
	}
	for _, caller := range callers {
		for _, o := range caller.Outbound {
			if o.Peer.Cluster != "" && caller.Ref.Cluster == "" {
				if callee := g.remote[o.Peer]; callee != nil {
					g.connect(caller, o, callee)
				}
				continue
			}
			callee := g.nodes[o.Peer]
			if o.Peer.Cluster != "" || callee == nil || callee.Service == nil && callee.Member == nil {
				continue
			}
			g.connect(caller, o, callee)
		}
	}
}

// label names a ref in a cross-cluster message: "ns/name on cluster X",
// or "ns/name of render R" for a sibling.
func (g *Graph) label(r Ref) string {
	if g.fleet == nil {
		return r.String()
	}
	if n := g.nodes[r]; r.Cluster == "" && n != nil && n.Remote != nil {
		return r.Namespace + "/" + r.Name + " of render " + n.Remote.Render
	}
	return r.Namespace + "/" + r.Name + " on cluster " + g.fleet.abs(r).Cluster
}

// oneSidedRemote is the one-sided message when the peer is remote.
func (g *Graph) oneSidedRemote(on, peer *Node, kind FindingKind) string {
	if peer.Remote.Member {
		// A member of another render: its owner adds the declaration.
		dir := v1alpha1.DirectionInbound
		if kind == CallerDoesNotDeclare {
			dir = v1alpha1.DirectionOutbound
		}
		fix := strings.Replace(memberFix(peer, on.Ref, dir), "MeshMember "+peer.Ref.String(), "MeshMember "+g.label(peer.Ref), 1)
		if kind == CalleeDoesNotAllow {
			return fmt.Sprintf("%s declares %s outbound, but %s does not accept %s inbound, so every call is denied; to allow it, %s",
				on.Ref, peer.Ref, peer.Ref, on.Ref, fix)
		}
		return fmt.Sprintf("%s accepts %s inbound, but %s does not declare %s outbound, so no traffic is allowed; to allow it, %s",
			on.Ref, peer.Ref, peer.Ref, on.Ref, fix)
	}
	self := g.fleet.abs(on.Ref)
	var fixDir, declared string
	if kind == CalleeDoesNotAllow {
		fixDir, declared = v1alpha1.DirectionInbound, peerDeclares(peer.Remote.Outbound, self, peer.Ref.Cluster)
	} else {
		fixDir, declared = v1alpha1.DirectionOutbound, peerDeclares(peer.Remote.Inbound, self, peer.Ref.Cluster)
	}
	fix := fmt.Sprintf("add to %s spec.workload.resources: `%s: {type: service, direction: %s", g.label(peer.Ref), self.Name, fixDir)
	if self.Namespace != peer.Ref.Namespace {
		fix += ", namespace: " + self.Namespace
	}
	if peer.Ref.Cluster != "" {
		fix += ", cluster: " + self.Cluster
	}
	fix += "}`"
	if declared != "" {
		fix = fmt.Sprintf("change the resource of %s that names %s to direction: both", g.label(peer.Ref), g.label(on.Ref))
	}
	me := g.label(on.Ref)
	if peer.Ref.Cluster == "" {
		me = on.Ref.String() // a sibling: one cluster
	}
	if kind == CalleeDoesNotAllow {
		return fmt.Sprintf("%s declares %s outbound, but %s does not accept %s inbound, so every call is denied; to allow it, %s",
			me, g.label(peer.Ref), g.label(peer.Ref), me, fix)
	}
	return fmt.Sprintf("%s accepts %s inbound, but %s does not declare %s outbound, so no traffic is allowed; to allow it, %s",
		me, g.label(peer.Ref), g.label(peer.Ref), me, fix)
}

// peerDeclares reports whether a remote service's declarations (in the
// other direction) name self, resolved loosely: cluster as written or
// omitted.
func peerDeclares(peers []v1alpha1.InventoryPeer, self Ref, _ string) string {
	for _, p := range peers {
		if p.Namespace == self.Namespace && p.Name == self.Name && (p.Cluster == "" || p.Cluster == self.Cluster) {
			return p.Namespace + "/" + p.Name
		}
	}
	return ""
}

// notExportedHere: a local callee accepts a remote caller that declares it,
// but this cluster does not export the callee.
func (g *Graph) notExportedHere(callee *Node, in Intent) Finding {
	local := g.fleet.local
	return Finding{On: callee.Ref, Key: in.Key, Peer: in.Peer, Kind: NotExported,
		Message: fmt.Sprintf("%s accepts %s inbound and %s declares it outbound, but this cluster (%s) does not export %s, so the call is denied; add %s to the exports of %s in the Fleet and run `lattice fleet inventory`",
			callee.Ref, g.label(in.Peer), g.label(in.Peer), local, callee.Ref, callee.Ref, local)}
}

// sharedIdentities warns where a principal a local callee admits is also
// the identity of a service of another cluster that did not agree: with
// one trust domain, ns/name is one identity on every cluster.
func (g *Graph) sharedIdentities() {
	ix := g.fleet
	type principal struct{ td, ns, name string }
	holders := map[principal][]Ref{}
	for _, c := range ix.names {
		td := ix.trustDomain(c)
		for k := range ix.services[c] {
			p := principal{td, k.ns, k.name}
			holders[p] = append(holders[p], Ref{Cluster: c, Namespace: k.ns, Name: k.name})
		}
	}
	for _, ref := range g.order {
		in := g.nodes[ref].in
		agreed := map[Ref]bool{}
		for _, e := range in {
			agreed[ix.abs(e.From)] = true
		}
		reported := map[Ref]bool{}
		for _, e := range in {
			from := ix.abs(e.From)
			td := ix.trustDomain(from.Cluster)
			others := holders[principal{td, from.Namespace, from.Name}]
			slices.SortFunc(others, Ref.Compare)
			for _, o := range others {
				if agreed[o] || reported[o] {
					continue
				}
				reported[o] = true
				g.Findings = append(g.Findings, Finding{On: ref, Key: e.CalleeKey, Peer: ix.rel(o), Kind: SharedIdentity,
					Message: fmt.Sprintf("%s admits %s as %s, which is also the identity of %s (both clusters use the trust domain %s), so %s can call it without declaring it; give each cluster its own trust domain (federated trust) or rename one of the services",
						ref, g.label(e.From), td+"/ns/"+from.Namespace+"/sa/"+from.Name, g.label(ix.rel(o)), td, g.label(ix.rel(o)))})
			}
		}
	}
}

// Render is this render's name in the directory, or "" (no directory, or
// a FleetInventory: one render per cluster).
func (g *Graph) Render() string {
	if g.fleet == nil {
		return ""
	}
	return g.fleet.render
}

// Local is the name of the cluster being rendered, or "" without a fleet.
func (g *Graph) Local() string {
	if g.fleet == nil {
		return ""
	}
	return g.fleet.local
}

// Cluster returns a fleet cluster by name, or nil.
func (g *Graph) Cluster(name string) *Cluster {
	if g.fleet == nil {
		return nil
	}
	return g.fleet.clusters[cmp.Or(name, g.fleet.local)]
}

// TrustDomain is the trust domain of ref's cluster, or "" for a service of
// this render without a fleet (the Platform's then).
func (g *Graph) TrustDomain(ref Ref) string {
	if g.fleet == nil {
		return ""
	}
	return g.fleet.trustDomain(g.fleet.abs(ref).Cluster)
}

// Exported reports whether ref's cluster exports it (false without a
// fleet).
func (g *Graph) Exported(ref Ref) bool {
	if g.fleet == nil {
		return false
	}
	abs := g.fleet.abs(ref)
	return g.fleet.exported(abs.Cluster, nsName{abs.Namespace, abs.Name})
}

// ExportedBy lists the clusters that export ns/name, sorted.
func (g *Graph) ExportedBy(ns, name string) []string {
	if g.fleet == nil {
		return nil
	}
	var out []string
	for _, c := range g.fleet.runs[nsName{ns, name}] {
		if g.fleet.exported(c, nsName{ns, name}) {
			out = append(out, c)
		}
	}
	return out
}

// Remotes returns the services of the other clusters sorted by ref.
func (g *Graph) Remotes() []*Node {
	out := make([]*Node, len(g.remoteOrder))
	for i, r := range g.remoteOrder {
		out[i] = g.remote[r]
	}
	return out
}

// PrimaryPort is the port named "http", else the first by name: the port
// ${resources.<key>.port} and .url name. Computed once per node, while
// its spec is at hand (#8: each caller looked it up again).
func (n *Node) PrimaryPort() (int32, bool) { return n.primary, n.hasPrimary }

func (n *Node) setPrimaryPort() {
	ports := n.Ports()
	if p, ok := ports["http"]; ok {
		n.primary, n.hasPrimary = p.Port, true
		return
	}
	// The first name in order, without sorting them all.
	first := ""
	for name := range ports {
		if !n.hasPrimary || name < first {
			first, n.hasPrimary = name, true
		}
	}
	n.primary = ports[first].Port
}

// Ports are the service's ports by name, for a local or a remote node.
func (n *Node) Ports() map[string]v1alpha1.ServicePort {
	if n.Remote != nil {
		out := map[string]v1alpha1.ServicePort{}
		for _, p := range n.Remote.Ports {
			tp := p.TargetPort
			out[p.Name] = v1alpha1.ServicePort{Port: p.Port, TargetPort: &tp, Protocol: p.Protocol}
		}
		return out
	}
	if n.Service == nil {
		return nil // a MeshMember: lattice does not know its Service
	}
	if svc := n.Service.Spec.Workload.Service; svc != nil {
		return svc.Ports
	}
	return nil
}
