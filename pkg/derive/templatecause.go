package derive

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// undefinedVar is expand's error for a variable the table does not have;
// the workload adds the cause (why) before reporting it, because the
// symptom alone ("undefined variable: ${resources.catalog.url}") sends
// the user looking in the wrong place when the real fault is a
// declaration: a misspelt service, an inbound-only resource, a peer the
// render does not have.
type undefinedVar struct {
	expr, why, defined string
}

func (e *undefinedVar) Error() string {
	msg := "undefined variable: ${" + e.expr + "}"
	switch {
	case e.why != "":
		msg += ": " + e.why
	case e.defined == "":
		msg += "; check the resource is declared in workload.resources (outbound services and external services have outputs)"
	}
	return msg + e.defined
}

// explain adds the cause to an undefinedVar error from expand.
func (w *workload) explain(err error) error {
	var u *undefinedVar
	if errors.As(err, &u) {
		u.why = undefinedCause(w.in, u.expr)
	}
	return err
}

// undefinedCause says why ${resources.<key>.<field>} has no value, or ""
// for other variables (the defined ones are listed anyway).
func undefinedCause(in Input, expr string) string {
	rest, ok := strings.CutPrefix(expr, "resources.")
	if !ok {
		return ""
	}
	name, fld, ok := strings.Cut(rest, ".")
	if !ok {
		return "a resource variable is ${resources.<key>.host|port|url}"
	}
	s := in.Service
	key, found := "", false
	for k := range s.Spec.Workload.Resources {
		if normalize(k) == normalize(name) && (!found || k < key) {
			key, found = k, true
		}
	}
	if !found {
		return fmt.Sprintf("spec.workload.resources has no %q; declare the service it names (`%s: {type: service, direction: outbound}`) or fix the variable", name, name)
	}
	r := s.Spec.Workload.Resources[key]
	if fld != "host" && fld != "port" && fld != "url" {
		return fmt.Sprintf("resources have host, port and url, not %q", fld)
	}
	switch {
	case r.Type == v1alpha1.ResourceExternalService:
		return fmt.Sprintf("spec.workload.resources[%s] has no endpoint lattice can read (params.endpoints)", key)
	case r.Type != v1alpha1.ResourceService:
		return fmt.Sprintf("spec.workload.resources[%s] is a %s, which has no host, port or url", key, r.Type)
	case r.ID == "*":
		return fmt.Sprintf("spec.workload.resources[%s] accepts any caller (id: \"*\"), which is no service to reach", key)
	case r.Direction == v1alpha1.DirectionInbound:
		return fmt.Sprintf("spec.workload.resources[%s] is inbound (a caller of this service); only a service this one calls has host, port and url: make it direction: both if it calls it too", key)
	}
	target := graph.Ref{Cluster: r.Cluster, Namespace: cmp.Or(r.Namespace, s.Namespace), Name: cmp.Or(r.ID, key)}
	if self := in.node(); self != nil {
		if resolved, _, ok := self.PeerNode(key); ok {
			target = resolved
		}
	}
	n := in.Graph.Node(target)
	if n == nil {
		where := "is not in this render"
		if in.Graph.HasFleet() {
			where = "is neither in this render nor in the fleet inventory"
		}
		why := fmt.Sprintf("spec.workload.resources[%s] names %s, which %s, so its port and url are unknown", key, target, where)
		if guess, ok := in.Graph.DidYouMean(target, s.Namespace); ok {
			return why + " (did you mean " + guess + "?)"
		}
		return why + "; fix the name, or render " + target.String() + " with this service"
	}
	return fmt.Sprintf("%s has no port (workload.service.ports), so it has no port or url", target)
}
