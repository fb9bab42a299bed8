package derive

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/lattice-dev/lattice/pkg/kinds"
)

// setTypeMeta sets the apiVersion and kind of every derived object from the
// registry in pkg/kinds, by Go type: the one place derived objects get
// them, so derivers never spell a group or version. A type the registry
// does not list is a fault in lattice (a new deriver whose kind was not
// registered); TestDerivedKindsAreRegistered in pkg/kinds finds it with the
// goldens.
func setTypeMeta(ds []Derived) field.ErrorList {
	var errs field.ErrorList
	for _, d := range ds {
		if err := kinds.SetTypeMeta(d.Object); err != nil {
			e := field.InternalError(nil, err)
			e.BadValue = nil // Detail has the message; results print both
			errs = append(errs, e)
		}
	}
	return errs
}
