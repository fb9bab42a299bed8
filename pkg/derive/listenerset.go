package derive

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// listenerSet adds one listener for the service's hostname to the platform
// Gateway without editing it: HTTPS terminating with the hostname's
// certificate, or TLS passthrough. It lives in the gateway namespace (see
// edge.go) and accepts routes of one kind from the service's namespace only,
// so no other namespace can attach a route to this hostname.
func (e *edge) listenerSet(section string) *gwv1.ListenerSet {
	s := e.in.Service
	en := EdgeObjectNames(s.Namespace, s.Name)
	l := gwv1.ListenerEntry{
		Name:     gwv1.SectionName(section),
		Hostname: ptr(gwv1.Hostname(e.ing.Hostname)),
		Port:     EdgePort,
		AllowedRoutes: &gwv1.AllowedRoutes{
			Namespaces: &gwv1.RouteNamespaces{
				From:     ptr(gwv1.NamespacesFromSelector),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: s.Namespace}},
			},
		},
	}
	if section == ListenerTLS {
		l.Protocol = gwv1.TLSProtocolType
		l.TLS = &gwv1.ListenerTLSConfig{Mode: ptr(gwv1.TLSModePassthrough)}
		l.AllowedRoutes.Kinds = []gwv1.RouteGroupKind{{Group: ptr(gwv1.Group(gwv1.GroupName)), Kind: "TLSRoute"}}
	} else {
		l.Protocol = gwv1.HTTPSProtocolType
		l.TLS = &gwv1.ListenerTLSConfig{
			Mode:            ptr(gwv1.TLSModeTerminate),
			CertificateRefs: []gwv1.SecretObjectReference{{Kind: ptr(gwv1.Kind("Secret")), Name: gwv1.ObjectName(en.Secret)}},
		}
		l.AllowedRoutes.Kinds = []gwv1.RouteGroupKind{{Group: ptr(gwv1.Group(gwv1.GroupName)), Kind: "HTTPRoute"}}
	}
	return &gwv1.ListenerSet{
		ObjectMeta: e.gatewayMeta(en.ListenerSet, WaveListener),
		Spec: gwv1.ListenerSetSpec{
			ParentRef: gwv1.ParentGatewayReference{
				Group: ptr(gwv1.Group(gwv1.GroupName)),
				Kind:  ptr(gwv1.Kind("Gateway")),
				Name:  gwv1.ObjectName(e.gw.Name),
			},
			Listeners: []gwv1.ListenerEntry{l},
		},
	}
}
