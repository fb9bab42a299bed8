package derive

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// External egress (reference §2.13.4) is unilateral: the outside cannot
// consent, so declaring the endpoint is the agreement. Per service and host
// one ServiceEntry <svc>-egress-<H(ns/svc/host)> routes the host through
// the namespace waypoint, and allow-fqdn-<H(ns/svc/host)> admits the
// declaring service only, on its declared ports.
//
// Per service, not per namespace (the reference's se-auto-<H(ns/host)>
// merged every service's ports): a namespace is shared by several renders,
// and an entry merging their ports would be emitted by each of them with
// different content (docs/ownership.md). Istio merges entries of one
// namespace that name the same host when their exportTo, labels and
// resolution agree, so entries of one host carry identical labels (no
// per-service name label) and resolution follows from the host alone;
// egressConflicts (one render) and `lattice check --all` (every render)
// reject two protocols on one host and port.
//
// Differences from the reference: wildcard hosts resolve NONE (Istio
// rejects DNS resolution for them), IP hosts carry the address so traffic
// to the IP matches the entry, and entries are exported to their own
// namespace only, so one namespace's entry cannot route (or block)
// another's traffic.

// egress is one declared external endpoint.
type egress struct {
	host     string // DNS name, *.wildcard or IP, as declared
	port     int32
	protocol string // ServiceEntry port protocol: HTTPS, HTTP, TCP or UDP
	key      string // resource key
	field    string // spec path of the endpoint
}

// egressOf lists the service's external endpoints sorted by host and port.
func egressOf(s *v1alpha1.LatticeService) []egress {
	var out []egress
	res := s.Spec.Workload.Resources
	// Most services have no external service; skip sorting their keys.
	external := false
	for _, r := range res {
		external = external || r.Type == v1alpha1.ResourceExternalService
	}
	if !external {
		return nil
	}
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceExternalService || r.Params == nil {
			continue
		}
		for _, name := range sorted.Keys(r.Params.Endpoints) {
			ep, err := v1alpha1.ParseEndpoint(r.Params.Endpoints[name])
			if err != nil {
				continue // validation reported it
			}
			out = append(out, egress{host: ep.Host, port: ep.Port, protocol: seProtocol(ep), key: key,
				field: "spec.workload.resources[" + key + "].params.endpoints[" + name + "]"})
		}
	}
	slices.SortStableFunc(out, func(a, b egress) int { return cmp.Or(cmp.Compare(a.host, b.host), cmp.Compare(a.port, b.port)) })
	return out
}

func seProtocol(ep v1alpha1.Endpoint) string {
	switch ep.Scheme {
	case "https":
		return "HTTPS"
	case "http":
		return "HTTP"
	case "udp":
		return "UDP"
	}
	return "TCP"
}

// seName names the service's ServiceEntry for host.
func seName(ns, svc, host string) string { return DNSLabel(svc + "-egress-" + Hash(ns, svc, host)) }

// egressObjects emits, per host the service declares, its ServiceEntry and
// the policy that admits the service to it.
func egressObjects(in Input) []Derived {
	s := in.Service
	eps := egressOf(s)
	if len(eps) == 0 {
		return nil
	}
	type entry struct {
		ports []int32
		proto map[int32]string
	}
	hosts := map[string]*entry{}
	for _, e := range eps {
		en := hosts[e.host]
		if en == nil {
			en = &entry{proto: map[int32]string{}}
			hosts[e.host] = en
		}
		if _, ok := en.proto[e.port]; !ok {
			en.ports = append(en.ports, e.port) // sorted: egressOf sorts by host and port
			en.proto[e.port] = e.protocol       // a conflict is an error from egressConflicts
		}
	}
	me := Principal(in.Platform.Spec.Cluster.TrustDomain, s.Namespace, s.Name)
	var out []Derived
	for _, host := range sorted.Keys(hosts) {
		en := hosts[host]
		name := seName(s.Namespace, s.Name, host)
		out = append(out, Derived{Object: serviceEntry(name, s.Namespace, host, en.ports, en.proto), Sources: in.sources(), Reason: "spec.workload.resources"})
		var ports []string
		for _, p := range en.ports {
			ports = append(ports, strconv.Itoa(int(p)))
		}
		ref := &typev1beta1.PolicyTargetReference{Group: "networking.istio.io", Kind: "ServiceEntry", Name: name}
		ap := targetPolicy(in.Meta("allow-fqdn-"+Hash(s.Namespace, s.Name, host)), ref, allowRule([]string{me}, ports))
		out = append(out, Derived{Object: ap, Sources: in.sources(), Reason: "spec.workload.resources"})
	}
	return out
}

// serviceEntry routes host through the namespace waypoint. Its labels are
// the same for every service declaring host (see above).
func serviceEntry(name, ns, host string, ports []int32, proto map[int32]string) *istionetworkingv1.ServiceEntry {
	se := &istionetworkingv1.ServiceEntry{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Labels: map[string]string{LabelManagedBy: ManagedBy, LabelUseWaypoint: waypointName(ns)}},
	}
	spec := &se.Spec
	spec.Hosts = []string{host}
	spec.ExportTo = []string{"."}
	spec.Location = networkingv1.ServiceEntry_MESH_EXTERNAL
	switch {
	case net.ParseIP(host) != nil:
		spec.Hosts = []string{"ip-" + strings.NewReplacer(".", "-", ":", "-").Replace(host) + ".svc.external"}
		spec.Addresses = []string{host}
		spec.Endpoints = []*networkingv1.WorkloadEntry{{Address: host}}
		spec.Resolution = networkingv1.ServiceEntry_STATIC
	case strings.HasPrefix(host, "*."):
		spec.Resolution = networkingv1.ServiceEntry_NONE
	default:
		spec.Resolution = networkingv1.ServiceEntry_DNS
	}
	for _, port := range ports {
		p := proto[port]
		spec.Ports = append(spec.Ports, &networkingv1.ServicePort{Number: uint32(port), Protocol: p, Name: strings.ToLower(p) + "-" + strconv.Itoa(int(port))})
	}
	return se
}

// egressConflicts: Istio merges the entries of one host in a namespace,
// and a merged port has one protocol, so two services of a namespace must
// agree on how they speak to host:port.
func egressConflicts(nodes []*graph.Node) []Problem {
	type first struct {
		protocol, source, field string
	}
	seen := map[string]first{}
	var ps []Problem
	for _, n := range nodes {
		for _, e := range egressOf(n.Service) {
			k := net.JoinHostPort(e.host, strconv.Itoa(int(e.port)))
			f, ok := seen[k]
			if !ok {
				seen[k] = first{e.protocol, n.Ref.String(), e.field}
				continue
			}
			if f.protocol != e.protocol {
				ps = append(ps, Problem{Source: n.Ref.String(), Field: e.field,
					Message: fmt.Sprintf("%s is declared as %s here but as %s by %s %s; Istio merges the namespace's ServiceEntries for one host and a port has one protocol, so use the same scheme", k, e.protocol, f.protocol, f.source, f.field)})
			}
		}
	}
	return ps
}
