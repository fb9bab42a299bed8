// Package describe answers questions about a finished render for humans and
// tools: the service graph as Mermaid, Graphviz DOT or JSON, `explain` for
// one service, and the security-relevant difference between two renders.
// It reads render.Output and does no I/O.
package describe

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Edge kinds.
const (
	Agreement = "agreement" // both sides declared it: traffic is allowed
	OneSided  = "one-sided" // one side declared it: traffic is denied
	Dangling  = "dangling"  // the other side is not in the render
	Remote    = "remote"    // the other side runs on another cluster
)

// Model is the service graph of a render, flattened for pictures and tools.
type Model struct {
	Services []Service `json:"services"`
	Edges    []Edge    `json:"edges"`
	// Gateway is the platform Gateway's identity, the caller of every
	// service with an ingress.
	Gateway string `json:"gateway"`
}

// Service is one node.
type Service struct {
	ID        string   `json:"id"`
	Cluster   string   `json:"cluster,omitempty"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Ports     []string `json:"ports,omitempty"`
	// Rendered is false for services only referenced, not in the input.
	Rendered bool `json:"rendered"`
	// Remote is set for a service of another cluster of the fleet.
	Remote bool `json:"remote,omitempty"`
	// Member is set for a MeshMember: a workload lattice does not derive.
	Member bool `json:"member,omitempty"`
	// Render is the render that owns a service or member of this cluster
	// that this render agrees with through the directory (docs/teams.md).
	Render string `json:"render,omitempty"`
	// Hostname and TLS of its ingress, if any.
	Hostname string `json:"hostname,omitempty"`
	TLS      string `json:"tls,omitempty"`
	JWT      bool   `json:"jwt,omitempty"`
	// Egress lists external endpoints as host:port.
	Egress []string `json:"egress,omitempty"`
	// AcceptsAnyDeclaredCaller is set by an inbound "*" declaration.
	AcceptsAnyDeclaredCaller bool `json:"acceptsAnyDeclaredCaller,omitempty"`
}

// Edge is a declared call between two services.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	// Rules are the L7 restrictions ("POST /charge"); empty means any
	// request on the callee's ports.
	Rules []string `json:"rules,omitempty"`
	// Missing says what the other side must add, for one-sided edges.
	Missing string `json:"missing,omitempty"`
}

// Build flattens a successful render.
func Build(out *render.Output) Model {
	m := Model{}
	if out.Platform != nil {
		gw := out.Platform.Spec.Gateway
		m.Gateway = out.Platform.Spec.Cluster.TrustDomain + "/ns/" + gw.Namespace + "/sa/" + gw.ServiceAccount
	}
	if out.Graph == nil {
		return m
	}
	services := map[string]*Service{}
	// In a fleet, this render's services are drawn in their cluster too.
	local := out.Graph.Local()
	for _, n := range out.Graph.Nodes() {
		services[id(n.Ref)] = service(n)
		services[id(n.Ref)].Cluster = local
	}
	ensure := func(r graph.Ref) {
		if _, ok := services[id(r)]; !ok {
			s := &Service{ID: id(r), Cluster: r.Cluster, Namespace: r.Namespace, Name: r.Name}
			if n := out.Graph.Node(r); n != nil && n.Member != nil {
				s.Member = true
			} else if n != nil && n.Remote != nil && r.Cluster == "" {
				// Another render's, through the directory.
				s.Cluster, s.Render, s.Member = local, n.Remote.Render, n.Remote.Member
			} else if n != nil && n.Remote != nil {
				s.Remote = true
				for _, p := range n.Remote.Ports {
					s.Ports = append(s.Ports, p.Name+":"+strconv.Itoa(int(p.Port)))
				}
			}
			services[id(r)] = s
		}
	}
	for _, n := range out.Graph.Nodes() {
		for _, e := range out.Graph.Callees(n.Ref) {
			ensure(e.To)
			m.Edges = append(m.Edges, Edge{From: id(e.From), To: id(e.To), Kind: Agreement, Rules: rules(e.Rules)})
		}
		// Callers on other clusters of the fleet, of the cluster's other
		// renders, and MeshMembers.
		for _, e := range out.Graph.Callers(n.Ref) {
			if caller := out.Graph.Node(e.From); e.From.Cluster != "" || caller != nil && (caller.Member != nil || caller.Remote != nil) {
				ensure(e.From)
				m.Edges = append(m.Edges, Edge{From: id(e.From), To: id(e.To), Kind: Agreement, Rules: rules(e.Rules)})
			}
		}
	}
	for _, f := range out.Graph.Findings {
		if f.Kind.Error() || f.Kind == graph.SharedIdentity {
			continue // not an edge: an error, or a warning about identities
		}
		ensure(f.Peer)
		e := Edge{From: id(f.On), To: id(f.Peer)}
		switch f.Kind {
		case graph.CalleeDoesNotAllow:
			e.Kind, e.Missing = OneSided, "inbound on "+f.Peer.Name
		case graph.CallerDoesNotDeclare:
			e.From, e.To = id(f.Peer), id(f.On)
			e.Kind, e.Missing = OneSided, "outbound on "+f.Peer.Name
		case graph.NotExported:
			e.Kind, e.Missing = OneSided, "export by "+f.Peer.Cluster
			if f.Peer.Cluster == "" {
				e.Missing = "export by " + out.Graph.Local()
			}
			if isInbound(out.Graph.Node(f.On), f.Key) {
				e.From, e.To = id(f.Peer), id(f.On)
			}
		case graph.PeerMissing:
			e.Kind, e.Missing = Dangling, f.Peer.String()+" not in render"
			if isInbound(out.Graph.Node(f.On), f.Key) {
				e.From, e.To = id(f.Peer), id(f.On)
			}
		default:
			e.Kind = Remote
			if isInbound(out.Graph.Node(f.On), f.Key) {
				e.From, e.To = id(f.Peer), id(f.On)
			}
		}
		m.Edges = append(m.Edges, e)
	}
	for _, k := range sorted.Keys(services) {
		m.Services = append(m.Services, *services[k])
	}
	slices.SortFunc(m.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Kind, b.Kind))
	})
	m.Edges = slices.CompactFunc(m.Edges, func(a, b Edge) bool { return a.From == b.From && a.To == b.To && a.Kind == b.Kind })
	return m
}

func isInbound(n *graph.Node, key string) bool {
	if n == nil {
		return false
	}
	r := n.Service.Spec.Workload.Resources[key]
	return r.Direction == v1alpha1.DirectionInbound
}

func id(r graph.Ref) string { return r.String() }

func service(n *graph.Node) *Service {
	s := n.Service
	out := &Service{ID: id(n.Ref), Cluster: n.Ref.Cluster, Namespace: s.Namespace, Name: s.Name, Rendered: true, AcceptsAnyDeclaredCaller: n.AllowsAll}
	if svc := s.Spec.Workload.Service; svc != nil {
		for _, name := range sorted.Keys(svc.Ports) {
			out.Ports = append(out.Ports, name+":"+strconv.Itoa(int(svc.Ports[name].Port)))
		}
	}
	if in := s.Spec.Ingress; in != nil {
		out.Hostname, out.TLS, out.JWT = in.Hostname, in.TLS, in.JWT != nil
	}
	res := s.Spec.Workload.Resources
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceExternalService || r.Params == nil {
			continue
		}
		for _, ep := range slices.Sorted(maps.Values(r.Params.Endpoints)) {
			if e, err := v1alpha1.ParseEndpoint(ep); err == nil {
				out.Egress = append(out.Egress, fmt.Sprintf("%s:%d", e.Host, e.Port))
			}
		}
	}
	slices.Sort(out.Egress)
	out.Egress = slices.Compact(out.Egress)
	return out
}

func rules(rs []v1alpha1.L7Rule) []string {
	var out []string
	for _, r := range rs {
		methods := strings.Join(r.Methods, ",")
		if methods == "" {
			methods = "*"
		}
		paths := strings.Join(r.Paths, ",")
		if paths == "" {
			paths = "*"
		}
		out = append(out, methods+" "+paths)
	}
	return out
}

// Focus keeps the service and its direct neighbours.
func (m Model) Focus(serviceID string) (Model, error) {
	keep := map[string]bool{serviceID: true}
	var edges []Edge
	for _, e := range m.Edges {
		if e.From == serviceID || e.To == serviceID {
			edges = append(edges, e)
			keep[e.From], keep[e.To] = true, true
		}
	}
	out := Model{Gateway: m.Gateway, Edges: edges}
	found := false
	for _, s := range m.Services {
		if keep[s.ID] {
			out.Services = append(out.Services, s)
		}
		found = found || s.ID == serviceID
	}
	if !found {
		return Model{}, fmt.Errorf("no service %q in the render; use namespace/name", serviceID)
	}
	return out, nil
}
