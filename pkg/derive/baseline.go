package derive

import (
	"strconv"

	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// baseline is the cluster's default-deny (reference §2.16), emitted when
// the platform asks for it, with or without services: one render per
// cluster owns it (the platform team's; docs/ownership.md), and its
// annotation names the Platform field, not the services it protects.
// Without it, a service no policy selects accepts every caller. In Istio's root namespace:
//
//   - PeerAuthentication default: STRICT mTLS, so no plaintext caller
//     reaches a meshed pod without an identity;
//   - AuthorizationPolicy mesh-default-deny: an ALLOW policy without rules
//     on every workload, so only what an allow-to policy lists gets in;
//   - AuthorizationPolicy waypoint-default-deny: the same on every waypoint,
//     so a Service or ServiceEntry routed through a waypoint without an
//     allow-l7-to or allow-fqdn policy is closed, not open.
//
// The east-west gateway of a cluster other clusters call: in ambient mode
// (a Gateway of class istio-east-west, an Istio proxy of type waypoint,
// its pods labelled istio.io/dataplane-mode: none) neither policy attaches
// to it (Istio attaches root-namespace policies to
// a Gateway API proxy only by targetRef, and a GatewayClass targetRef only
// for istio-waypoint), and it forwards the inner HBONE tunnel unopened, so
// the callee's ztunnel or waypoint sees the caller's identity: nothing to
// admit. In sidecar mode the classic gateway (istio: eastwestgateway) is
// selected by mesh-default-deny and cannot see the peer identity through
// AUTO_PASSTHROUGH, so allow-eastwest-gateway admits its port.
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
		ObjectMeta: sharedMeta("default", root),
	}
	pa.Spec.Mtls = &securityv1.PeerAuthentication_MutualTLS{Mode: securityv1.PeerAuthentication_MutualTLS_STRICT}
	meshDeny := authorizationPolicy(sharedMeta("mesh-default-deny", root))
	waypointDeny := authorizationPolicy(sharedMeta("waypoint-default-deny", root))
	waypointDeny.Spec.TargetRefs = []*typev1beta1.PolicyTargetReference{{Group: "gateway.networking.k8s.io", Kind: "GatewayClass", Name: WaypointClass}}
	objs := []Object{pa, meshDeny, waypointDeny}
	if gw := eastWestAdmission(in); gw != nil {
		objs = append(objs, gw)
	}
	var out []Derived
	for _, obj := range objs {
		out = append(out, Derived{Object: obj, Sources: sources, Owner: "Platform spec.mesh.baseline", Reason: "Platform spec.mesh.baseline"})
	}
	return out
}

// LabelEastWestGateway selects the classic (sidecar-era) east-west
// gateway's pods (samples/multicluster/gen-eastwest-gateway.sh).
const LabelEastWestGateway = "istio"

// eastWestAdmission admits the classic east-west gateway's AUTO_PASSTHROUGH
// port in sidecar mode, when another cluster calls this one.
func eastWestAdmission(in SharedInput) Object {
	c := in.Graph.Cluster("")
	if in.Platform.Spec.Mesh.MultiCluster.Mode != v1alpha1.MultiClusterSidecar || c == nil || c.Gateway == nil {
		return nil
	}
	for _, n := range in.Graph.Nodes() {
		for _, e := range in.Graph.Callers(n.Ref) {
			if e.From.Cluster != "" {
				// Passthrough: the gateway sees no peer identity, only the port.
				return selectorPolicy(sharedMeta("allow-eastwest-gateway", in.Platform.Spec.Mesh.RootNamespace),
					map[string]string{LabelEastWestGateway: "eastwestgateway"},
					&securityv1.Rule{To: []*securityv1.Rule_To{{Operation: &securityv1.Operation{Ports: []string{strconv.Itoa(int(c.Gateway.Port))}}}}})
			}
		}
	}
	return nil
}
