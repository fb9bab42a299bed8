package derive

// The edge: what a service's ingress block asks of the platform Gateway.
//
// The platform team owns the GatewayClass and the Gateway (examples/platform);
// lattice derives, per service with an ingress:
//
//	terminate (default)                    passthrough
//	Certificate   <gw-ns>/<ns>-<svc>-tls   -
//	ListenerSet   <gw-ns>/<ns>-<svc>       ListenerSet <gw-ns>/<ns>-<svc>
//	              listener "https"                     listener "tls"
//	HTTPRoute     <ns>/<svc>               TLSRoute    <ns>/<svc>
//	RequestAuthentication + AuthorizationPolicy <gw-ns>/<ns>-<svc>-jwt (jwt only)
//
// Why a ListenerSet in the gateway namespace: the certificate must be bound
// to the Gateway without editing it per service. The Gateway accepts
// ListenerSets from its own namespace only (allowedListeners: Same), which
// only the platform's render writes to; so no application namespace can add
// a listener (a plain-HTTP one, or one for somebody else's hostname), the
// TLS Secret never leaves the gateway namespace, and no reference crosses a
// namespace except route → parent, which Gateway API governs through the
// listener's allowedRoutes (scoped to the owning namespace), not through a
// ReferenceGrant. So no ReferenceGrant is derived: none would be used.
//
// Every object in the gateway namespace carries its owner, the service's
// namespace and name (<ns>-<svc>), because services of every namespace and
// of every render share that namespace (docs/ownership.md). The seed's
// Certificate <svc>-tls is <ns>-<svc>-tls for that reason: two teams each
// running a service "api" would otherwise write one Certificate and read
// one Secret. checkEdge rejects the remaining ambiguity in one render
// (namespace a-b service c and namespace a service b-c); `lattice check
// --all` across renders.

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// Argo CD sync waves of edge objects. The Certificate (and the gateway's
// token check) must be in place before the hostname's listener and route go
// live, so a failing issuance stops the sync before the edge instead of
// exposing a hostname without its certificate. The Certificate shares wave
// 0 with the workload rather than preceding it: Argo CD applies no later
// wave while an earlier one is unhealthy, and a certificate problem should
// hold back the public edge, not the rollout of the service behind it.
const (
	WaveCertificate = "0"
	WaveEdgePolicy  = "0"
	WaveListener    = "1"
	WaveRoute       = "2"
)

// Listener names inside a service's ListenerSet; routes target them by
// sectionName.
const (
	ListenerHTTPS = "https"
	ListenerTLS   = "tls"
)

// EdgePort is the port of every derived listener: browsers and TLS clients
// reach both terminated and passthrough hostnames on 443.
const EdgePort = 443

// labelNamespaceName is set on every namespace by Kubernetes; listeners use
// it to accept routes from the owning namespace only.
const labelNamespaceName = "kubernetes.io/metadata.name"

var ingressPath = field.NewPath("spec", "ingress")

// Edge derives the objects a service's ingress block asks for.
func Edge(in Input) ([]Derived, field.ErrorList) {
	ing := in.Service.Spec.Ingress
	if ing == nil {
		return nil, nil
	}
	e := &edge{in: in, ing: ing, gw: in.Platform.Spec.Gateway}
	if ing.TLS == v1alpha1.TLSPassthrough {
		e.passthrough()
	} else {
		e.terminate()
	}
	return e.out, e.errs
}

type edge struct {
	in   Input
	ing  *v1alpha1.IngressSpec
	gw   v1alpha1.GatewaySpec
	out  []Derived
	errs field.ErrorList
}

func (e *edge) add(obj Object, reason string) {
	e.out = append(e.out, Derived{Object: obj, Sources: e.in.sources(), Reason: reason})
}

// terminate: the gateway holds a cert-manager certificate for the hostname
// and routes HTTP by path.
func (e *edge) terminate() {
	rules, ok := e.httpRules()
	if !ok {
		return
	}
	e.add(e.certificate(), "spec.ingress.hostname")
	e.add(e.listenerSet(ListenerHTTPS), "spec.ingress.hostname")
	e.add(e.httpRoute(rules), "spec.ingress.paths")
	if e.ing.JWT != nil {
		e.add(e.requestAuthentication(), "spec.ingress.jwt")
		e.add(e.jwtPolicy(), "spec.ingress.jwt")
	}
}

// passthrough: the gateway forwards the TLS stream by SNI; the service holds
// its own certificate, so there is none to issue.
func (e *edge) passthrough() {
	port, ok := e.onlyPort()
	if !ok {
		return
	}
	e.add(e.listenerSet(ListenerTLS), "spec.ingress.tls")
	e.add(e.tlsRoute(port), "spec.ingress.tls")
}

// gatewayMeta is the metadata of an object in the gateway namespace.
func (e *edge) gatewayMeta(name, wave string) metav1.ObjectMeta {
	m := e.in.Meta(name)
	m.Namespace = e.gw.Namespace
	m.Annotations = map[string]string{AnnotationWave: wave}
	return m
}

// serviceMeta is the metadata of an object in the service's namespace.
func (e *edge) serviceMeta(name, wave string) metav1.ObjectMeta {
	m := e.in.Meta(name)
	m.Annotations = map[string]string{AnnotationWave: wave}
	return m
}

// EdgeNames are the names of the objects a service's ingress puts in the
// gateway namespace, by kind.
type EdgeNames struct {
	Certificate, Secret, ListenerSet, JWT string
}

// EdgeObjectNames returns the gateway-namespace names for namespace/name.
func EdgeObjectNames(namespace, name string) EdgeNames {
	owner := namespace + "-" + name
	return EdgeNames{
		Certificate: owner + "-tls", // the seed's <svc>-tls, with its owner
		Secret:      owner + "-tls",
		ListenerSet: owner,
		JWT:         owner + "-jwt",
	}
}

func sharedEdge(in SharedInput) []Derived { return nil }

// checkEdge finds what no single service can see: two services claiming one
// hostname, and two services whose objects in the shared gateway namespace
// would have the same name.
func checkEdge(in SharedInput) []Problem {
	if in.Graph == nil {
		return nil
	}
	var out []Problem
	type claim struct {
		source string
		paths  []string
	}
	hosts := map[string]claim{}
	names := map[string]string{} // "Kind name" → source
	gwNS := in.Platform.Spec.Gateway.Namespace
	for _, n := range in.Graph.Nodes() {
		s := n.Service
		ing := s.Spec.Ingress
		if ing == nil {
			continue
		}
		src := n.Ref.String()
		paths := ingressPaths(ing)
		if first, ok := hosts[ing.Hostname]; ok {
			out = append(out, Problem{Source: src, Field: "spec.ingress.hostname", Message: hostConflict(ing.Hostname, first.source, src, first.paths, paths)})
		} else {
			hosts[ing.Hostname] = claim{src, paths}
		}
		en := EdgeObjectNames(s.Namespace, s.Name)
		kinds := []string{"ListenerSet " + en.ListenerSet}
		if ing.TLS != v1alpha1.TLSPassthrough {
			kinds = append(kinds, "Certificate "+en.Certificate)
		}
		if ing.JWT != nil {
			kinds = append(kinds, "RequestAuthentication "+en.JWT)
		}
		for _, k := range kinds {
			if first, ok := names[k]; ok {
				kind, name, _ := strings.Cut(k, " ")
				out = append(out, Problem{Source: src, Field: "metadata.name", Message: fmt.Sprintf(
					"%s and %s would both derive %s %s/%s in the shared gateway namespace; rename one of the services (edge objects there are named after the service)",
					first, src, kind, gwNS, name)})
				continue
			}
			names[k] = src
		}
	}
	return out
}

func ingressPaths(ing *v1alpha1.IngressSpec) []string {
	var p []string
	for _, x := range ing.Paths {
		p = append(p, x.Path)
	}
	return p
}

func hostConflict(host, first, second string, firstPaths, secondPaths []string) string {
	var both []string
	for _, p := range secondPaths {
		if slices.Contains(firstPaths, p) {
			both = append(both, p)
		}
	}
	what := "hostname " + host
	if len(both) > 0 {
		what += " and path " + strings.Join(both, ", ")
	}
	return fmt.Sprintf("%s and %s both claim %s; a hostname belongs to one service, which owns its certificate and gateway listener: pick another hostname, or serve these paths from %s",
		first, second, what, first)
}
