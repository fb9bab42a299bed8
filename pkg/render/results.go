package render

// Stage 6: results. Derived objects are annotated and encoded, the one
// edit to an input object (mesh enrollment) made on a copy, and every
// object laid out in order; results are sorted and located (file, line).

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/par"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// assemble encodes derived objects (on every core) and lays out every
// object in order.
func (r *renderer) assemble(all []keyed, order []int32, derived []derive.Derived, sources []source, keep bool) ([]krm.Out, error) {
	paths := r.paths(derived, sources, keep)
	enc := make([][]byte, len(derived))
	errs := make([]error, len(derived))
	// In about 32 runs (at least 64 objects each), each run with one
	// krm.Encoder so its scratch memory is grown once and reused.
	encodeRun := max(64, (len(derived)+31)/32)
	par.For((len(derived)+encodeRun-1)/encodeRun, func(k int) {
		var e krm.Encoder
		for i := k * encodeRun; i < min((k+1)*encodeRun, len(derived)); i++ {
			var at *filePos
			if p, ok := paths[i]; ok {
				at = &p
			}
			if enc[i], errs[i] = encodeDerived(&e, derived[i], at); errs[i] != nil {
				errs[i] = fmt.Errorf("cannot encode %s: %w", meta(derived[i]), errs[i])
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	outs := make([]krm.Out, len(order))
	for i, k := range order {
		switch a := &all[k]; {
		case a.derived >= 0:
			outs[i] = krm.Out{YAML: enc[a.derived]}
		case a.source != nil:
			// A copy: the input stays as it was.
			n := a.source.Copy()
			if err := n.PipeE(yaml.SetAnnotation(filters.LocalConfigAnnotation, "true")); err != nil {
				return nil, err
			}
			// Written back by kpt as "true", the way everyone writes it,
			// rather than the encoder's 'true'.
			if v, err := n.Pipe(yaml.Lookup("metadata", "annotations", filters.LocalConfigAnnotation)); err == nil && v != nil {
				v.YNode().Style = yaml.DoubleQuotedStyle
			}
			outs[i] = krm.Out{Node: n}
		default:
			outs[i] = krm.Out{Node: a.item.Node}
		}
	}
	return outs, nil
}

// encodeDerived annotates d's object with its sources and, for kpt
// write-back, its file, and encodes it.
func encodeDerived(e *krm.Encoder, d derive.Derived, at *filePos) ([]byte, error) {
	ann := maps.Clone(d.Object.GetAnnotations())
	if ann == nil {
		ann = map[string]string{}
	}
	ann[derive.AnnotationSource] = derive.SourceAnnotation(d)
	if at != nil {
		ann[kioutil.PathAnnotation] = at.path
		ann[kioutil.LegacyPathAnnotation] = at.path
		ann[kioutil.IndexAnnotation] = strconv.Itoa(at.index)
		ann[kioutil.LegacyIndexAnnotation] = strconv.Itoa(at.index)
		if at.pkg != "" {
			ann[packagePathAnnotation] = at.pkg
		}
	}
	d.Object.SetAnnotations(ann)
	return e.Encode(d.Object)
}

// packagePathAnnotation is the absolute directory of the kpt (sub)package
// an item belongs to; kpt resolves the item's path relative to it.
const packagePathAnnotation = "internal.config.kubernetes.io/package-path"

type filePos struct {
	pkg   string
	path  string
	index int
}

// paths gives each derived object a stable file in a kpt package: next to
// its service's source file, in <dir>/<namespace>.<service>.derived.yaml,
// or <dir>/<namespace>.shared.derived.yaml (cluster.shared.derived.yaml
// for cluster-scoped objects) for objects several services share. A
// derived object joins the (sub)package of its source: without the
// package-path annotation kpt would place it in the package whose
// pipeline ran, away from its source.
func (r *renderer) paths(derived []derive.Derived, sources []source, keep bool) map[int]filePos {
	if !keep {
		return nil
	}
	at := map[string]filePos{}
	for _, src := range sources {
		if src.service != nil && src.item.File != "" {
			at[src.service.Namespace+"/"+src.service.Name] = filePos{
				pkg:  src.item.Node.GetAnnotations()[packagePathAnnotation],
				path: path.Dir(src.item.File),
			}
		}
	}
	r.memberPaths(at)
	out := map[int]filePos{}
	next := map[filePos]int{}
	for i, d := range derived {
		first := firstSource(d)
		pos, ok := at[first]
		if !ok {
			continue
		}
		ns, name, _ := strings.Cut(first, "/")
		file := filePos{pkg: pos.pkg, path: path.Join(pos.path, ns+"."+name+".derived.yaml")}
		if len(d.Sources) > 1 || d.Object.GetNamespace() == "" {
			file.path = path.Join(pos.path, cmp.Or(d.Object.GetNamespace(), "cluster")+".shared.derived.yaml")
		}
		out[i] = filePos{pkg: file.pkg, path: file.path, index: next[file]}
		next[file]++
	}
	return out
}

// enroll labels the input's Namespaces that hold services for the ambient
// mesh: the one edit lattice makes to an object it did not derive, because
// without the label none of the derived policies is enforced. It runs only
// once the render cannot fail otherwise, on a copy of the Namespace.
// A namespace that opts out with another value keeps it, with a warning.
func (r *renderer) enroll(items []krm.Item, g *graph.Graph) {
	key, value := derive.Enrollment()
	mesh := derive.MeshNamespaces(g)
	for i, it := range items {
		n := it.Node
		if n.GetKind() != "Namespace" || n.GetApiVersion() != "v1" || !slices.Contains(mesh, n.GetName()) {
			continue
		}
		have, ok := n.GetLabels()[key]
		switch {
		case !ok:
			// A copy: the input stays as it was.
			items[i].Node = n.Copy()
			if err := items[i].Node.PipeE(yaml.SetLabel(key, value)); err != nil {
				r.results = append(r.results, &framework.Result{Severity: framework.Error, Message: "internal error: " + err.Error()})
			}
		case have != value:
			r.results = append(r.results, &framework.Result{Severity: framework.Warning, ResourceRef: refFromItem(it), File: fileOf(it),
				Field: &framework.Field{Path: "metadata.labels[" + key + "]"},
				Message: fmt.Sprintf("namespace %s opts out of the ambient mesh (%s: %s), so its services have no mesh identity and none of their AuthorizationPolicies is enforced; set it to %s or remove it",
					n.GetName(), key, have, value)})
		}
	}
}

func (r *renderer) sorted() framework.Results {
	// The keys are built once per result, not per comparison (#8: 15,000
	// warnings made sorting them a visible step).
	type keyedResult struct {
		file, ref, field string
		sev              int
		res              *framework.Result
	}
	ks := make([]keyedResult, len(r.results))
	for i, res := range r.results {
		ks[i] = keyedResult{fileKey(res), refKey(res), fieldKey(res), sevRank(res.Severity), res}
	}
	slices.SortStableFunc(ks, func(a, b keyedResult) int {
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.sev, b.sev), cmp.Compare(a.ref, b.ref), cmp.Compare(a.field, b.field), cmp.Compare(a.res.Message, b.res.Message))
	})
	res := make(framework.Results, len(ks))
	for i, k := range ks {
		res[i] = k.res
	}
	return res
}

func sevRank(s framework.Severity) int {
	switch s {
	case framework.Error:
		return 0
	case framework.Warning:
		return 1
	case framework.Info:
		return 2
	}
	return 0
}

func fileKey(r *framework.Result) string {
	if r.File == nil {
		return ""
	}
	return fmt.Sprintf("%s\x00%09d", r.File.Path, r.File.Index)
}

func refKey(r *framework.Result) string {
	if r.ResourceRef == nil {
		return ""
	}
	return r.ResourceRef.Namespace + "/" + r.ResourceRef.Name
}

func fieldKey(r *framework.Result) string {
	if r.Field == nil {
		return ""
	}
	return r.Field.Path
}

func (r *renderer) errorf(it krm.Item, s *v1alpha1.LatticeService, fieldPath, format string, args ...any) {
	res := &framework.Result{Severity: framework.Error, Message: fmt.Sprintf(format, args...), File: fileOf(it), Field: &framework.Field{Path: fieldPath}}
	if s != nil {
		res.ResourceRef = ref(s)
	} else {
		res.ResourceRef = refFromItem(it)
	}
	r.lineFor(res, it, fieldPath)
	r.results = append(r.results, res)
}

func (r *renderer) fieldErrors(it krm.Item, s *v1alpha1.LatticeService, errs field.ErrorList) {
	for _, e := range errs {
		res := &framework.Result{Severity: framework.Error, Message: detail(e), File: fileOf(it)}
		if s != nil {
			res.ResourceRef = ref(s)
		} else {
			res.ResourceRef = refFromItem(it)
		}
		if e.Field != "" && e.Field != "<nil>" {
			res.Field = &framework.Field{Path: e.Field}
		}
		if line := krm.ErrorLine(e); line > 0 && it.Lines {
			setLine(res, it.LineOffset+line)
		} else {
			r.lineFor(res, it, e.Field)
		}
		r.results = append(r.results, res)
	}
}

// lineFor records the line of fieldPath when the item's lines are known.
func (r *renderer) lineFor(res *framework.Result, it krm.Item, fieldPath string) {
	if it.Node == nil || !it.Lines {
		return
	}
	if line := krm.Line(it.Node, fieldPath); line > 0 {
		setLine(res, it.LineOffset+line)
	}
}

// Lines travel in a result tag: the KRM Result has no line field.
func setLine(res *framework.Result, line int) {
	if res.Tags == nil {
		res.Tags = map[string]string{}
	}
	res.Tags["line"] = strconv.Itoa(line)
}

// detail is the error without the field path (results carry it apart).
func detail(e *field.Error) string {
	switch e.Type {
	case field.ErrorTypeRequired, field.ErrorTypeForbidden:
		return strings.TrimSpace(e.Type.String() + ": " + e.Detail)
	case field.ErrorTypeNotSupported:
		return strings.TrimPrefix(e.ErrorBody(), "Unsupported value: ")
	case field.ErrorTypeDuplicate:
		if e.Detail != "" {
			return "duplicate: " + e.Detail
		}
	case field.ErrorTypeTooLong:
		return e.ErrorBody()
	}
	if e.BadValue == nil || e.Detail == "" {
		return cmp.Or(e.Detail, e.ErrorBody())
	}
	return fmt.Sprintf("%v: %s", printable(e.BadValue), e.Detail)
}

func printable(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func ref(s *v1alpha1.LatticeService) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindLatticeService}, NameMeta: yaml.NameMeta{Name: s.Name, Namespace: s.Namespace}}
}

func refFromItem(it krm.Item) *yaml.ResourceIdentifier {
	if it.Node == nil {
		return nil
	}
	return &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: it.Node.GetApiVersion(), Kind: it.Node.GetKind()}, NameMeta: yaml.NameMeta{Name: it.Node.GetName(), Namespace: it.Node.GetNamespace()}}
}

func fileOf(it krm.Item) *framework.File {
	if it.File == "" {
		return nil
	}
	return &framework.File{Path: it.File, Index: it.Index}
}

func where(it krm.Item) string {
	switch {
	case it.File == "":
		return krm.NodeMeta(it.Node).String()
	case it.Lines:
		return it.File + ":" + strconv.Itoa(it.LineOffset+it.Node.YNode().Line)
	}
	return it.File + " document " + strconv.Itoa(it.Index)
}

// Summary lists derived objects per service, sorted, for explain.
func (o *Output) Summary() map[string][]derive.Derived {
	by := map[string][]derive.Derived{}
	for _, d := range o.Derived {
		for _, s := range d.Sources {
			by[s] = append(by[s], d)
		}
	}
	for _, k := range sorted.Keys(by) {
		slices.SortStableFunc(by[k], func(a, b derive.Derived) int { return cmp.Compare(meta(a).String(), meta(b).String()) })
	}
	return by
}

// nodeRef is the result reference of a finding's node: its LatticeService,
// or the item of a MeshMember.
func nodeRef(n *graph.Node, src krm.Item) *yaml.ResourceIdentifier {
	if n != nil && n.Service != nil {
		return ref(n.Service)
	}
	return refFromItem(src)
}
