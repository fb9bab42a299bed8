package krm

import (
	utiljson "k8s.io/apimachinery/pkg/util/json"
	sigsyaml "sigs.k8s.io/yaml"
)

// Unstructured decodes one YAML document the way kubectl does
// (sigs.k8s.io/yaml, then JSON with int64 for integral numbers): what
// `lattice validate` checks against the API server's schemas.
func Unstructured(doc []byte) (map[string]any, error) {
	j, err := sigsyaml.YAMLToJSON(doc)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := utiljson.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	return m, nil
}
