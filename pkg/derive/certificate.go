package derive

import (
	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// certificate is the seed's Certificate, named <ns>-<svc>-tls in the
// gateway namespace (one owner per object in a shared namespace), where the Secret must be for the ListenerSet to use it without
// a ReferenceGrant, signed by the ingress's issuer or the Platform default.
// Validation has already rejected issuers the Platform does not declare: a
// Certificate naming an unknown issuer would stay pending forever.
func (e *edge) certificate() *cmv1.Certificate {
	en := EdgeObjectNames(e.in.Service.Namespace, e.in.Service.Name)
	issuer := e.issuer()
	return &cmv1.Certificate{
		ObjectMeta: e.gatewayMeta(en.Certificate, WaveCertificate),
		Spec: cmv1.CertificateSpec{
			SecretName: en.Secret,
			IssuerRef:  cmmeta.IssuerReference{Name: issuer.Name, Kind: issuer.Kind},
			DNSNames:   []string{e.ing.Hostname},
		},
	}
}

func (e *edge) issuer() v1alpha1.IssuerRef {
	if e.ing.Issuer != nil {
		return *e.ing.Issuer
	}
	return *e.in.Platform.Spec.Certificates.DefaultIssuer
}
