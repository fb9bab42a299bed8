package derive

import (
	"cmp"
	"slices"

	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// inboundPolicies compiles the service's active inbound edges (and its
// ingress) into AuthorizationPolicies; see mesh.go for the model. Istio's
// serializer omits enum defaults, so these read without "action: ALLOW".
func inboundPolicies(in Input) []Derived {
	s := in.Service
	ports := targetPorts(s)
	h := Hash(s.Namespace, s.Name)
	if len(ports) == 0 {
		// A service without ports still runs pods that may listen, and a
		// workload no ALLOW policy selects admits everyone. So it gets the
		// same allow-to-<h> as a service nobody may call: an ALLOW policy
		// with a selector and no rules, which admits nothing. Istio documents
		// this form as "allow-nothing" (istio.io/api
		// security/v1beta1/authorization_policy.proto: "It allows nothing and
		// effectively denies all requests to the selected workloads"), and
		// for ztunnel istiod converts it to an ALLOW authorization with no
		// groups, which matches no connection (istio.io/istio
		// pilot/pkg/serviceregistry/ambient/authorization.go,
		// convertAuthorizationPolicy). `rules: [{}]` would be the opposite,
		// allow-all. No caller is admitted: there is no port to admit it on,
		// and a rule without ports would open every port.
		return []Derived{{Object: selectorPolicy(in.Meta("allow-to-"+h), in.selector()), Sources: in.sources(), Reason: "spec.workload.service"}}
	}
	td := in.Platform.Spec.Cluster.TrustDomain
	callers := in.Graph.Callers(in.Ref())

	var direct []string
	for _, e := range callers {
		if len(e.Rules) == 0 {
			direct = append(direct, callerPrincipal(in.Graph, td, e.From))
		}
	}
	slices.Sort(direct)

	var out []Derived
	add := func(obj Object, reason string) {
		out = append(out, Derived{Object: obj, Sources: in.sources(), Reason: reason})
	}
	var rules []*securityv1.Rule
	if len(direct) > 0 {
		rules = append(rules, allowRule(direct, ports))
	}
	if gwPorts := ingressPorts(s); len(gwPorts) > 0 {
		gw := in.Platform.Spec.Gateway
		rules = append(rules, allowRule([]string{Principal(td, gw.Namespace, gw.ServiceAccount)}, gwPorts))
	}
	// Emitted even without rules: an ALLOW policy that matches nothing makes
	// the pods deny every caller, so default-deny holds for this service
	// whether or not the platform installs the mesh-wide baseline.
	add(selectorPolicy(in.Meta("allow-to-"+h), in.selector(), rules...), "spec.workload.resources")
	if !l7(in.Graph, in.node()) {
		return out
	}

	wp := waypointName(s.Namespace)
	add(selectorPolicy(in.Meta("allow-wp-to-"+h), in.selector(),
		allowRule(waypointPrincipals(in, wp), ports)), "spec.workload.resources")
	add(targetPolicy(in.Meta("allow-l7-to-"+h), &typev1beta1.PolicyTargetReference{Kind: "Service", Name: s.Name}, l7Rules(in.Graph, td, callers)...),
		"spec.workload.resources")
	return out
}

// waypointPrincipals are the waypoints that may pass requests to the
// service's pods: its namespace's waypoint on this cluster and, in ambient
// multi-cluster, on every cluster with a caller (their waypoint has applied
// this service's L7 rules, and the east-west gateway then skips ours;
// remote.go), each in its own cluster's trust domain. With a shared trust
// domain these are one principal.
func waypointPrincipals(in Input, wp string) []string {
	td := in.Platform.Spec.Cluster.TrustDomain
	out := []string{Principal(td, in.Service.Namespace, wp)}
	if in.Platform.Spec.Mesh.MultiCluster.Mode == v1alpha1.MultiClusterAmbient {
		for _, e := range in.Graph.Callers(in.Ref()) {
			if e.From.Cluster != "" {
				out = append(out, Principal(cmp.Or(in.Graph.TrustDomain(e.From), td), in.Service.Namespace, wp))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// callerPrincipal is the caller's identity: its own cluster's trust domain
// for a caller on another cluster of the fleet (shared root: the same as
// ours; federated: its own), the Platform's for a caller of this render.
func callerPrincipal(g *graph.Graph, localTD string, caller graph.Ref) string {
	td := localTD
	if caller.Cluster != "" {
		if remote := g.TrustDomain(caller); remote != "" {
			td = remote
		}
	}
	sa := caller.Name
	if g.HasMembers() && caller.Cluster == "" {
		if n := g.Node(caller); n != nil {
			sa = n.ServiceAccount() // a MeshMember's own account
		}
	}
	return Principal(td, caller.Namespace, sa)
}

// allowRule admits principals on ports.
func allowRule(principals, ports []string) *securityv1.Rule {
	r := &securityv1.Rule{From: []*securityv1.Rule_From{{Source: &securityv1.Source{Principals: principals}}}}
	if len(ports) > 0 {
		r.To = []*securityv1.Rule_To{{Operation: &securityv1.Operation{Ports: ports}}}
	}
	return r
}

func authorizationPolicy(meta metav1.ObjectMeta) *istiosecurityv1.AuthorizationPolicy {
	return &istiosecurityv1.AuthorizationPolicy{
		ObjectMeta: meta,
	}
}

// selectorPolicy is enforced by ztunnel on the selected pods.
func selectorPolicy(meta metav1.ObjectMeta, labels map[string]string, rules ...*securityv1.Rule) *istiosecurityv1.AuthorizationPolicy {
	ap := authorizationPolicy(meta)
	ap.Spec.Selector = &typev1beta1.WorkloadSelector{MatchLabels: labels}
	ap.Spec.Action = securityv1.AuthorizationPolicy_ALLOW
	ap.Spec.Rules = rules
	return ap
}

// targetPolicy is enforced by the waypoint for traffic to ref (group ""
// is omitted by the serializer: the core group).
func targetPolicy(meta metav1.ObjectMeta, ref *typev1beta1.PolicyTargetReference, rules ...*securityv1.Rule) *istiosecurityv1.AuthorizationPolicy {
	ap := authorizationPolicy(meta)
	ap.Spec.TargetRefs = []*typev1beta1.PolicyTargetReference{ref}
	ap.Spec.Action = securityv1.AuthorizationPolicy_ALLOW
	ap.Spec.Rules = rules
	return ap
}

// sharedMeta is the metadata of an object that belongs to a namespace (or
// the cluster) rather than one service: it is named after itself, never
// after a service, so its labels cannot select a service's pods.
func sharedMeta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: Labels(name)}
}
