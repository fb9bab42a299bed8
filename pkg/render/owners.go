package render

import (
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// One owner per object (docs/ownership.md): the render that holds a
// Namespace owns the namespace's shared objects; these helpers read what
// the input says about it and name an object's owner in messages.

// waypointsIn lists the input's Namespaces that ask for their waypoint
// (annotation lattice.dev/waypoint: "true") although none of this
// render's services may need it: services of other renders do.
func waypointsIn(items []krm.Item) map[string]bool {
	ns := map[string]bool{}
	for _, it := range items {
		if it.Node.GetKind() == "Namespace" && it.Node.GetApiVersion() == "v1" && it.Node.GetAnnotations()[derive.AnnotationWaypoint] == "true" {
			ns[it.Node.GetName()] = true
		}
	}
	return ns
}

// firstSource is the first service that derived d, or "" for an object no
// service of this render derived (a waypoint a Namespace asks for).
func firstSource(d derive.Derived) string {
	if len(d.Sources) == 0 {
		return ""
	}
	return d.Sources[0]
}

// derivedBy names what derived d in a message.
func derivedBy(d derive.Derived) string {
	if d.Owner != "" {
		return d.Owner
	}
	return firstSource(d)
}
