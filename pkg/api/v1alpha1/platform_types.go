package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Platform is the functionConfig: what the platform team decides once for
// every service rendered in a package. Every field has a default, so a
// missing functionConfig is a valid Platform.
//
// The API server refuses to store one (a validation rule that always
// fails): the CRD is for kubectl explain and editors; apply what lattice
// renders instead.
//
// +kubebuilder:object:root=true
// +kubebuilder:validation:XValidation:rule="false",message="render with lattice: a Platform configures lattice (its functionConfig), never a cluster object; apply the output of kustomize build --enable-alpha-plugins --enable-exec (or lattice render). This CRD is installed for kubectl explain only"
type Platform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec PlatformSpec `json:"spec,omitempty"`
}

// PlatformSpec groups the platform's decisions.
type PlatformSpec struct {
	// +optional
	Cluster ClusterSpec `json:"cluster,omitempty"`
	// +optional
	Gateway GatewaySpec `json:"gateway,omitempty"`
	// +optional
	Certificates CertificatesSpec `json:"certificates,omitempty"`
	// +optional
	DNS DNSSpec `json:"dns,omitempty"`
	// +optional
	Images ImagePolicy `json:"images,omitempty"`
	// +optional
	Mesh MeshPolicy `json:"mesh,omitempty"`
	// +optional
	Security SecurityPolicy `json:"security,omitempty"`
	// +optional
	Output OutputSpec `json:"output,omitempty"`
}

// ClusterSpec identifies the cluster being rendered for.
type ClusterSpec struct {
	// Name is used in ${cluster.name} and in multi-cluster fleets.
	// Defaults to "local".
	// +optional
	Name string `json:"name,omitempty"`
	// TrustDomain is the SPIFFE trust domain of mesh identities.
	// Defaults to "cluster.local".
	// +optional
	TrustDomain string `json:"trustDomain,omitempty"`
}

// GatewaySpec is the platform-owned Gateway that routes attach to.
type GatewaySpec struct {
	// Defaults to "platform-gateway".
	// +optional
	Name string `json:"name,omitempty"`
	// Defaults to "gateway-system".
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// ServiceAccount the gateway proxies run as; its identity is allowed to
	// call every service with an ingress. Defaults to "<name>-istio": Istio
	// deploys a Gateway's proxy as <name>-<gatewayClassName>, so set this when
	// the class is not "istio" or the proxy is deployed by hand.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// SectionName is the Gateway's own HTTPS listener that derived
	// HTTPRoutes attach to through their first parentRef (the Gateway), so
	// they never attach to its plain-HTTP listeners. It must be an HTTPS
	// listener; when the Gateway is in the render's input lattice checks
	// that it is, and that no plain-HTTP listener admits routes from the
	// services' namespaces (docs/edge.md). Defaults to "https".
	// +optional
	SectionName string `json:"sectionName,omitempty"`
}

// CertificatesSpec lists the issuers the platform runs.
type CertificatesSpec struct {
	// DefaultIssuer signs every terminated hostname unless the service names
	// another declared issuer. Defaults to ClusterIssuer "letsencrypt-prod".
	// +optional
	DefaultIssuer *IssuerRef `json:"defaultIssuer,omitempty"`
	// Issuers a service may name. The default issuer is always included.
	// +optional
	Issuers []IssuerRef `json:"issuers,omitempty"`
}

// DNSSpec lists the zones the platform publishes records in.
type DNSSpec struct {
	// Zones such as "example.com". Empty means any hostname is accepted.
	// +optional
	Zones []string `json:"zones,omitempty"`
}

// ImagePolicy decides which image references are accepted.
type ImagePolicy struct {
	// AllowTags lists image prefixes (e.g. "registry.example.com/dev/") that
	// may use a tag instead of a digest. "*" allows every tag.
	// +optional
	AllowTags []string `json:"allowTags,omitempty"`
}

// Policy strictness for one-sided declarations.
const (
	OneSidedWarn  = "warn"
	OneSidedError = "error"
)

// MeshPolicy tunes the mesh output.
type MeshPolicy struct {
	// OneSided is what a declaration without its counterpart produces:
	// "warn" (default) or "error".
	// +optional
	// +kubebuilder:validation:Enum=warn;error
	OneSided string `json:"oneSided,omitempty"`
	// Baseline emits the cluster's default-deny AuthorizationPolicy and
	// STRICT PeerAuthentication in istio-system, once per render.
	// +optional
	Baseline bool `json:"baseline,omitempty"`
	// ManageNamespaces emits an ambient-enrolled Namespace for every service
	// namespace absent from the input instead of warning about it.
	// +optional
	ManageNamespaces bool `json:"manageNamespaces,omitempty"`
	// RootNamespace is Istio's root namespace. Defaults to "istio-system".
	// +optional
	RootNamespace string `json:"rootNamespace,omitempty"`
	// MultiCluster decides what cross-cluster agreements (a FleetInventory
	// in the render) derive.
	// +optional
	MultiCluster MultiClusterPolicy `json:"multiCluster,omitempty"`
}

// Multi-cluster data planes.
const (
	MultiClusterAmbient = "ambient"
	MultiClusterSidecar = "sidecar"
)

// MultiClusterPolicy says how the mesh carries calls between clusters
// (docs/multi-cluster.md).
type MultiClusterPolicy struct {
	// Mode is "ambient" (default): Istio ambient multi-network. A callee
	// with a cross-cluster agreement is made global (GlobalServiceSelector),
	// and the caller's cluster gets a selector-less Service of the same name
	// (global too) so the name resolves and ztunnel routes it through the
	// callee cluster's east-west gateway (HBONE, 15008). "sidecar": the
	// sidecar-era ServiceEntry to the east-west gateway's AUTO_PASSTHROUGH
	// listener (15443) and an ISTIO_MUTUAL DestinationRule, for callers that
	// run Istio sidecars; ambient (ztunnel) callers cannot use it.
	// +optional
	// +kubebuilder:validation:Enum=ambient;sidecar
	Mode string `json:"mode,omitempty"`
	// GlobalServiceSelector are the labels that make a Service global: the
	// labels the MeshConfig serviceScopeConfigs servicesSelector (scope
	// GLOBAL) of every cluster's istiod selects. Defaults to
	// {"istio.io/global": "true"}.
	// +optional
	GlobalServiceSelector map[string]string `json:"globalServiceSelector,omitempty"`
}

// SecurityPolicy lists which services may relax the container defaults.
type SecurityPolicy struct {
	// AllowedOverrides grants container security relaxations to services;
	// everything else keeps the locked-down defaults.
	// +optional
	AllowedOverrides []SecurityOverrideGrant `json:"allowedOverrides,omitempty"`
}

// SecurityOverrideGrant allows a set of overrides for matching services.
type SecurityOverrideGrant struct {
	// Service is "namespace/name", "namespace/*" or "*".
	Service string `json:"service"`
	// Overrides such as "capability:NET_ADMIN", "privileged", "runAsRoot",
	// "readWriteRootFilesystem", "allowPrivilegeEscalation".
	Overrides []string `json:"overrides"`
}

// Source handling.
const (
	KeepSourceAuto   = "auto"
	KeepSourceAlways = "always"
	KeepSourceNever  = "never"
)

// OutputSpec controls what stays in the output.
type OutputSpec struct {
	// KeepSource keeps each LatticeService in the output marked
	// config.kubernetes.io/local-config: "always", "never" or "auto" (default:
	// keep when the input came from a kpt package, which must write it back).
	// +optional
	// +kubebuilder:validation:Enum=auto;always;never
	KeepSource string `json:"keepSource,omitempty"`
	// Validate checks every derived object against the schemas `lattice
	// validate` embeds (the API server's rules for core kinds, the CRDs and
	// their CEL rules) after rendering; an invalid object fails the render
	// with an error naming the object and field. Default false: the check
	// adds a few hundred milliseconds to a render (docs/validate.md).
	// +optional
	Validate bool `json:"validate,omitempty"`
}

// ImageLock records the digest each image tag resolved to when `lattice pin`
// ran, so renders stay offline and reproducible: a tagged image with a lock
// entry renders as tag@digest.
//
// The API server refuses to store one (a validation rule that always
// fails): the CRD is for kubectl explain and editors; apply what lattice
// renders instead.
//
// +kubebuilder:object:root=true
// +kubebuilder:validation:XValidation:rule="false",message="render with lattice: an ImageLock is read by lattice during a render (config.kubernetes.io/local-config), never a cluster object; apply the output of kustomize build --enable-alpha-plugins --enable-exec (or lattice render). This CRD is installed for kubectl explain only"
type ImageLock struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ImageLockSpec `json:"spec"`
}

// ImageLockSpec lists the pinned images.
type ImageLockSpec struct {
	// Images sorted by image.
	Images []LockedImage `json:"images"`
}

// LockedImage pins one tagged reference.
type LockedImage struct {
	// Image is the reference as written in specs, with its tag.
	Image string `json:"image"`
	// Digest is sha256:<64 hex>.
	Digest string `json:"digest"`
}
