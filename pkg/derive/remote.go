package derive

import (
	"cmp"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// Cross-cluster calls (graph/fleet.go matches the agreements). The
// default, Platform spec.mesh.multiCluster.mode: ambient, is Istio ambient
// multi-network (multi-primary): every istiod reads every cluster's
// Services and decides which are global by MeshConfig serviceScopeConfigs
// (a label selector), and ztunnel reaches a remote endpoint through its
// cluster's east-west gateway with double HBONE (15008). What each side of
// an active edge needs, from Istio's source (docs/multi-cluster.md cites
// the files):
//
//   - callee's cluster: its Service carries the global labels (workload.go)
//     and admits the caller's principal, in the caller's trust domain
//     (authorizationpolicy.go); a remote cluster's Service that is not
//     global is invisible to every other cluster.
//   - caller's cluster: a selector-less Service of the callee's name,
//     namespace and ports, global too (stubs below). ztunnel looks a
//     destination up by the VIP on its own network and kube-dns answers
//     only for local Services, so without it the name neither resolves nor
//     routes; istiod merges a global local Service with the remote ones
//     into one service whose endpoints are the remote cluster's (through
//     its gateway), and does not merge a local Service that is not global.
//   - a callee bound to a waypoint: Istio binds a global service through
//     its local copy and assumes identically named waypoints in every
//     cluster, and a waypoint that has applied L7 policy marks the request
//     so the callee cluster's east-west gateway skips the callee's
//     waypoint. So the stub carries the same istio.io/use-waypoint, the
//     caller's cluster runs the namespace's waypoint (same name), and its
//     allow-l7-to-<H(cluster/ns/name)> on the stub enforces the callee's
//     rules (from the inventory) for this cluster's callers; the callee
//     admits that waypoint's identity to its pods.
//
// Platform spec.mesh.multiCluster.mode: sidecar keeps the sidecar-era
// objects instead, per caller namespace and remote callee of an active
// edge: ServiceEntry xc-<H(cluster/ns/name)> (the callee's host, one
// endpoint: the callee cluster's east-west gateway, every port mapped to
// the gateway's AUTO_PASSTHROUGH port, subjectAltNames pinning the callee's
// identity) and DestinationRule xc-<H> (ISTIO_MUTUAL). Only sidecars use
// them: ztunnel ignores DestinationRule TLS and speaks HBONE.
//
// Nothing is derived for a one-sided declaration: no agreement, no route.

// LabelRemoteCluster names the cluster a cross-cluster route leads to.
const LabelRemoteCluster = "lattice.dev/remote-cluster"

type remoteKey struct {
	ns string
	to graph.Ref
}

// remoteCallees lists, per caller namespace and remote callee, the callers
// with an active edge to it (sorted: nodes are visited in ref order).
func remoteCallees(g *graph.Graph) (map[remoteKey][]string, []remoteKey) {
	callers := map[remoteKey][]string{}
	for _, n := range g.Nodes() {
		for _, e := range g.Callees(n.Ref) {
			if e.To.Cluster == "" {
				continue
			}
			k := remoteKey{n.Ref.Namespace, e.To}
			callers[k] = append(callers[k], n.Ref.String())
		}
	}
	keys := slices.SortedFunc(maps.Keys(callers), func(a, b remoteKey) int {
		return cmp.Or(cmp.Compare(a.ns, b.ns), a.to.Compare(b.to))
	})
	return callers, keys
}

// remoteName names the ServiceEntry and DestinationRule of a remote callee.
func remoteName(to graph.Ref) string { return "xc-" + Hash(to.Cluster, to.Namespace, to.Name) }

// remotePorts are the callee's TCP ports with Istio's protocol for each
// (from the port name, as Istio reads a Service's ports).
func remotePorts(n *graph.Node) []*networkingv1.ServicePort {
	var out []*networkingv1.ServicePort
	for _, p := range n.Remote.Ports {
		if p.Protocol == "UDP" {
			continue
		}
		out = append(out, &networkingv1.ServicePort{Number: uint32(p.Port), Name: p.Name, Protocol: istioProtocol(p.Name)})
	}
	return out
}

func istioProtocol(portName string) string {
	prefix, _, _ := strings.Cut(strings.ToLower(portName), "-")
	switch prefix {
	case "http", "http2", "https", "grpc", "tls", "tcp", "mongo":
		return strings.ToUpper(prefix)
	}
	return "TCP"
}

// remoteServices derives the caller's side of cross-cluster agreements.
func remoteServices(in SharedInput) []Derived {
	if in.Platform.Spec.Mesh.MultiCluster.Mode == v1alpha1.MultiClusterSidecar {
		return sidecarRoutes(in)
	}
	return stubs(in)
}

// sidecarRoutes derives the sidecar-era routes to remote callees.
func sidecarRoutes(in SharedInput) []Derived {
	g := in.Graph
	callers, keys := remoteCallees(g)
	var out []Derived
	for _, k := range keys {
		n, c := g.Node(k.to), g.Cluster(k.to.Cluster)
		if n == nil || c == nil || c.Gateway == nil {
			continue // the graph resolves only exported callees of gateway clusters
		}
		ports := remotePorts(n)
		if len(ports) == 0 {
			continue // checkRemote reported it
		}
		if !StubOwner(g, k.to, k.ns) {
			continue // another render of this cluster emits it (stub.go)
		}
		host := k.to.Name + "." + k.to.Namespace + ".svc.cluster.local"
		name := remoteName(k.to)
		meta := sharedMeta(name, k.ns)
		meta.Labels[LabelRemoteCluster] = k.to.Cluster

		se := &istionetworkingv1.ServiceEntry{
			ObjectMeta: meta,
		}
		se.Spec.Hosts = []string{host}
		se.Spec.Location = networkingv1.ServiceEntry_MESH_INTERNAL
		se.Spec.Ports = ports
		se.Spec.Resolution = networkingv1.ServiceEntry_DNS
		if net.ParseIP(c.Gateway.Address) != nil {
			se.Spec.Resolution = networkingv1.ServiceEntry_STATIC
		}
		ep := &networkingv1.WorkloadEntry{Address: c.Gateway.Address, Network: c.Network, Ports: map[string]uint32{}}
		for _, p := range ports {
			ep.Ports[p.Name] = uint32(c.Gateway.Port)
		}
		se.Spec.Endpoints = []*networkingv1.WorkloadEntry{ep}
		se.Spec.ExportTo = []string{"."}
		se.Spec.SubjectAltNames = []string{"spiffe://" + Principal(c.TrustDomain, k.to.Namespace, k.to.Name)}

		drMeta := sharedMeta(name, k.ns)
		drMeta.Labels[LabelRemoteCluster] = k.to.Cluster
		dr := &istionetworkingv1.DestinationRule{
			ObjectMeta: drMeta,
		}
		dr.Spec.Host = host
		dr.Spec.ExportTo = []string{"."}
		dr.Spec.TrafficPolicy = &networkingv1.TrafficPolicy{Tls: &networkingv1.ClientTLSSettings{Mode: networkingv1.ClientTLSSettings_ISTIO_MUTUAL}}

		src := callers[k]
		out = append(out,
			Derived{Object: se, Sources: src, Owner: RemoteOwner(k.to), Reason: "spec.workload.resources"},
			Derived{Object: dr, Sources: src, Owner: RemoteOwner(k.to), Reason: "spec.workload.resources"})
	}
	return out
}

// checkRemote reports remote callees no route can be derived for.
func checkRemote(in SharedInput) []Problem {
	g := in.Graph
	callers, keys := remoteCallees(g)
	var ps []Problem
	sidecar := in.Platform.Spec.Mesh.MultiCluster.Mode == v1alpha1.MultiClusterSidecar
	warned := map[string]bool{}
	for _, k := range keys {
		// The sidecar-era route needs the gateway's AUTO_PASSTHROUGH
		// listener; 15008 (the Fleet's default) is ambient's HBONE one.
		if c := g.Cluster(k.to.Cluster); sidecar && c != nil && c.Gateway != nil && c.Gateway.Port == hbonePort && !warned[c.Name] {
			warned[c.Name] = true
			ps = append(ps, Problem{Source: callers[k][0], Field: "spec.workload.resources", Warning: true,
				Message: fmt.Sprintf("Platform spec.mesh.multiCluster.mode is sidecar, which routes to the east-west gateway's AUTO_PASSTHROUGH listener, but the Fleet gives cluster %s's gateway port %d (ambient's HBONE port); set its eastWestGateway.port (usually 15443) and run `lattice fleet inventory`", c.Name, c.Gateway.Port)})
		}
		if n := g.Node(k.to); n != nil && len(remotePorts(n)) == 0 {
			for _, src := range callers[k] {
				ps = append(ps, Problem{Source: src, Field: "spec.workload.resources", Warning: true,
					Message: fmt.Sprintf("%s/%s on cluster %s has no TCP port, so no route to it is derived and the agreement carries no traffic; give it a TCP port (the mesh carries TCP only)", k.to.Namespace, k.to.Name, k.to.Cluster)})
			}
		}
	}
	return ps
}
