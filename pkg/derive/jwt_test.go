package derive

import (
	"testing"

	securityv1beta1 "istio.io/api/security/v1beta1"
	typev1beta1 "istio.io/api/type/v1beta1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestJWT(t *testing.T) {
	meta := metav1.ObjectMeta{Name: "shop-web-jwt", Namespace: "gateway-system", Labels: Labels("web"),
		Annotations: map[string]string{AnnotationWave: WaveEdgePolicy}}
	target := []*typev1beta1.PolicyTargetReference{{Group: "gateway.networking.k8s.io", Kind: "Gateway", Name: "platform-gateway"}}
	to := []*securityv1beta1.Rule_To{{Operation: &securityv1beta1.Operation{Hosts: []string{"web.example.com", "web.example.com:*"}}}}
	ra := func(aud ...string) *istiosecurityv1.RequestAuthentication {
		return &istiosecurityv1.RequestAuthentication{
			TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "RequestAuthentication"},
			ObjectMeta: meta,
			Spec: securityv1beta1.RequestAuthentication{TargetRefs: target, JwtRules: []*securityv1beta1.JWTRule{{
				Issuer: "https://id.example.com", JwksUri: "https://id.example.com/jwks", Audiences: aud, ForwardOriginalToken: true,
			}}},
		}
	}
	ap := func(rules ...*securityv1beta1.Rule) *istiosecurityv1.AuthorizationPolicy {
		return &istiosecurityv1.AuthorizationPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
			ObjectMeta: meta,
			Spec:       securityv1beta1.AuthorizationPolicy{TargetRefs: target, Action: securityv1beta1.AuthorizationPolicy_DENY, Rules: rules},
		}
	}
	noToken := &securityv1beta1.Rule{
		From: []*securityv1beta1.Rule_From{{Source: &securityv1beta1.Source{NotRequestPrincipals: []string{"https://id.example.com/*"}}}},
		To:   to,
	}
	cases := map[string]struct {
		reason string
		jwt    *v1alpha1.JWTSpec
		wantRA *istiosecurityv1.RequestAuthentication
		wantAP *istiosecurityv1.AuthorizationPolicy
	}{
		"issuer": {
			reason: "the Gateway validates the issuer's tokens (forwarded to the app) and denies requests for this hostname without one",
			jwt:    &v1alpha1.JWTSpec{Issuer: "https://id.example.com", JWKSURI: "https://id.example.com/jwks"},
			wantRA: ra(), wantAP: ap(noToken),
		},
		"audiences": {
			reason: "with audiences, a second DENY rule refuses tokens for any other audience (another service may trust the same issuer)",
			jwt:    &v1alpha1.JWTSpec{Issuer: "https://id.example.com", JWKSURI: "https://id.example.com/jwks", Audiences: []string{"shop"}},
			wantRA: ra("shop"),
			wantAP: ap(noToken, &securityv1beta1.Rule{To: to, When: []*securityv1beta1.Condition{{Key: "request.auth.audiences", NotValues: []string{"shop"}}}}),
		},
		"no jwt": {
			reason: "without spec.ingress.jwt the gateway checks no token",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/web", withPorts(map[string]int32{"http": 8080}), withIngress(v1alpha1.IngressSpec{Hostname: "web.example.com", JWT: tc.jwt}))
			out, errs := Edge(input(t, nil, "shop/web", s))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if d := diff(tc.wantRA, one[*istiosecurityv1.RequestAuthentication](t, out)); d != "" {
				t.Errorf("%s\nRequestAuthentication (-want +got):\n%s", tc.reason, d)
			}
			if d := diff(tc.wantAP, one[*istiosecurityv1.AuthorizationPolicy](t, out)); d != "" {
				t.Errorf("%s\nAuthorizationPolicy (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
