package krm

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// DecodeMeshMember decodes a MeshMember node strictly.
func DecodeMeshMember(n *yaml.RNode) (*v1alpha1.MeshMember, field.ErrorList) {
	var m v1alpha1.MeshMember
	if errs := decodeStrict(n, &m); len(errs) > 0 {
		return nil, errs
	}
	return &m, nil
}

// LocalConfigAnnotation marks an object no tool applies (kpt, kustomize).
const LocalConfigAnnotation = filters.LocalConfigAnnotation

// MarkLocalConfig annotates the item local-config: "true", quoted as kpt
// writes it.
func MarkLocalConfig(it Item) error {
	if err := it.Node.PipeE(yaml.SetAnnotation(LocalConfigAnnotation, "true")); err != nil {
		return err
	}
	if v, err := it.Node.Pipe(yaml.Lookup("metadata", "annotations", LocalConfigAnnotation)); err == nil && v != nil {
		v.YNode().Style = yaml.DoubleQuotedStyle
	}
	return nil
}
