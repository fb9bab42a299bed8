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

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// External egress (reference §2.13.4) is unilateral: the outside cannot
// consent, so declaring the endpoint is the agreement. Per namespace and
// host one ServiceEntry se-auto-<H(ns/host)> routes the host through the
// namespace waypoint; per service and host allow-fqdn-<H(ns/name/host)>
// admits the declaring service only, on its declared ports. Differences
// from the reference: wildcard hosts resolve NONE (Istio rejects DNS
// resolution for them), IP hosts carry the address so traffic to the IP
// matches the entry, and entries are exported to their own namespace only,
// so one namespace's entry cannot route (or block) another's traffic.

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

func seName(ns, host string) string { return "se-auto-" + Hash(ns, host) }

// egressPolicies admits the service to each host it declares.
func egressPolicies(in Input) []Derived {
	s := in.Service
	ports := map[string][]string{}
	for _, e := range egressOf(s) {
		if p := strconv.Itoa(int(e.port)); !slices.Contains(ports[e.host], p) {
			ports[e.host] = append(ports[e.host], p)
		}
	}
	me := Principal(in.Platform.Spec.Cluster.TrustDomain, s.Namespace, s.Name)
	var out []Derived
	for _, host := range sorted.Keys(ports) {
		ref := &typev1beta1.PolicyTargetReference{Group: "networking.istio.io", Kind: "ServiceEntry", Name: seName(s.Namespace, host)}
		ap := targetPolicy(in.Meta("allow-fqdn-"+Hash(s.Namespace, s.Name, host)), ref, allowRule([]string{me}, ports[host]))
		out = append(out, Derived{Object: ap, Sources: in.sources(), Reason: "spec.workload.resources"})
	}
	return out
}

// serviceEntries emits one entry per host the namespace's services declare,
// with the union of their ports.
func serviceEntries(ns string, nodes []*graph.Node) []Derived {
	type entry struct {
		ports   map[int32]string
		sources []string
	}
	hosts := map[string]*entry{}
	for _, n := range nodes {
		for _, e := range egressOf(n.Service) {
			en := hosts[e.host]
			if en == nil {
				en = &entry{ports: map[int32]string{}}
				hosts[e.host] = en
			}
			if _, ok := en.ports[e.port]; !ok {
				en.ports[e.port] = e.protocol // a conflict is an error from egressConflicts
			}
			if src := n.Ref.String(); !slices.Contains(en.sources, src) {
				en.sources = append(en.sources, src)
			}
		}
	}
	var out []Derived
	for _, host := range sorted.Keys(hosts) {
		en := hosts[host]
		meta := sharedMeta(seName(ns, host), ns)
		meta.Labels[LabelUseWaypoint] = waypointName(ns)
		se := &istionetworkingv1.ServiceEntry{
			ObjectMeta: meta,
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
		for _, port := range sorted.Keys(en.ports) {
			proto := en.ports[port]
			spec.Ports = append(spec.Ports, &networkingv1.ServicePort{Number: uint32(port), Protocol: proto, Name: strings.ToLower(proto) + "-" + strconv.Itoa(int(port))})
		}
		out = append(out, Derived{Object: se, Sources: en.sources, Reason: "spec.workload.resources"})
	}
	return out
}

// egressConflicts: one ServiceEntry port has one protocol, so two services
// of a namespace must agree on how they speak to host:port.
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
					Message: fmt.Sprintf("%s is declared as %s here but as %s by %s %s; the namespace's ServiceEntry has one protocol per port, so use the same scheme", k, e.protocol, f.protocol, f.source, f.field)})
			}
		}
	}
	return ps
}
