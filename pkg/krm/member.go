package krm

import (
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
