package derive

import (
	"strconv"

	securityv1 "istio.io/api/security/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// waypoint is the namespace's L7 proxy, shared by users (services with L7
// callers or external endpoints), emitted by the render that owns the
// namespace (ownsNamespace), and the policy that lets callers reach it:
// HBONE on 15008 from any identity, because the waypoint itself enforces
// who may go further (allow-l7-to, allow-fqdn, waypoint-default-deny).
// An L7 rule is never emitted without it (seed exercise 15.1: without a
// waypoint, L7 policies are silently not evaluated).
func waypoint(ns string, users []string) []Derived {
	name := waypointName(ns)
	meta := sharedMeta(name, ns)
	meta.Labels[LabelWaypointFor] = "service"
	gw := &gwv1.Gateway{
		ObjectMeta: meta,
		Spec: gwv1.GatewaySpec{
			GatewayClassName: WaypointClass,
			Listeners:        []gwv1.Listener{{Name: "mesh", Port: hbonePort, Protocol: "HBONE"}},
		},
	}
	allow := selectorPolicy(sharedMeta("allow-to-waypoint", ns), map[string]string{LabelGatewayName: name},
		&securityv1.Rule{To: []*securityv1.Rule_To{{Operation: &securityv1.Operation{Ports: []string{strconv.Itoa(hbonePort)}}}}})
	return []Derived{
		{Object: gw, Sources: users, Owner: NamespaceOwner(ns), Reason: "spec.workload.resources"},
		{Object: allow, Sources: users, Owner: NamespaceOwner(ns), Reason: "spec.workload.resources"},
	}
}
