package derive

import (
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestCertificate(t *testing.T) {
	cert := func(ns, issuer, kind string) *cmv1.Certificate {
		return &cmv1.Certificate{
			TypeMeta: metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "Certificate"},
			ObjectMeta: metav1.ObjectMeta{Name: "shop-web-tls", Namespace: ns, Labels: Labels("web"),
				Annotations: map[string]string{AnnotationWave: WaveCertificate}},
			Spec: cmv1.CertificateSpec{
				SecretName: "shop-web-tls",
				IssuerRef:  cmmeta.IssuerReference{Name: issuer, Kind: kind},
				DNSNames:   []string{"web.example.com"},
			},
		}
	}
	ingress := v1alpha1.IngressSpec{Hostname: "web.example.com"}
	cases := map[string]struct {
		reason   string
		platform func(*v1alpha1.PlatformSpec)
		ingress  v1alpha1.IngressSpec
		want     *cmv1.Certificate
	}{
		"default issuer": {
			reason:  "<ns>-<svc>-tls in the gateway namespace (where the ListenerSet can use its Secret), for the hostname, from the Platform's default issuer",
			ingress: ingress,
			want:    cert("gateway-system", "letsencrypt-prod", "ClusterIssuer"),
		},
		"ingress issuer": {
			reason:  "the ingress's own issuer wins over the Platform default",
			ingress: v1alpha1.IngressSpec{Hostname: "web.example.com", Issuer: &v1alpha1.IssuerRef{Name: "internal", Kind: "Issuer"}},
			want:    cert("gateway-system", "internal", "Issuer"),
		},
		"platform default and gateway namespace": {
			reason: "the Platform's defaultIssuer and gateway namespace are used",
			platform: func(s *v1alpha1.PlatformSpec) {
				s.Certificates.DefaultIssuer = &v1alpha1.IssuerRef{Name: "corp-ca"}
				s.Gateway.Namespace = "edge"
			},
			ingress: ingress,
			want:    cert("edge", "corp-ca", "ClusterIssuer"),
		},
		"passthrough": {
			reason:  "a passthrough hostname's certificate is the service's own: none is issued",
			ingress: v1alpha1.IngressSpec{Hostname: "web.example.com", TLS: v1alpha1.TLSPassthrough},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/web", withPorts(map[string]int32{"https": 8443}), withIngress(tc.ingress))
			out, errs := Edge(input(t, meshPlatform(tc.platform), "shop/web", s))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if d := diff(tc.want, one[*cmv1.Certificate](t, out)); d != "" {
				t.Errorf("%s\nCertificate (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}
