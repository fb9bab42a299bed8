// Package v1 is external-secrets.io/v1 ExternalSecret, limited to the
// fields lattice emits. The upstream Go module pulls in every cloud
// provider's SDK; these few fields follow its CRD exactly (the API-server
// conformance tier checks them against it, and pkg/validate embeds that CRD).
package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ExternalSecret is external-secrets.io/v1 ExternalSecret.
type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ExternalSecretSpec `json:"spec"`
}

// ExternalSecretSpec is the subset of the upstream spec lattice sets.
type ExternalSecretSpec struct {
	SecretStoreRef  SecretStoreRef           `json:"secretStoreRef"`
	Target          ExternalSecretTarget     `json:"target"`
	RefreshInterval string                   `json:"refreshInterval,omitempty"`
	Data            []ExternalSecretData     `json:"data,omitempty"`
	DataFrom        []ExternalSecretDataFrom `json:"dataFrom,omitempty"`
}

// SecretStoreRef names the store.
type SecretStoreRef struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// ExternalSecretTarget is the Secret to write.
type ExternalSecretTarget struct {
	Name     string                  `json:"name"`
	Template *ExternalSecretTemplate `json:"template,omitempty"`
}

// ExternalSecretTemplate renders the target Secret's data.
type ExternalSecretTemplate struct {
	EngineVersion string            `json:"engineVersion"`
	Type          string            `json:"type,omitempty"`
	Data          map[string]string `json:"data,omitempty"`
}

// ExternalSecretData copies one remote property.
type ExternalSecretData struct {
	SecretKey string    `json:"secretKey"`
	RemoteRef RemoteRef `json:"remoteRef"`
}

// RemoteRef points into the store.
type RemoteRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}

// ExternalSecretDataFrom copies every property of a remote key.
type ExternalSecretDataFrom struct {
	Extract *RemoteRef `json:"extract"`
}
