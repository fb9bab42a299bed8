package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// LatticeService is a developer's description of one service. The renderer
// expands it into every object the platform derives from it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=ls
// The API server refuses to store one (a validation rule that always
// fails): the CRD is for kubectl explain and editors; apply what lattice
// renders instead.
// +kubebuilder:validation:XValidation:rule="false",message="render with lattice: a LatticeService is the input of lattice, never a cluster object; apply the output of kustomize build --enable-alpha-plugins --enable-exec (or lattice render), which holds the objects lattice derives from it. This CRD is installed for kubectl explain only"
type LatticeService struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LatticeServiceSpec `json:"spec"`
}

// LatticeServiceSpec is the developer-facing contract.
type LatticeServiceSpec struct {
	// Workload holds the containers, the ports the service listens on and the
	// resources (dependencies, callers, secrets, volumes) it declares.
	Workload WorkloadSpec `json:"workload"`

	// Replicas is the number of pods, or the minimum when autoscaling is set.
	// Defaults to 1.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Autoscaling adds a HorizontalPodAutoscaler; the Deployment then leaves
	// replicas to it so GitOps tools do not fight the autoscaler.
	// +optional
	Autoscaling *AutoscalingSpec `json:"autoscaling,omitempty"`

	// Deploy selects the rollout strategy.
	// +optional
	Deploy *DeploySpec `json:"deploy,omitempty"`

	// Ingress exposes the service at the platform's edge Gateway.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`
}

// WorkloadSpec is the Score-compatible core of a service.
type WorkloadSpec struct {
	// Containers by name; at least one is required. "main" is conventional.
	// +kubebuilder:validation:MinProperties=1
	Containers map[string]Container `json:"containers"`

	// Service lists the ports the service accepts traffic on. No ports, no
	// Kubernetes Service.
	// +optional
	Service *ServiceSpec `json:"service,omitempty"`

	// Resources declares what the service depends on and who may call it.
	// The key is a logical name used in ${resources.<name>.*} templates.
	// +optional
	Resources map[string]Resource `json:"resources,omitempty"`
}

// Container is one container of the pod.
type Container struct {
	// Image must be pinned by digest unless the Platform allows tags.
	// +kubebuilder:validation:MinLength=1
	Image string `json:"image"`
	// Command overrides the entrypoint; command[0] must be an absolute path.
	// +optional
	Command []string `json:"command,omitempty"`
	// Args are passed to the command.
	// +optional
	Args []string `json:"args,omitempty"`
	// WorkingDir is the container's working directory.
	// +optional
	WorkingDir string `json:"workingDir,omitempty"`
	// Variables become environment variables. Values may use ${...}
	// templates; $${...} is a literal ${...}.
	// +optional
	Variables map[string]string `json:"variables,omitempty"`
	// Resources are the container's compute requests and limits. Limits are
	// required.
	Resources *ComputeResources `json:"resources,omitempty"`
	// Files are mounted read-only at their absolute path (the map key).
	// +optional
	Files map[string]FileMount `json:"files,omitempty"`
	// Volumes are mounted at their absolute path (the map key): a volume
	// resource (source: ${resources.<name>}) or, without source, an emptyDir.
	// +optional
	Volumes map[string]VolumeMount `json:"volumes,omitempty"`
	// +optional
	LivenessProbe *Probe `json:"livenessProbe,omitempty"`
	// +optional
	ReadinessProbe *Probe `json:"readinessProbe,omitempty"`
	// +optional
	StartupProbe *Probe `json:"startupProbe,omitempty"`
	// Security relaxes the platform's container defaults. Every relaxation
	// must be allowed by the Platform (spec.security.allowedOverrides).
	// +optional
	Security *SecurityContext `json:"security,omitempty"`
}

// ComputeResources mirrors the Kubernetes requests/limits pair for cpu and memory.
type ComputeResources struct {
	// +optional
	Requests *ResourceAmounts `json:"requests,omitempty"`
	Limits   *ResourceAmounts `json:"limits,omitempty"`
}

// ResourceAmounts holds Kubernetes quantities ("500m", 2, "1Gi").
type ResourceAmounts struct {
	// CPU in cores ("500m", 2).
	// +optional
	CPU *resource.Quantity `json:"cpu,omitempty"`
	// Memory in bytes ("256Mi", "1Gi").
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
}

// FileMount is a file rendered into the container.
type FileMount struct {
	// Content is text; ${...} templates are expanded unless noExpand is set.
	// +optional
	Content *string `json:"content,omitempty"`
	// BinaryContent is base64-encoded bytes, mounted from a Secret.
	// +optional
	BinaryContent string `json:"binaryContent,omitempty"`
	// Mode is an octal file mode such as "0644".
	// +optional
	Mode string `json:"mode,omitempty"`
	// NoExpand mounts content verbatim.
	// +optional
	NoExpand bool `json:"noExpand,omitempty"`
}

// VolumeMount mounts a volume resource or an emptyDir.
type VolumeMount struct {
	// Source is ${resources.<volume resource>}; empty means emptyDir.
	// +optional
	Source string `json:"source,omitempty"`
	// Path is the subPath inside the volume.
	// +optional
	Path string `json:"path,omitempty"`
	// ReadOnly mounts the volume read-only.
	// +optional
	ReadOnly bool `json:"readOnly,omitempty"`
	// Medium is the emptyDir medium ("" or "Memory").
	// +optional
	Medium string `json:"medium,omitempty"`
	// SizeLimit is the emptyDir size limit.
	// +optional
	SizeLimit string `json:"sizeLimit,omitempty"`
}

// Probe is copied onto the container.
type Probe struct {
	// HTTPGet probes an HTTP endpoint of the container.
	// +optional
	HTTPGet *HTTPGetProbe `json:"httpGet,omitempty"`
	// Exec runs a command in the container.
	// +optional
	Exec *ExecProbe `json:"exec,omitempty"`
	// TCPSocket opens a TCP connection.
	// +optional
	TCPSocket *TCPSocketProbe `json:"tcpSocket,omitempty"`
	// InitialDelaySeconds before the first probe.
	// +optional
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	// PeriodSeconds between probes.
	// +optional
	PeriodSeconds int32 `json:"periodSeconds,omitempty"`
	// TimeoutSeconds per probe.
	// +optional
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
	// FailureThreshold is how many failures in a row count as failed.
	// +optional
	FailureThreshold int32 `json:"failureThreshold,omitempty"`
	// SuccessThreshold is how many successes in a row count as passed.
	// +optional
	SuccessThreshold int32 `json:"successThreshold,omitempty"`
}

// HTTPGetProbe checks an HTTP endpoint.
type HTTPGetProbe struct {
	// Path of the request, starting with '/'.
	Path string `json:"path"`
	// Port is a number or a service port name.
	Port intstr.IntOrString `json:"port"`
	// Scheme is HTTP (default) or HTTPS.
	// +optional
	Scheme string `json:"scheme,omitempty"`
	// HTTPHeaders are added to the request.
	// +optional
	HTTPHeaders []HTTPHeader `json:"httpHeaders,omitempty"`
}

// HTTPHeader is one probe request header.
type HTTPHeader struct {
	// Name of the header.
	Name string `json:"name"`
	// Value of the header.
	Value string `json:"value"`
}

// ExecProbe runs a command in the container.
type ExecProbe struct {
	// Command and its arguments; exit 0 is healthy.
	Command []string `json:"command"`
}

// TCPSocketProbe opens a TCP connection.
type TCPSocketProbe struct {
	// Port number or service port name.
	Port intstr.IntOrString `json:"port"`
}

// SecurityContext lists the relaxations a container may request.
type SecurityContext struct {
	// Capabilities to add (all others stay dropped).
	// +optional
	Capabilities []string `json:"capabilities,omitempty"`
	// Privileged runs the container privileged (override "privileged").
	// +optional
	Privileged *bool `json:"privileged,omitempty"`
	// ReadOnlyRootFilesystem false needs override "readWriteRootFilesystem".
	// +optional
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
	// RunAsUser 0 needs override "runAsRoot".
	// +optional
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup 0 needs override "runAsRootGroup".
	// +optional
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// AllowPrivilegeEscalation true needs override "allowPrivilegeEscalation".
	// +optional
	AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation,omitempty"`
}

// ServiceSpec holds the service's ports.
type ServiceSpec struct {
	// Ports by name (a DNS label of at most 15 characters).
	Ports map[string]ServicePort `json:"ports"`
}

// ServicePort is one port of the Kubernetes Service.
type ServicePort struct {
	// Port is the Service port callers connect to.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// TargetPort is the container port; defaults to port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	TargetPort *int32 `json:"targetPort,omitempty"`
	// Protocol is TCP (default) or UDP.
	// +kubebuilder:validation:Enum=TCP;UDP
	// +optional
	Protocol string `json:"protocol,omitempty"`
}

// Resource types.
const (
	ResourceService         = "service"
	ResourceExternalService = "external-service"
	ResourceVolume          = "volume"
	ResourceSecret          = "secret"
)

// Directions of a service resource.
const (
	DirectionOutbound = "outbound"
	DirectionInbound  = "inbound"
	DirectionBoth     = "both"
)

// Resource is one dependency, caller, secret or volume.
type Resource struct {
	// Type is service (default), external-service, volume or secret.
	// +kubebuilder:validation:Enum=service;external-service;volume;secret
	// +optional
	Type string `json:"type,omitempty"`
	// Direction of a service or external-service: outbound (default),
	// inbound or both. Traffic flows only when both sides declare it.
	// +kubebuilder:validation:Enum=outbound;inbound;both
	// +optional
	Direction string `json:"direction,omitempty"`
	// ID overrides the target: the service name (default: the key), "*" for
	// any caller that declares us (inbound only), the remote key of a secret,
	// or the shared id of a volume.
	// +optional
	ID string `json:"id,omitempty"`
	// Namespace of the target service or volume (default: own namespace).
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Cluster names the fleet cluster the target runs on (default: this one).
	// +optional
	Cluster string `json:"cluster,omitempty"`
	// Rules restrict an inbound caller to methods and paths (L7, enforced by
	// the namespace waypoint).
	// +optional
	Rules []L7Rule `json:"rules,omitempty"`
	// Params are typed by type.
	// +optional
	Params *ResourceParams `json:"params,omitempty"`
}

// L7Rule allows requests that match every listed dimension.
type L7Rule struct {
	// Methods such as GET or POST; empty means any method.
	// +optional
	Methods []string `json:"methods,omitempty"`
	// Paths are exact ("/charge"), prefix ("/api/*") or suffix ("*.json").
	// Empty means any path.
	// +optional
	Paths []string `json:"paths,omitempty"`
}

// ResourceParams holds the parameters of every resource type; validation
// rejects the ones that do not belong to the declared type.
type ResourceParams struct {
	// external-service: endpoints by name (URL or host:port).
	// +optional
	Endpoints map[string]string `json:"endpoints,omitempty"`
	// volume: size makes this service the owner of the claim.
	// +optional
	Size string `json:"size,omitempty"`
	// volume: the StorageClass of the claim (default: the cluster's).
	// +optional
	StorageClass string `json:"storageClass,omitempty"`
	// volume: ReadWriteOnce (default), ReadWriteMany, ReadOnlyMany or
	// ReadWriteOncePod.
	// +optional
	AccessMode string `json:"accessMode,omitempty"`
	// volume: services allowed to mount a shared volume ("name" or "ns/name").
	// +optional
	AllowedConsumers []string `json:"allowedConsumers,omitempty"`
	// secret: the ClusterSecretStore to read from.
	// +optional
	Provider string `json:"provider,omitempty"`
	// secret: keys to sync; empty syncs every key.
	// +optional
	Keys []string `json:"keys,omitempty"`
	// secret: how often to re-read the store, e.g. 1h.
	// +optional
	RefreshInterval string `json:"refreshInterval,omitempty"`
}

// AutoscalingSpec drives a HorizontalPodAutoscaler.
type AutoscalingSpec struct {
	// Max is the maximum replica count.
	Max int32 `json:"max"`
	// Metrics default to cpu at 80 percent.
	// +optional
	Metrics []AutoscalingMetric `json:"metrics,omitempty"`
}

// AutoscalingMetric is a utilization target (cpu, memory: percent) or a
// per-pod custom metric average.
type AutoscalingMetric struct {
	// Metric is cpu, memory or the name of a per-pod custom metric.
	Metric string `json:"metric"`
	// Target is a utilization percentage (cpu, memory) or the per-pod
	// average value of a custom metric.
	Target int32 `json:"target"`
}

// DeploySpec selects the rollout strategy.
type DeploySpec struct {
	// Strategy is rolling (default) or canary (surge a full set, keep all old
	// pods until the new ones are ready).
	// +kubebuilder:validation:Enum=rolling;canary
	// +optional
	Strategy string `json:"strategy,omitempty"`
}

// IngressSpec exposes the service at the platform Gateway.
type IngressSpec struct {
	// Hostname is the public DNS name; it must fall in a zone the Platform owns.
	Hostname string `json:"hostname"`
	// Paths route to service ports (HTTP only). Defaults to "/" on the
	// service's only port.
	// +optional
	Paths []IngressPath `json:"paths,omitempty"`
	// TLS is "terminate" (default: the gateway holds a cert-manager
	// certificate) or "passthrough" (the service holds its own certificate).
	// +kubebuilder:validation:Enum=terminate;passthrough
	// +optional
	TLS string `json:"tls,omitempty"`
	// Issuer overrides the Platform's default certificate issuer.
	// +optional
	Issuer *IssuerRef `json:"issuer,omitempty"`
	// JWT makes the gateway reject requests without a valid token.
	// +optional
	JWT *JWTSpec `json:"jwt,omitempty"`
}

// IngressPath routes a path prefix to a service port.
type IngressPath struct {
	// Path is a prefix such as / or /api.
	Path string `json:"path"`
	// Port is the service port number or name.
	// +optional
	Port intstr.IntOrString `json:"port,omitempty"`
}

// IssuerRef names a cert-manager issuer declared by the Platform.
type IssuerRef struct {
	// Name of the cert-manager issuer.
	Name string `json:"name"`
	// Kind is ClusterIssuer (default) or Issuer.
	// +kubebuilder:validation:Enum=ClusterIssuer;Issuer
	// +optional
	Kind string `json:"kind,omitempty"`
}

// JWTSpec configures token validation at the gateway.
type JWTSpec struct {
	// Issuer is the token's iss claim.
	Issuer string `json:"issuer"`
	// JWKSURI is the https URL of the issuer's JSON Web Key Set.
	JWKSURI string `json:"jwksUri"`
	// Audiences accepted in the aud claim; empty accepts any.
	// +optional
	Audiences []string `json:"audiences,omitempty"`
}

// TLS modes of an ingress.
const (
	TLSTerminate   = "terminate"
	TLSPassthrough = "passthrough"
)
