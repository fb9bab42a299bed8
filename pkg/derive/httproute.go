package derive

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// httpRule is one path of the ingress, resolved to a Service port number.
type httpRule struct {
	path string
	port int32
}

// httpRules resolves every path's port (a number or a name) to the Service
// port the route's backendRef must name. Validation has checked them; a miss
// here is reported rather than trusted.
func (e *edge) httpRules() ([]httpRule, bool) {
	ports := servicePorts(e.in.Service)
	var rules []httpRule
	for i, p := range e.ing.Paths {
		name, ok := v1alpha1.LookupPort(ports, p.Port)
		if !ok {
			e.errs = append(e.errs, field.Invalid(ingressPath.Child("paths").Index(i).Child("port"), p.Port.String(),
				"not a port of this service; use one of its workload.service.ports"))
			continue
		}
		rules = append(rules, httpRule{path: p.Path, port: ports[name].Port})
	}
	return rules, len(e.errs) == 0
}

// onlyPort is the Service port a passthrough route forwards to: validation
// allows passthrough only on a service with exactly one port.
func (e *edge) onlyPort() (int32, bool) {
	ports := servicePorts(e.in.Service)
	name, ok := v1alpha1.PassthroughPort(ports)
	if !ok {
		e.errs = append(e.errs, field.Forbidden(ingressPath.Child("tls"), "passthrough routes to the service's only port, or to the port named https or tls"))
		return 0, false
	}
	return ports[name].Port, true
}

func servicePorts(s *v1alpha1.LatticeService) map[string]v1alpha1.ServicePort {
	if s.Spec.Workload.Service == nil {
		return nil
	}
	return s.Spec.Workload.Service.Ports
}

// httpRoute is the seed's HTTPRoute: named after the service, in its
// namespace, one PathPrefix rule per path to the Service port.
//
// It has two parents. The first is the seed's: the platform Gateway,
// narrowed by sectionName to the Gateway's own HTTPS listener (Platform
// spec.gateway.sectionName). Without a sectionName a parentRef attaches to
// every listener that admits the route, so a plain-HTTP listener admitting
// routes from all namespaces would serve the hostname without TLS; with it
// the route attaches only where TLS is (checkGateway verifies the listener
// when the Gateway is in the input). That parent is also what every external-dns version
// follows to the Gateway's addresses. The second is this service's
// ListenerSet listener, which carries the hostname's certificate: by
// GEP-1713 a Gateway parentRef never reaches ListenerSet listeners, so
// without it SNI would select a listener the route is not attached to.
func (e *edge) httpRoute(rules []httpRule) *gwv1.HTTPRoute {
	s := e.in.Service
	r := &gwv1.HTTPRoute{
		ObjectMeta: e.serviceMeta(s.Name, WaveRoute),
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{
				{Name: gwv1.ObjectName(e.gw.Name), Namespace: ptr(gwv1.Namespace(e.gw.Namespace)), SectionName: ptr(gwv1.SectionName(e.gw.SectionName))},
				e.listenerParent(ListenerHTTPS),
			}},
			Hostnames: []gwv1.Hostname{gwv1.Hostname(e.ing.Hostname)},
		},
	}
	for _, rule := range rules {
		r.Spec.Rules = append(r.Spec.Rules, gwv1.HTTPRouteRule{
			Matches: []gwv1.HTTPRouteMatch{{Path: &gwv1.HTTPPathMatch{
				Type:  ptr(gwv1.PathMatchPathPrefix),
				Value: ptr(rule.path),
			}}},
			BackendRefs: []gwv1.HTTPBackendRef{{BackendRef: serviceBackend(s.Name, rule.port)}},
		})
	}
	return r
}

// listenerParent attaches a route to one listener of the service's
// ListenerSet.
func (e *edge) listenerParent(section string) gwv1.ParentReference {
	en := EdgeObjectNames(e.in.Service.Namespace, e.in.Service.Name)
	return gwv1.ParentReference{
		Group:       ptr(gwv1.Group(gwv1.GroupName)),
		Kind:        ptr(gwv1.Kind("ListenerSet")),
		Name:        gwv1.ObjectName(en.ListenerSet),
		Namespace:   ptr(gwv1.Namespace(e.gw.Namespace)),
		SectionName: ptr(gwv1.SectionName(section)),
	}
}

func serviceBackend(name string, port int32) gwv1.BackendRef {
	return gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{
		Name: gwv1.ObjectName(name),
		Port: ptr(gwv1.PortNumber(port)),
	}}
}
