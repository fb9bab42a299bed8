// Package v1alpha1 defines the lattice.dev/v1alpha1 API: LatticeService, the
// developer's spec, and Platform, the function configuration the platform
// team owns. It holds the types, their defaults and their validation, and
// nothing that does I/O.
//
// +kubebuilder:object:generate=false
// +groupName=lattice.dev
package v1alpha1

// Group and version of every lattice kind.
const (
	Group      = "lattice.dev"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version

	KindLatticeService = "LatticeService"
	KindPlatform       = "Platform"
	KindImageLock      = "ImageLock"
	KindFleet          = "Fleet"
	KindFleetInventory = "FleetInventory"
	KindMeshMember     = "MeshMember"
	// KindServiceDirectory is the directory of service contracts (teams.md);
	// a FleetInventory is its one-render-per-cluster predecessor, still read.
	KindServiceDirectory = "ServiceDirectory"
)
