package render

// Stage 4: collisions. Two services deriving one object, or a derived
// object that is also in the input, fail the render.

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// collisions: two services deriving one object, or a derived object
// that is also in the input. Objects with one identity are neighbours in
// output order (namespace, kind, name, then apiVersion), so only runs of
// equal namespace, kind and name are compared, by API group, in input
// order: the first service to derive an object keeps it.
func (r *renderer) collisions(all []keyed, order []int32, derived []derive.Derived, bySource map[string]krm.Item) {
	same := func(a, b *keyed) bool {
		return a.key.Namespace == b.key.Namespace && a.key.Kind == b.key.Kind && a.key.Name == b.key.Name
	}
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && same(&all[order[lo]], &all[order[hi]]) {
			hi++
		}
		if hi-lo > 1 {
			r.collide(all, slices.Sorted(slices.Values(order[lo:hi])), derived, bySource)
		}
		lo = hi
	}
}

// collide checks one run of objects sharing namespace, kind and name, in
// input order (passthrough items first, then derived objects).
func (r *renderer) collide(all []keyed, run []int32, derived []derive.Derived, bySource map[string]krm.Item) {
	user := map[krm.Meta]krm.Item{}
	mine := map[krm.Meta]derive.Derived{}
	for _, k := range run {
		m := all[k].key
		m.APIVersion = group(m.APIVersion)
		if all[k].derived < 0 {
			if all[k].item != nil {
				user[m] = *all[k].item
			}
			continue
		}
		d := derived[all[k].derived]
		src := bySource[firstSource(d)]
		if prev, ok := mine[m]; ok {
			r.results = append(r.results, &framework.Result{Severity: framework.Error,
				Message:     fmt.Sprintf("%s and %s both derive %s; rename one of the services or resources", derivedBy(prev), derivedBy(d), m),
				ResourceRef: refFromItem(src), File: fileOf(src)})
			continue
		}
		mine[m] = d
		if it, ok := user[m]; ok {
			res := &framework.Result{Severity: framework.Error,
				Message:     fmt.Sprintf("%s derives %s, which the input already contains (%s); remove the hand-written object or rename the service", derivedBy(d), m, where(it)),
				ResourceRef: refFromItem(src), File: fileOf(src), Field: &framework.Field{Path: d.Reason}}
			r.lineFor(res, src, d.Reason)
			r.results = append(r.results, res)
		}
	}
}

func group(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

func meta(d derive.Derived) krm.Meta {
	gvk := d.Object.GetObjectKind().GroupVersionKind()
	return krm.Meta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: d.Object.GetNamespace(), Name: d.Object.GetName()}
}
