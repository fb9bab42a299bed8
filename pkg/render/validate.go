package render

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/par"
	"github.com/lattice-dev/lattice/pkg/validate"
)

// validateOutput runs `lattice validate`'s checks over every derived
// object when the Platform sets spec.output.validate, so a derivation the
// API server would reject fails the render instead of the apply. Each
// problem is an error on the service that derived the object, at the spec
// field that produced it.
func (r *renderer) validateOutput(derived []derive.Derived, bySource map[string]krm.Item) {
	if !r.platform.Spec.Output.Validate {
		return
	}
	problems := make([][]validate.Problem, len(derived))
	par.For(len(derived), func(i int) {
		data, err := krm.Encode(derived[i].Object)
		var obj map[string]any
		if err == nil {
			obj, err = validate.YAML(data)
		}
		if err != nil {
			problems[i] = []validate.Problem{{Severity: validate.Error, Message: "cannot encode: " + err.Error()}}
			return
		}
		problems[i] = validate.Object(obj, validate.Options{})
	})
	for i, d := range derived {
		src := bySource[firstSource(d)]
		m := meta(d)
		for _, p := range problems[i] {
			res := &framework.Result{Severity: framework.Error, ResourceRef: refFromItem(src), File: fileOf(src),
				Message: fmt.Sprintf("derived %s %s would be rejected by the API server: %s", m.Kind, objName(m), p.Message)}
			if p.Field != "" {
				res.Message = fmt.Sprintf("derived %s %s would be rejected by the API server: %s: %s", m.Kind, objName(m), p.Field, p.Message)
			}
			if p.Severity == validate.Warning {
				res.Severity = framework.Warning
				res.Message = fmt.Sprintf("derived %s %s: %s", m.Kind, objName(m), p.Message)
			}
			if d.Reason != "" {
				res.Field = &framework.Field{Path: d.Reason}
				r.lineFor(res, src, d.Reason)
			}
			r.results = append(r.results, res)
		}
	}
}

func objName(m krm.Meta) string {
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}
