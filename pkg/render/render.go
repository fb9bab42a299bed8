// Package render is the pipeline; it is the only package that sequences the
// others:
//
//	items ──► krm.Decode (strict) ──► v1alpha1.Default ──► v1alpha1.Validate
//	      ──► graph.Build (bilateral agreements, findings)
//	      ──► derive.Service per service, derive.Shared once
//	      ──► collision checks ──► krm.Encode ──► sorted output + results
//
// Output is all or nothing: any error result leaves the input items
// untouched and adds no derived object.
package render

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

// Mode says who called the renderer.
type Mode int

const (
	// Function is the KRM function: items in, items out, sources handled
	// per Platform spec.output.keepSource.
	Function Mode = iota
	// Stream is `lattice render`: Platform items configure the render and
	// sources never reach the output.
	Stream
	// Inventory is `lattice fleet inventory`: decode, default and validate
	// the LatticeServices (Output.Services) and derive nothing. A
	// FleetInventory in the input is ignored: it is what is being made.
	Inventory
)

const kustomizeIDAnnotation = "kustomize.config.k8s.io/id"

// Output is a finished render.
type Output struct {
	Items   []krm.Out
	Results framework.Results
	// Failed is true when any result is an error; Items are then the
	// untouched input.
	Failed bool
	// Graph, Platform and Derived describe the render for graph/explain.
	// Derived is nil in Function mode, which releases each object once it
	// is encoded.
	Graph    *graph.Graph
	Platform *v1alpha1.Platform
	Derived  []derive.Derived
	// Services are the decoded, defaulted and valid LatticeServices
	// (Inventory mode).
	Services []*v1alpha1.LatticeService
}

type source struct {
	item    krm.Item
	index   int // in the input items
	service *v1alpha1.LatticeService
}

type renderer struct {
	mode     Mode
	results  framework.Results
	platform *v1alpha1.Platform
	locks    []krm.Item
	// pinned maps a tagged image to its locked digest.
	pinned map[string]string
	// inventories and fleets are the FleetInventory and Fleet items
	// (fleet.go).
	inventories, fleets []krm.Item
	// memberItems are the MeshMember items (members.go).
	memberItems []krm.Item
}

// Render runs the pipeline over items with an optional functionConfig. In
// Function mode it may slim the items of decoded LatticeServices in place
// (krm.Item.Slim; Item.Full gives the node as read); Output.Items never
// holds a slimmed node.
func Render(items []krm.Item, fnConfig *yaml.RNode, mode Mode) *Output {
	r := &renderer{mode: mode}
	out := &Output{}
	passthrough, sources, platformItem := r.classify(items, fnConfig)
	r.platform = r.loadPlatform(platformItem)
	out.Platform = r.platform
	if r.platform == nil {
		return r.fail(out, items)
	}
	r.loadLocks()

	var services []*v1alpha1.LatticeService
	seen := map[string]krm.Item{}
	// Performance (#8): decoding, defaulting and validating are independent
	// per service, so they run on every core; the loop below reports in
	// input order, so output and results do not depend on scheduling.
	type decoded struct {
		s          *v1alpha1.LatticeService
		decodeErrs field.ErrorList
		errs       field.ErrorList
	}
	dec := make([]decoded, len(sources))
	// Memory (#8): in function mode a decoded spec's node is slimmed to its
	// metadata (krm.Item.Slim; ReadResourceList slims as it reads); a
	// failed render parses it again for its output. kpt's write-back keeps
	// sources, so their nodes are restored.
	keep := r.keepSources(items)
	passthrough = r.passMembers(passthrough, keep)
	slim := mode == Function && !keep
	if !slim {
		for i := range sources {
			sources[i].item.Restore()
			items[sources[i].index] = sources[i].item
		}
	}
	par.For(len(sources), func(i int) {
		s, errs := sources[i].item.DecodeService()
		if len(errs) > 0 {
			dec[i].decodeErrs = errs
			return
		}
		if slim {
			sources[i].item.Slim()
			items[sources[i].index] = sources[i].item
		}
		v1alpha1.DefaultService(s)
		r.pin(s)
		dec[i] = decoded{s: s, errs: v1alpha1.ValidateService(s, r.platform)}
	})
	for i := range sources {
		src := &sources[i]
		s, errs := dec[i].s, dec[i].decodeErrs
		if len(errs) > 0 {
			r.fieldErrors(src.item, nil, errs)
			continue
		}
		if errs := dec[i].errs; len(errs) > 0 {
			r.fieldErrors(src.item, s, errs)
			continue
		}
		key := s.Namespace + "/" + s.Name
		if prev, dup := seen[key]; dup {
			r.errorf(src.item, s, "metadata.name", "LatticeService %s is defined twice (also in %s); each service must be defined once", key, where(prev))
			continue
		}
		seen[key] = src.item
		src.service = s
		services = append(services, s)
	}
	members := r.loadMembers(seen)
	if r.failed() {
		return r.fail(out, items)
	}
	if mode == Inventory {
		out.Services = services
		out.Results = r.sorted()
		return out
	}

	bySource := map[string]krm.Item{}
	for _, src := range sources {
		if src.service != nil {
			bySource[src.service.Namespace+"/"+src.service.Name] = src.item
		}
	}
	r.memberSources(members, bySource)
	// Multi-cluster (fleet.go): the other clusters' services from the
	// FleetInventory, checked against this render's own.
	fleet := r.loadFleet(services, bySource, platformItem)
	if r.failed() {
		return r.fail(out, items)
	}
	g := graph.BuildMesh(services, members, fleet)
	out.Graph = g
	r.findings(g, bySource)
	// Stale derived objects go before namespaces are counted: a Namespace
	// lattice emitted last time is emitted again, not taken as the user's.
	passthrough = r.dropStale(passthrough, keep)
	sharedIn := derive.SharedInput{Platform: r.platform, Graph: g, Namespaces: namespacesIn(passthrough), Waypoints: waypointsIn(passthrough)}
	r.problems(derive.Check(sharedIn), bySource)
	r.checkGateway(passthrough, sharedIn) // gateway.go
	if r.failed() {
		return r.fail(out, items)
	}

	var derived []derive.Derived
	// Performance (#8): derivers are pure, so services derive on every
	// core; results are collected in graph order. In function mode each
	// object is also annotated and encoded right away, while it is in
	// the cache (a third of encoding was waiting for memory), and the
	// typed object dropped; kpt write-back and spec.output.validate need
	// the objects whole, so they encode in assemble.
	early := mode == Function && !keep && !r.platform.Spec.Output.Validate
	nodes := g.Nodes()
	type perService struct {
		d    []derive.Derived
		errs field.ErrorList
		enc  []encoded
	}
	per := make([]perService, len(nodes))
	par.For(len(nodes), func(i int) {
		p := &per[i]
		p.d, p.errs = derive.Service(derive.Input{Service: nodes[i].Service, Platform: r.platform, Graph: g, Node: nodes[i]})
		if early && len(p.errs) == 0 {
			p.enc = make([]encoded, len(p.d))
			// The service's objects share one source annotation map
			// (encodeDerived leaves it as it is).
			source := nodes[i].Ref.String()
			ann := map[string]string{derive.AnnotationSource: source}
			for j := range p.d {
				if d := p.d[j]; d.Object.GetAnnotations() == nil && len(d.Sources) == 1 && d.Sources[0] == source {
					d.Object.SetAnnotations(ann)
				}
				p.enc[j] = encodeDerived(p.d[j], nil, true)
				p.d[j].Object = nil
			}
		}
	})
	// Each service's objects go to their place in graph order, copied on
	// every core; the namespace-shared objects follow.
	at := make([]int, len(nodes)+1)
	for i, n := range nodes {
		at[i+1] = at[i]
		if len(per[i].errs) > 0 {
			r.fieldErrors(bySource[n.Ref.String()], n.Service, per[i].errs)
			continue
		}
		at[i+1] += len(per[i].d)
	}
	if r.failed() {
		return r.fail(out, items)
	}
	shared := derive.Shared(sharedIn)
	total := at[len(nodes)]
	derived = make([]derive.Derived, total+len(shared))
	enc := make([]encoded, total+len(shared))
	metas := make([]krm.Meta, total+len(shared))
	par.For(len(nodes), func(i int) {
		copy(derived[at[i]:at[i+1]], per[i].d)
		if early {
			copy(enc[at[i]:at[i+1]], per[i].enc)
		}
	})
	copy(derived[total:], shared)
	par.For(len(derived), func(i int) {
		if enc[i].done {
			metas[i] = enc[i].meta
		} else {
			metas[i] = meta(derived[i])
		}
	})
	all := outputKeys(metas, passthrough, sources, keep)
	order := sortedOrder(all)
	r.collisions(all, order, derived, bySource)
	if r.failed() {
		return r.fail(out, items)
	}
	// spec.output.validate (validate.go): the API server's checks, offline.
	if r.validateOutput(derived, bySource); r.failed() {
		return r.fail(out, items)
	}
	if r.enroll(passthrough, g); r.failed() {
		return r.fail(out, items)
	}
	r.markMembers(keep)
	if mode != Function {
		out.Derived = derived
	}

	outs, err := r.assemble(all, order, derived, enc, metas, sources, keep)
	if err != nil {
		r.results = append(r.results, &framework.Result{Severity: framework.Error, Message: "internal error: " + err.Error()})
		return r.fail(out, items)
	}
	out.Items = outs
	out.Results = r.sorted()
	return out
}

// classify splits items into passthrough, LatticeServices and the Platform.
func (r *renderer) classify(items []krm.Item, fnConfig *yaml.RNode) ([]krm.Item, []source, krm.Item) {
	var passthrough []krm.Item
	var sources []source
	var platforms []krm.Item
	for i, it := range items {
		apiVersion, kind := it.Node.GetApiVersion(), it.Node.GetKind()
		if group, _, _ := strings.Cut(apiVersion, "/"); group == v1alpha1.Group {
			switch {
			case apiVersion != v1alpha1.APIVersion:
				r.errorf(it, nil, "apiVersion", "%s %s uses apiVersion %q; this lattice understands %s", kind, it.Node.GetName(), apiVersion, v1alpha1.APIVersion)
			case kind == v1alpha1.KindLatticeService:
				sources = append(sources, source{item: it, index: i})
			case kind == v1alpha1.KindImageLock:
				r.locks = append(r.locks, it)
				if r.mode == Function {
					passthrough = append(passthrough, it)
				}
			case kind == v1alpha1.KindPlatform:
				platforms = append(platforms, it)
				if r.mode == Function {
					passthrough = append(passthrough, it)
				}
			case kind == v1alpha1.KindMeshMember:
				r.memberItems = append(r.memberItems, it)
			case kind == v1alpha1.KindFleetInventory || kind == v1alpha1.KindFleet:
				r.classifyFleet(it, kind)
				if r.mode == Function {
					passthrough = append(passthrough, it)
				}
			default:
				r.errorf(it, nil, "kind", "unknown kind %q in %s; lattice knows LatticeService, MeshMember, Platform, ImageLock, Fleet and FleetInventory", kind, v1alpha1.APIVersion)
			}
			continue
		}
		passthrough = append(passthrough, it)
	}
	if fnConfig != nil && !yaml.IsMissingOrNull(fnConfig) {
		return passthrough, sources, krm.Item{Node: fnConfig, File: "functionConfig"}
	}
	switch len(platforms) {
	case 0:
		return passthrough, sources, krm.Item{}
	case 1:
		return passthrough, sources, platforms[0]
	}
	for _, p := range platforms[1:] {
		r.errorf(p, nil, "kind", "more than one Platform in the input (first in %s); keep one Platform per render", where(platforms[0]))
	}
	return passthrough, sources, krm.Item{}
}

func (r *renderer) loadPlatform(cfg krm.Item) *v1alpha1.Platform {
	n := cfg.Node
	if n != nil && !yaml.IsMissingOrNull(n) {
		if n.GetApiVersion() != v1alpha1.APIVersion || n.GetKind() != v1alpha1.KindPlatform {
			r.results = append(r.results, &framework.Result{Severity: framework.Error,
				Message: fmt.Sprintf("the functionConfig is %s %s; lattice is configured by apiVersion: %s, kind: %s (or no functionConfig for the defaults)", n.GetApiVersion(), n.GetKind(), v1alpha1.APIVersion, v1alpha1.KindPlatform)})
			return nil
		}
	}
	p, errs := krm.DecodePlatform(n)
	if len(errs) == 0 {
		v1alpha1.DefaultPlatform(p)
		errs = v1alpha1.ValidatePlatform(p)
	}
	if len(errs) > 0 {
		r.fieldErrors(cfg, nil, errs)
		return nil
	}
	return p
}

// loadLocks reads every ImageLock; two locks may not disagree.
func (r *renderer) loadLocks() {
	r.pinned = map[string]string{}
	for _, it := range r.locks {
		l, errs := krm.DecodeImageLock(it.Node)
		if len(errs) > 0 {
			r.fieldErrors(it, nil, errs)
			continue
		}
		for i, img := range l.Spec.Images {
			p := field.NewPath("spec", "images").Index(i)
			ref, err := v1alpha1.ParseImage(img.Image)
			switch {
			case err != nil:
				r.fieldErrors(it, nil, field.ErrorList{field.Invalid(p.Child("image"), img.Image, err.Error())})
			case ref.Digest != "":
				r.fieldErrors(it, nil, field.ErrorList{field.Invalid(p.Child("image"), img.Image, "a locked image is the tagged reference; the digest goes in digest")})
			case !v1alpha1.IsDigest(img.Digest):
				r.fieldErrors(it, nil, field.ErrorList{field.Invalid(p.Child("digest"), img.Digest, "must be sha256:<64 lowercase hex>; run `lattice pin` again instead of editing the lock")})
			case r.pinned[img.Image] != "" && r.pinned[img.Image] != img.Digest:
				r.fieldErrors(it, nil, field.ErrorList{field.Invalid(p.Child("digest"), img.Digest, "another ImageLock pins "+img.Image+" to "+r.pinned[img.Image]+"; keep one lock per render")})
			default:
				r.pinned[img.Image] = img.Digest
			}
		}
	}
}

// pin rewrites tagged images that have a lock entry to tag@digest, before
// validation checks the digest requirement.
func (r *renderer) pin(s *v1alpha1.LatticeService) {
	for name, c := range s.Spec.Workload.Containers {
		if d, ok := r.pinned[c.Image]; ok {
			c.Image += "@" + d
			s.Spec.Workload.Containers[name] = c
		}
	}
}

// findings turns one-sided and dangling declarations into results on the
// declaring service; spec.mesh.oneSided decides their severity
// (FindingKind.Strict).
func (r *renderer) findings(g *graph.Graph, bySource map[string]krm.Item) {
	// Built on every core, appended in the graph's order.
	res := make([]*framework.Result, len(g.Findings))
	par.For(len(g.Findings), func(i int) {
		f := &g.Findings[i]
		sev := framework.Warning
		if f.Kind.Strict() && r.platform.Spec.Mesh.OneSided == v1alpha1.OneSidedError || f.Kind.Error() {
			sev = framework.Error
		}
		src := bySource[f.On.String()]
		res[i] = &framework.Result{
			Severity: sev, Message: f.Message,
			ResourceRef: nodeRef(g.Node(f.On), src),
			Field:       &framework.Field{Path: findingPath(g, f)},
			File:        fileOf(src),
		}
		if f.Field != "" {
			res[i].Field.Path += "." + f.Field
		}
		r.lineFor(res[i], src, res[i].Field.Path)
	})
	r.results = append(r.results, res...)
}

func (r *renderer) problems(ps []derive.Problem, bySource map[string]krm.Item) {
	for _, p := range ps {
		res := &framework.Result{Severity: framework.Error, Message: p.Message}
		if p.Warning {
			res.Severity = framework.Warning
		}
		if it, ok := bySource[p.Source]; ok {
			res.ResourceRef, res.File = refFromItem(it), fileOf(it)
			if p.Field != "" {
				res.Field = &framework.Field{Path: p.Field}
				r.lineFor(res, it, p.Field)
			}
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

// keepSources decides whether LatticeServices stay in the output as
// local-config. kpt writes the output back over the package, so sources
// must survive; kustomize and Argo CD must never receive them.
func (r *renderer) keepSources(items []krm.Item) bool {
	switch {
	case r.mode == Stream:
		return false
	case r.platform.Spec.Output.KeepSource == v1alpha1.KeepSourceAlways:
		return true
	case r.platform.Spec.Output.KeepSource == v1alpha1.KeepSourceNever:
		return false
	}
	kpt := false
	for _, it := range items {
		if _, ok := it.Node.GetAnnotations()[kustomizeIDAnnotation]; ok {
			return false
		}
		if it.File != "" {
			kpt = true
		}
	}
	return kpt
}

// dropStale removes objects a previous render of a kept-source package
// derived: they are derived again from the current sources, which makes a
// second render a no-op and removes objects of deleted services.
func (r *renderer) dropStale(items []krm.Item, keep bool) []krm.Item {
	if !keep {
		return items
	}
	return slices.DeleteFunc(slices.Clone(items), func(it krm.Item) bool {
		_, derived := it.Node.GetAnnotations()[derive.AnnotationSource]
		return derived
	})
}

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

// outputKeys lists every output object with its sort key: the passthrough
// items, the sources kpt writes back, then the derived objects (metas).
func outputKeys(metas []krm.Meta, passthrough []krm.Item, sources []source, keep bool) []keyed {
	all := make([]keyed, 0, len(passthrough)+len(sources)+len(metas))
	for i := range passthrough {
		all = append(all, keyed{key: krm.NodeMeta(passthrough[i].Node), derived: -1, item: &passthrough[i]})
	}
	if keep {
		for _, src := range sources {
			all = append(all, keyed{key: krm.NodeMeta(src.item.Node), derived: -1, out: krm.Out{Node: src.item.Node}})
		}
	}
	for i, m := range metas {
		all = append(all, keyed{key: m, derived: i})
	}
	return all
}

// assemble encodes derived objects and lays out every object in order, a
// total order, so the same input in any order gives byte-identical output.
func (r *renderer) assemble(all []keyed, order []int32, derived []derive.Derived, enc []encoded, metas []krm.Meta, sources []source, keep bool) ([]krm.Out, error) {
	for i := range all {
		if all[i].item != nil {
			all[i].out = krm.Out{Node: all[i].item.Node}
		}
	}
	if keep {
		for _, src := range sources {
			n := src.item.Node
			if err := n.PipeE(yaml.SetAnnotation(filters.LocalConfigAnnotation, "true")); err != nil {
				return nil, err
			}
			// Written back by kpt as "true", the way everyone writes it,
			// rather than the encoder's 'true'.
			if v, err := n.Pipe(yaml.Lookup("metadata", "annotations", filters.LocalConfigAnnotation)); err == nil && v != nil {
				v.YNode().Style = yaml.DoubleQuotedStyle
			}
		}
	}
	paths := r.paths(derived, sources, keep)
	// Performance (#8): what was not encoded as it was derived is
	// encoded on every core.
	par.For(len(derived), func(i int) {
		if enc[i].done {
			return
		}
		var at *filePos
		if p, ok := paths[i]; ok {
			at = &p
		}
		enc[i] = encodeDerived(derived[i], at, r.mode == Function)
		if r.mode == Function {
			// Memory (#8): the typed object is not needed again.
			derived[i].Object = nil
		}
	})
	for i := range derived {
		if err := enc[i].err; err != nil {
			return nil, fmt.Errorf("cannot encode %s: %w", metas[i], err)
		}
	}
	outs := make([]krm.Out, len(order))
	for i, k := range order {
		if d := all[k].derived; d < 0 {
			outs[i] = all[k].out
		} else if r.mode == Function {
			outs[i] = krm.Out{Item: enc[d].yaml}
		} else {
			outs[i] = krm.Out{YAML: enc[d].yaml}
		}
	}
	return outs, nil
}

// encoded is a derived object as written.
type encoded struct {
	done bool
	meta krm.Meta
	yaml []byte
	err  error
}

// encodeDerived annotates d's object with its sources (and, for kpt
// write-back, its file) and encodes it, as a ResourceList item in
// function mode (item).
func encodeDerived(d derive.Derived, at *filePos, item bool) encoded {
	e := encoded{done: true, meta: meta(d)}
	ann := d.Object.GetAnnotations()
	if source := derive.SourceAnnotation(d); ann[derive.AnnotationSource] != source || at != nil {
		// A map of the object's own: the annotations may be shared.
		ann = maps.Clone(ann)
		if ann == nil {
			ann = map[string]string{}
		}
		ann[derive.AnnotationSource] = source
	}
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
	if item {
		e.yaml, e.err = krm.EncodeItem(d.Object)
	} else {
		e.yaml, e.err = krm.Encode(d.Object)
	}
	return e
}

// keyed is an output object with its sort key.
type keyed struct {
	key  krm.Meta
	rank int // kindRank(key.Kind)
	pos  int // position before sorting: equal keys keep their order
	// derived is the index of a derived object, or -1; item is a
	// passthrough item, out a source kpt writes back.
	derived int
	item    *krm.Item
	out     krm.Out
}

func compareKeyed(a, b *keyed) int {
	return cmp.Or(
		cmp.Compare(a.key.Namespace, b.key.Namespace),
		cmp.Compare(a.rank, b.rank),
		cmp.Compare(a.key.Kind, b.key.Kind),
		cmp.Compare(a.key.Name, b.key.Name),
		cmp.Compare(a.key.APIVersion, b.key.APIVersion),
		cmp.Compare(a.pos, b.pos),
	)
}

// sortedOrder gives the indexes of all in output order, a total order (so
// any sort gives the same result). Performance (#8): the namespace comes
// first in the key, so objects are grouped by namespace with a counting
// sort, and each group, a few hundred objects at most in a big app, is
// sorted on its own, on every core; the keyed values are never moved.
func sortedOrder(all []keyed) []int32 {
	ids := map[string]int32{}
	var names []string
	group := make([]int32, len(all))
	lastNS, lastID := "", int32(-1)
	for i := range all {
		all[i].rank = kindRank(all[i].key.Kind)
		all[i].pos = i
		// A service's objects are neighbours: one lookup for a run.
		ns := all[i].key.Namespace
		if lastID < 0 || ns != lastNS {
			id, ok := ids[ns]
			if !ok {
				id = int32(len(names))
				ids[ns] = id
				names = append(names, ns)
			}
			lastNS, lastID = ns, id
		}
		group[i] = lastID
	}
	byName := make([]int32, len(names))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return cmp.Compare(names[a], names[b]) })
	slot := make([]int32, len(names)) // group id → its place in name order
	for place, id := range byName {
		slot[id] = int32(place)
	}
	start := make([]int, len(names)+1)
	for _, id := range group {
		start[slot[id]+1]++
	}
	for i := range names {
		start[i+1] += start[i]
	}
	next := slices.Clone(start[:len(names)])
	order := make([]int32, len(all))
	for i, id := range group {
		order[next[slot[id]]] = int32(i)
		next[slot[id]]++
	}
	par.For(len(names), func(g int) {
		slices.SortFunc(order[start[g]:start[g+1]], func(a, b int32) int { return compareKeyed(&all[a], &all[b]) })
	})
	return order
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

var kindOrder = []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "Service", "Deployment"}

func kindRank(kind string) int {
	switch kind { // kindOrder, as a switch
	case "Namespace":
		return 0
	case "CustomResourceDefinition":
		return 1
	case "ServiceAccount":
		return 2
	case "Secret":
		return 3
	case "ConfigMap":
		return 4
	case "PersistentVolumeClaim":
		return 5
	case "Service":
		return 6
	case "Deployment":
		return 7
	}
	return len(kindOrder)
}

// enroll labels the input's Namespaces that hold services for the ambient
// mesh: the one edit lattice makes to an object it did not derive, because
// without the label none of the derived policies is enforced. It runs only
// once the render cannot fail, so a failed render returns its input as is.
// A namespace that opts out with another value keeps it, with a warning.
func (r *renderer) enroll(items []krm.Item, g *graph.Graph) {
	key, value := derive.Enrollment()
	mesh := derive.MeshNamespaces(g)
	for _, it := range items {
		n := it.Node
		if n.GetKind() != "Namespace" || n.GetApiVersion() != "v1" || !slices.Contains(mesh, n.GetName()) {
			continue
		}
		have, ok := n.GetLabels()[key]
		switch {
		case !ok:
			if err := n.PipeE(yaml.SetLabel(key, value)); err != nil {
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

func namespacesIn(items []krm.Item) map[string]bool {
	ns := map[string]bool{}
	for _, it := range items {
		if it.Node.GetKind() == "Namespace" && it.Node.GetApiVersion() == "v1" {
			ns[it.Node.GetName()] = true
		}
	}
	return ns
}

func (r *renderer) failed() bool {
	for _, res := range r.results {
		if res.Severity == framework.Error {
			return true
		}
	}
	return false
}

func (r *renderer) fail(out *Output, items []krm.Item) *Output {
	out.Failed = true
	out.Items = make([]krm.Out, len(items))
	for i, it := range items {
		out.Items[i] = krm.Out{Node: it.Full()}
	}
	out.Results = r.sorted()
	return out
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
