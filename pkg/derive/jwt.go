package derive

import (
	securityv1beta1 "istio.io/api/security/v1beta1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// JWT at the gateway: the gateway checks that a request to the hostname
// carries a valid token from the declared issuer, and nothing more. The
// application keeps authorization, so the token is forwarded to it.
//
// Both policies live in the gateway namespace and target the platform
// Gateway (Istio resolves targetRefs in the policy's own namespace).

// requestAuthentication validates tokens from the ingress's issuer at the
// Gateway. Istio has no per-host scope here: a RequestAuthentication on a
// Gateway validates bearer tokens on every hostname it serves, which
// docs/edge.md spells out. Requests without a token pass it; jwtPolicy
// rejects those for this hostname.
func (e *edge) requestAuthentication() *istiosecurityv1.RequestAuthentication {
	j := e.ing.JWT
	en := EdgeObjectNames(e.in.Service.Namespace, e.in.Service.Name)
	return &istiosecurityv1.RequestAuthentication{
		ObjectMeta: e.gatewayMeta(en.JWT, WaveEdgePolicy),
		Spec: securityv1beta1.RequestAuthentication{
			TargetRefs: e.gatewayTarget(),
			JwtRules: []*securityv1beta1.JWTRule{{
				Issuer:               j.Issuer,
				JwksUri:              j.JWKSURI,
				Audiences:            j.Audiences,
				ForwardOriginalToken: true,
			}},
		},
	}
}

// jwtPolicy denies, for this hostname only, every request without a valid
// token from this issuer, and (when audiences are set) every token for
// another audience: other services may trust the same issuer for their own
// audience, and Istio accepts a token that satisfies any rule on the
// Gateway. Hosts list the name with and without a port, since the Host
// header may carry one and Istio's hosts match is exact.
func (e *edge) jwtPolicy() *istiosecurityv1.AuthorizationPolicy {
	j := e.ing.JWT
	en := EdgeObjectNames(e.in.Service.Namespace, e.in.Service.Name)
	to := []*securityv1beta1.Rule_To{{Operation: &securityv1beta1.Operation{
		Hosts: []string{e.ing.Hostname, e.ing.Hostname + ":*"},
	}}}
	rules := []*securityv1beta1.Rule{{
		From: []*securityv1beta1.Rule_From{{Source: &securityv1beta1.Source{
			NotRequestPrincipals: []string{j.Issuer + "/*"},
		}}},
		To: to,
	}}
	if len(j.Audiences) > 0 {
		rules = append(rules, &securityv1beta1.Rule{
			To:   to,
			When: []*securityv1beta1.Condition{{Key: "request.auth.audiences", NotValues: j.Audiences}},
		})
	}
	return &istiosecurityv1.AuthorizationPolicy{
		ObjectMeta: e.gatewayMeta(en.JWT, WaveEdgePolicy),
		Spec: securityv1beta1.AuthorizationPolicy{
			TargetRefs: e.gatewayTarget(),
			Action:     securityv1beta1.AuthorizationPolicy_DENY,
			Rules:      rules,
		},
	}
}

func (e *edge) gatewayTarget() []*typev1beta1.PolicyTargetReference {
	return []*typev1beta1.PolicyTargetReference{{Group: gwv1.GroupName, Kind: "Gateway", Name: e.gw.Name}}
}
