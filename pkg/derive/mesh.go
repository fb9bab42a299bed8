package derive

import "k8s.io/apimachinery/pkg/util/validation/field"

// Mesh derives the service's identity policy as a callee: the
// AuthorizationPolicies compiled from its bilateral agreements.
func Mesh(in Input) ([]Derived, field.ErrorList) {
	return nil, nil
}

func sharedMesh(in SharedInput) []Derived { return nil }

func checkMesh(in SharedInput) []Problem { return nil }
