package derive

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/par"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// The mesh is Istio ambient. Identity: every service runs as its own
// ServiceAccount, so its principal is <trustDomain>/ns/<ns>/sa/<name>.
// Enforcement points:
//
//   - ztunnel, on the callee's node, evaluates selector policies (L4: source
//     identity and port). allow-to-<h> lists the callers without L7 rules
//     and the platform gateway (ingress services only).
//   - the namespace waypoint evaluates policies attached to a Service or
//     ServiceEntry (L7: methods, paths). A Service with L7 callers is
//     labelled istio.io/use-waypoint; allow-l7-to-<h> on it lists every
//     caller (restricted ones with their rules), and allow-wp-to-<h> lets the
//     waypoint's identity through ztunnel to the pods. Restricted callers are
//     never listed at L4: ztunnel would admit them straight to a pod IP and
//     the L7 rules would be bypassed.
//
// Across clusters (ambient multi-network, remote.go) a remote caller arrives
// either directly (ztunnel sees its identity, in its own trust domain) or
// through its own cluster's waypoint of the same name, which has applied
// this service's L7 rules: allow-wp-to then lists that waypoint too.
//
// Nothing here widens access beyond the bilateral edges of the graph: every
// principal is built from validated DNS labels, never from a pattern.

// Labels Istio reads.
const (
	LabelDataplaneMode = "istio.io/dataplane-mode"
	DataplaneAmbient   = "ambient"
	LabelUseWaypoint   = "istio.io/use-waypoint"
	LabelWaypointFor   = "istio.io/waypoint-for"
	LabelGatewayName   = "gateway.networking.k8s.io/gateway-name"
	WaypointClass      = "istio-waypoint"
	// AnnotationWaypoint on a Namespace asks the render that holds it for
	// the namespace's waypoint even when none of its own services needs
	// one (services of other renders in the namespace do).
	AnnotationWaypoint = "lattice.dev/waypoint"
	hbonePort          = 15008
)

// Mesh derives the service's identity policy as a callee (the
// AuthorizationPolicies compiled from its bilateral agreements) and its
// egress grants.
func Mesh(in Input) ([]Derived, field.ErrorList) {
	out := inboundPolicies(in)
	out = append(out, egressObjects(in)...)
	return out, nil
}

// sharedMesh derives the cluster baseline and, per namespace this render
// owns, the waypoint and (when the platform manages them) the Namespace.
func sharedMesh(in SharedInput) []Derived {
	out := baseline(in)
	byNS := servicesByNamespace(in.Graph)
	nss := sorted.Keys(byNS)
	// A Namespace that asks for its waypoint may hold none of this
	// render's services.
	for ns := range in.Waypoints {
		if _, ok := byNS[ns]; !ok && in.Namespaces[ns] {
			nss = append(nss, ns)
		}
	}
	slices.Sort(nss)
	// Callers of remote callees bound to a waypoint use the waypoint of
	// the callee's namespace on this cluster (stub.go).
	remoteUsers := stubWaypointUsers(in)
	// Namespaces are independent: derived on every core, kept in order.
	per := make([][]Derived, len(nss))
	par.For(len(nss), func(i int) {
		ns, nodes := nss[i], byNS[nss[i]]
		d := namespace(in, ns, nodes)
		users := waypointUsers(in.Graph, nodes)
		if extra := remoteUsers[ns]; len(extra) > 0 {
			users = append(users, extra...)
			slices.Sort(users)
			users = slices.Compact(users)
		}
		if in.ownsNamespace(ns) && (in.Waypoints[ns] || len(users) > 0) {
			d = append(d, waypoint(ns, users)...)
		}
		per[i] = d
	})
	for _, d := range per {
		out = append(out, d...)
	}
	// Namespaces that hold only stubs of remote callees.
	stubNS := stubNamespaces(in)
	for _, ns := range sorted.Keys(stubNS) {
		if !in.Namespaces[ns] && in.Platform.Spec.Mesh.ManageNamespaces {
			obj := &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{LabelManagedBy: ManagedBy, LabelDataplaneMode: DataplaneAmbient}},
			}
			out = append(out, Derived{Object: obj, Sources: stubNS[ns], Owner: "Platform spec.mesh.manageNamespaces", Reason: "Platform spec.mesh.manageNamespaces"})
		}
		// The namespace's owner emits its waypoint (a Namespace asking for
		// one was handled with the others above).
		if users := remoteUsers[ns]; len(users) > 0 && in.ownsNamespace(ns) && !(in.Waypoints[ns] && in.Namespaces[ns]) {
			out = append(out, waypoint(ns, users)...)
		}
	}
	return out
}

// ownsNamespace reports whether this render owns the namespace's shared
// objects (its waypoint): it holds the Namespace, or emits it. A Namespace
// is applied by one render, so one render owns each namespace
// (docs/ownership.md); a namespace no render holds has no lattice waypoint.
func (in SharedInput) ownsNamespace(ns string) bool {
	return in.Namespaces[ns] || in.Platform.Spec.Mesh.ManageNamespaces
}

// waypointUsers are the services that need the namespace waypoint: those
// with callers restricted by L7 rules, and those with external endpoints.
func waypointUsers(g *graph.Graph, nodes []*graph.Node) []string {
	var users []string
	for _, n := range nodes {
		if l7(g, n) || len(egressOf(n.Service)) > 0 {
			users = append(users, n.Ref.String())
		}
	}
	return users
}

// checkMesh reports what would make the mesh output wrong or misleading:
// identities a service would share with infrastructure, namespaces lattice
// cannot enroll, ports the mesh does not carry, conflicting egress.
func checkMesh(in SharedInput) []Problem {
	gw := in.Platform.Spec.Gateway
	byNS := servicesByNamespace(in.Graph)
	nss := sorted.Keys(byNS)
	per := make([][]Problem, len(nss))
	par.For(len(nss), func(i int) {
		ns, nodes := nss[i], byNS[nss[i]]
		var ps []Problem
		for _, n := range nodes {
			s := n.Service
			switch {
			case s.Name == waypointName(ns):
				ps = append(ps, Problem{Source: n.Ref.String(), Field: "metadata.name",
					Message: fmt.Sprintf("%q is the identity of the namespace's waypoint proxy; a service running as it would be trusted as the waypoint and bypass every L7 rule; rename the service", s.Name)})
			case ns == gw.Namespace && s.Name == gw.ServiceAccount:
				ps = append(ps, Problem{Source: n.Ref.String(), Field: "metadata.name",
					Message: fmt.Sprintf("%s/%s is the identity of the platform gateway, which every service with an ingress accepts; rename the service", ns, s.Name)})
			}
			ps = append(ps, udpPorts(n)...)
			ps = append(ps, opaquePorts(in.Graph, n)...)
		}
		if !in.ownsNamespace(ns) {
			ps = append(ps, Problem{Source: nodes[0].Ref.String(), Field: "metadata.namespace", Warning: true,
				Message: fmt.Sprintf("namespace %s is not in this render, so lattice cannot label it %s: %s; until it is, its pods are outside the mesh and none of their policies are enforced. Add the Namespace, or set Platform spec.mesh.manageNamespaces: true", ns, LabelDataplaneMode, DataplaneAmbient)})
			if users := waypointUsers(in.Graph, nodes); len(users) > 0 {
				wp := waypointName(ns)
				ps = append(ps, Problem{Source: users[0], Field: "metadata.namespace", Warning: true,
					Message: fmt.Sprintf("%s needs the waypoint %s/%s (L7 rules or external endpoints), which only the render that holds Namespace %s emits: a namespace-level object has one owner (docs/ownership.md). In that render, annotate the Namespace %s: \"true\" if none of its services needs the waypoint; until it exists, callers restricted by L7 rules are denied and egress policies are not enforced",
						strings.Join(users, ", "), ns, wp, ns, AnnotationWaypoint)})
			}
		}
		per[i] = append(ps, egressConflicts(nodes)...)
	})
	var ps []Problem
	for _, p := range per {
		ps = append(ps, p...)
	}
	return ps
}

// udpPorts warns about UDP ports: ztunnel captures TCP only, so no
// AuthorizationPolicy reaches them.
func udpPorts(n *graph.Node) []Problem {
	var ps []Problem
	if svc := n.Service.Spec.Workload.Service; svc != nil {
		for _, name := range sorted.Keys(svc.Ports) {
			if svc.Ports[name].Protocol == "UDP" {
				ps = append(ps, Problem{Source: n.Ref.String(), Field: "spec.workload.service.ports[" + name + "].protocol", Warning: true,
					Message: "the ambient mesh carries TCP only, so no AuthorizationPolicy covers this UDP port and any pod can reach it; restrict it with a NetworkPolicy"})
			}
		}
	}
	for _, e := range egressOf(n.Service) {
		if e.protocol == "UDP" {
			ps = append(ps, Problem{Source: n.Ref.String(), Field: e.field, Warning: true,
				Message: "the ambient mesh carries TCP only, so the ServiceEntry and AuthorizationPolicy for this UDP endpoint are not enforced; restrict it with a NetworkPolicy"})
		}
	}
	return ps
}

// opaquePorts warns about ports the waypoint cannot read requests on while
// callers are restricted by methods or paths: Istio takes the protocol from
// the port name, and https/tls/tcp ports are opaque bytes to it, so an L7
// rule never matches there and those callers are denied on that port.
func opaquePorts(g *graph.Graph, n *graph.Node) []Problem {
	if !l7(g, n) {
		return nil
	}
	var ps []Problem
	readable := false
	ports := n.Service.Spec.Workload.Service.Ports
	for _, name := range sorted.Keys(ports) {
		proto, _, _ := strings.Cut(name, "-")
		if proto == "https" || proto == "tls" || proto == "tcp" || proto == "mongo" || proto == "mysql" || proto == "redis" {
			ps = append(ps, Problem{Source: n.Ref.String(), Field: "spec.workload.service.ports[" + name + "]", Warning: true,
				Message: fmt.Sprintf("Istio treats port %q as %s, not HTTP, so the waypoint cannot see methods or paths on it and callers restricted by rules are denied there; serve plain HTTP inside the mesh (ztunnel already encrypts it) under a port named http or grpc", name, strings.ToUpper(proto))})
			continue
		}
		readable = true
	}
	// A service that also serves plain HTTP to the mesh (and keeps, say, a
	// public TLS port for passthrough ingress) is set up as intended.
	if readable {
		return nil
	}
	return ps
}

func servicesByNamespace(g *graph.Graph) map[string][]*graph.Node {
	by := map[string][]*graph.Node{}
	for _, n := range g.Nodes() {
		by[n.Ref.Namespace] = append(by[n.Ref.Namespace], n)
	}
	return by
}

// waypointName is the namespace waypoint's Gateway, Deployment and
// ServiceAccount name (Istio names all three after the Gateway).
func waypointName(ns string) string { return DNSLabel(ns + "-waypoint") }

// l7 reports whether n's Service is routed through the namespace
// waypoint: some active caller is restricted by L7 rules, or n is exported
// and restricts some inbound declaration (then every cluster binds its
// copy of the Service alike, from the inventory's waypoint flag, which is
// what a remote node answers with).
func l7(g *graph.Graph, n *graph.Node) bool {
	if n.Remote != nil {
		return n.Remote.Waypoint
	}
	if len(targetPorts(n.Service)) == 0 {
		return false
	}
	for _, e := range g.Callers(n.Ref) {
		if len(e.Rules) > 0 {
			return true
		}
	}
	return g.Exported(n.Ref) && v1alpha1.RestrictsInbound(n.Service)
}

// useWaypoint is the istio.io/use-waypoint value for the service's Service,
// or "" when its callers need no L7 enforcement.
func useWaypoint(in Input) string {
	if n := in.Graph.Node(in.Ref()); n != nil && l7(in.Graph, n) {
		return waypointName(in.Service.Namespace)
	}
	return ""
}

// targetPorts are the container ports of the service as policy port
// strings, in port-name order (the reference's order), without repeats.
func targetPorts(s *v1alpha1.LatticeService) []string {
	if s.Spec.Workload.Service == nil {
		return nil
	}
	ports := s.Spec.Workload.Service.Ports
	var out []string
	for _, name := range sorted.Keys(ports) {
		if p := targetPort(ports[name]); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func targetPort(p v1alpha1.ServicePort) string {
	return strconv.Itoa(int(cmp.Or(deref(p.TargetPort), p.Port)))
}

// ingressPorts are the target ports the platform gateway routes to: the
// ports named by ingress paths, or the passthrough port.
func ingressPorts(s *v1alpha1.LatticeService) []string {
	in, svc := s.Spec.Ingress, s.Spec.Workload.Service
	if in == nil || svc == nil {
		return nil
	}
	var names []string
	for _, p := range in.Paths {
		if name, ok := v1alpha1.LookupPort(svc.Ports, p.Port); ok && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if in.TLS == v1alpha1.TLSPassthrough {
		if name, ok := v1alpha1.PassthroughPort(svc.Ports); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []string
	for _, name := range names {
		if p := targetPort(svc.Ports[name]); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
