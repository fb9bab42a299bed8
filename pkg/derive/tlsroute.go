package derive

import (
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// tlsRoute forwards the hostname's TLS stream, selected by SNI, to the
// service's only port. Its one parent is the ListenerSet's passthrough
// listener: the Gateway's own listeners are HTTP and HTTPS, which a TLSRoute
// cannot attach to, and a parent that never accepts the route would keep it
// Degraded in Argo CD.
func (e *edge) tlsRoute(port int32) *gwv1.TLSRoute {
	s := e.in.Service
	return &gwv1.TLSRoute{
		ObjectMeta: e.serviceMeta(s.Name, WaveRoute),
		Spec: gwv1.TLSRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{e.listenerParent(ListenerTLS)}},
			Hostnames:       []gwv1.Hostname{gwv1.Hostname(e.ing.Hostname)},
			Rules:           []gwv1.TLSRouteRule{{BackendRefs: []gwv1.BackendRef{serviceBackend(s.Name, port)}}},
		},
	}
}
