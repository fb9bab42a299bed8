package derive

import (
	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// baseline is the cluster's default-deny (reference §2.16), emitted when
// the platform asks for it, with or without services: one render per
// cluster owns it (the platform team's; docs/ownership.md), and its
// annotation names the Platform field, not the services it protects. without it, a service no policy
// selects accepts every caller. In Istio's root namespace:
//
//   - PeerAuthentication default: STRICT mTLS, so no plaintext caller
//     reaches a meshed pod without an identity;
//   - AuthorizationPolicy mesh-default-deny: an ALLOW policy without rules
//     on every workload, so only what an allow-to policy lists gets in;
//   - AuthorizationPolicy waypoint-default-deny: the same on every waypoint,
//     so a Service or ServiceEntry routed through a waypoint without an
//     allow-l7-to or allow-fqdn policy is closed, not open.
func baseline(in SharedInput) []Derived {
	if !in.Platform.Spec.Mesh.Baseline {
		return nil
	}
	var sources []string
	for _, n := range in.Graph.Nodes() {
		sources = append(sources, n.Ref.String())
	}
	root := in.Platform.Spec.Mesh.RootNamespace
	pa := &istiosecurityv1.PeerAuthentication{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "PeerAuthentication"},
		ObjectMeta: sharedMeta("default", root),
	}
	pa.Spec.Mtls = &securityv1.PeerAuthentication_MutualTLS{Mode: securityv1.PeerAuthentication_MutualTLS_STRICT}
	meshDeny := authorizationPolicy(sharedMeta("mesh-default-deny", root))
	waypointDeny := authorizationPolicy(sharedMeta("waypoint-default-deny", root))
	waypointDeny.Spec.TargetRefs = []*typev1beta1.PolicyTargetReference{{Group: "gateway.networking.k8s.io", Kind: "GatewayClass", Name: WaypointClass}}
	var out []Derived
	for _, obj := range []Object{pa, meshDeny, waypointDeny} {
		out = append(out, Derived{Object: obj, Sources: sources, Owner: "Platform spec.mesh.baseline", Reason: "Platform spec.mesh.baseline"})
	}
	return out
}
