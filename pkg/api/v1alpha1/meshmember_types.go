package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MeshMember names a workload lattice does not derive (a Helm-installed
// service, a metrics scraper, an ingress controller, a Job) by its mesh
// identity, and declares that workload's side of its agreements with
// LatticeServices. lattice emits the policies the agreements need and never
// the workload. Like a LatticeService it is written once, by the
// workload's owner, and rendered to nothing: it is local-config.
//
// +kubebuilder:object:root=true
type MeshMember struct {
	metav1.TypeMeta `json:",inline"`
	// Name is how LatticeServices refer to the member (a resource key or
	// id, with namespace: when it lives elsewhere); namespace is where the
	// workload runs.
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec MeshMemberSpec `json:"spec,omitempty"`
}

// MeshMemberSpec is the workload's identity and its declarations.
type MeshMemberSpec struct {
	// ServiceAccount the workload's pods run as; its mesh identity is
	// <trustDomain>/ns/<namespace>/sa/<serviceAccount>. Defaults to the
	// member's name.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// Cluster the workload runs on: this render's cluster (Platform
	// spec.cluster.name), which is the default.
	// +optional
	Cluster string `json:"cluster,omitempty"`
	// Selector is the workload's pod labels. Required with inbound: the
	// AuthorizationPolicy that admits the declared callers selects the pods
	// by them.
	// +optional
	Selector map[string]string `json:"selector,omitempty"`
	// Ports are the container ports the workload accepts callers on; empty
	// means every port.
	// +optional
	Ports []int32 `json:"ports,omitempty"`
	// Outbound are the services the workload calls. Each must accept the
	// member inbound.
	// +optional
	Outbound []MemberPeer `json:"outbound,omitempty"`
	// Inbound are the callers the workload accepts. Each must declare the
	// member outbound.
	// +optional
	Inbound []MemberPeer `json:"inbound,omitempty"`
}

// MemberPeer names one LatticeService or MeshMember.
type MemberPeer struct {
	// Name of the service or member; inbound "*" accepts every caller
	// that declares this member outbound.
	Name string `json:"name"`
	// Namespace of the peer; defaults to the member's.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}
