package v1alpha1

import "k8s.io/apimachinery/pkg/util/intstr"

// Defaults live here and nowhere else, so the documentation of a field and
// the value the renderer uses cannot drift apart. Defaulting is pure and
// idempotent: Default(Default(x)) == Default(x).

const (
	DefaultClusterName      = "local"
	DefaultTrustDomain      = "cluster.local"
	DefaultGatewayName      = "platform-gateway"
	DefaultGatewayNamespace = "gateway-system"
	DefaultGatewaySection   = "https"
	DefaultIssuerName       = "letsencrypt-prod"
	DefaultIssuerKind       = "ClusterIssuer"
	DefaultRootNamespace    = "istio-system"
	// DefaultGlobalLabel is the label Istio's own multi-network setup and
	// the MeshConfig serviceScopeConfigs example select as global.
	DefaultGlobalLabel  = "istio.io/global"
	DefaultMetric       = "cpu"
	DefaultMetricTarget = 80
	StrategyRolling     = "rolling"
	StrategyCanary      = "canary"
)

// DefaultPlatform fills every unset Platform field.
func DefaultPlatform(p *Platform) {
	s := &p.Spec
	if s.Cluster.Name == "" {
		s.Cluster.Name = DefaultClusterName
	}
	if s.Cluster.TrustDomain == "" {
		s.Cluster.TrustDomain = DefaultTrustDomain
	}
	if s.Gateway.Name == "" {
		s.Gateway.Name = DefaultGatewayName
	}
	if s.Gateway.Namespace == "" {
		s.Gateway.Namespace = DefaultGatewayNamespace
	}
	if s.Gateway.ServiceAccount == "" {
		s.Gateway.ServiceAccount = s.Gateway.Name + "-istio"
	}
	if s.Gateway.SectionName == "" {
		s.Gateway.SectionName = DefaultGatewaySection
	}
	if s.Certificates.DefaultIssuer == nil {
		s.Certificates.DefaultIssuer = &IssuerRef{Name: DefaultIssuerName}
	}
	defaultIssuer(s.Certificates.DefaultIssuer)
	for i := range s.Certificates.Issuers {
		defaultIssuer(&s.Certificates.Issuers[i])
	}
	if s.Mesh.OneSided == "" {
		s.Mesh.OneSided = OneSidedWarn
	}
	if s.Mesh.RootNamespace == "" {
		s.Mesh.RootNamespace = DefaultRootNamespace
	}
	if s.Mesh.MultiCluster.Mode == "" {
		s.Mesh.MultiCluster.Mode = MultiClusterAmbient
	}
	if len(s.Mesh.MultiCluster.GlobalServiceSelector) == 0 {
		s.Mesh.MultiCluster.GlobalServiceSelector = map[string]string{DefaultGlobalLabel: "true"}
	}
	if s.Output.KeepSource == "" {
		s.Output.KeepSource = KeepSourceAuto
	}
	// s.Output.Validate stays false unless set: validating the output is
	// opt-in (docs/validate.md).
}

func defaultIssuer(r *IssuerRef) {
	if r.Kind == "" {
		r.Kind = DefaultIssuerKind
	}
}

// DefaultService fills every unset LatticeService field.
func DefaultService(s *LatticeService) {
	spec := &s.Spec
	if spec.Replicas == nil {
		one := int32(1)
		spec.Replicas = &one
	}
	if spec.Autoscaling != nil && len(spec.Autoscaling.Metrics) == 0 {
		spec.Autoscaling.Metrics = []AutoscalingMetric{{Metric: DefaultMetric, Target: DefaultMetricTarget}}
	}
	if spec.Deploy == nil {
		spec.Deploy = &DeploySpec{}
	}
	if spec.Deploy.Strategy == "" {
		spec.Deploy.Strategy = StrategyRolling
	}
	for k, r := range spec.Workload.Resources {
		if r.Type == "" {
			r.Type = ResourceService
		}
		if r.Direction == "" && (r.Type == ResourceService || r.Type == ResourceExternalService) {
			r.Direction = DirectionOutbound
		}
		spec.Workload.Resources[k] = r
	}
	if spec.Workload.Service != nil {
		for k, p := range spec.Workload.Service.Ports {
			if p.Protocol == "" {
				p.Protocol = "TCP"
			}
			spec.Workload.Service.Ports[k] = p
		}
	}
	if in := spec.Ingress; in != nil {
		if in.TLS == "" {
			in.TLS = TLSTerminate
		}
		if in.Issuer != nil {
			defaultIssuer(in.Issuer)
		}
		if len(in.Paths) == 0 && in.TLS == TLSTerminate {
			in.Paths = []IngressPath{{Path: "/"}}
		}
		// A service with exactly one port needs no port on its paths.
		if spec.Workload.Service != nil && len(spec.Workload.Service.Ports) == 1 {
			for _, p := range spec.Workload.Service.Ports {
				for i := range in.Paths {
					if in.Paths[i].Port.IntVal == 0 && in.Paths[i].Port.StrVal == "" {
						in.Paths[i].Port = intstr.FromInt32(p.Port)
					}
				}
			}
		}
	}
}
