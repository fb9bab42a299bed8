package krm

import (
	"bytes"
	"errors"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/par"
)

// marshalResults is yaml.Marshal(results), kyaml's yaml.v3 encoder. A
// top-level sequence marshals entry by entry, so the results are marshaled
// in parts on every core and the parts concatenated: a render of 10,000
// services reports 15,000 warnings.
func marshalResults(results framework.Results) ([]byte, error) {
	const per = 4
	parts := make([][]byte, (len(results)+per-1)/per)
	errs := make([]error, len(parts))
	par.For(len(parts), func(i int) {
		parts[i], errs[i] = yaml.Marshal(results[i*per : min((i+1)*per, len(results))])
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return bytes.Join(parts, nil), nil
}
