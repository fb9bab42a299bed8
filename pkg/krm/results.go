package krm

import (
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// marshalResults is yaml.Marshal(results), kyaml's yaml.v3 encoder: the
// writer writes the results of the shape lattice makes (appendResult), and
// yaml.v3 any other. A top-level sequence marshals entry by entry, so the
// entries concatenate to the whole.
func marshalResults(results framework.Results) ([]byte, error) {
	size := 0
	for _, r := range results {
		size += 2*len(r.Message) + 256 // what a warning takes, room for quotes
	}
	b := make([]byte, 0, size)
	for _, r := range results {
		var ok bool
		if b, ok = appendResult(b, r); ok {
			continue
		}
		y, err := yaml.Marshal(framework.Results{r})
		if err != nil {
			return nil, err
		}
		b = append(b, y...)
	}
	return b, nil
}
