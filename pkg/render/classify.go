package render

// Stage 1: read and classify. The Platform configures the render; image
// locks pin tags; LatticeServices are decoded strictly, defaulted and
// validated; everything else passes through.

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/par"
)

// classified is the input sorted by what lattice does with it.
type classified struct {
	passthrough []krm.Item
	sources     []source
	platform    krm.Item
	// kustomize is true when kustomize sent a function its items
	// (fromKustomize); only a function asks.
	kustomize bool
}

// decodeServices decodes, defaults and validates every LatticeService
// (independent per service, so on every core) and reports in input order.
// bySource maps "namespace/name" to the item of each valid service.
func (r *renderer) decodeServices(sources []source) ([]*v1alpha1.LatticeService, map[string]krm.Item) {
	type decoded struct {
		s          *v1alpha1.LatticeService
		decodeErrs field.ErrorList
		errs       field.ErrorList
	}
	dec := make([]decoded, len(sources))
	par.For(len(sources), func(i int) {
		s, errs := sources[i].item.DecodeService()
		if len(errs) > 0 {
			dec[i].decodeErrs = errs
			return
		}
		v1alpha1.DefaultService(s)
		r.pin(s)
		dec[i] = decoded{s: s, errs: v1alpha1.ValidateService(s, r.platform)}
	})
	var services []*v1alpha1.LatticeService
	bySource := map[string]krm.Item{}
	for i := range sources {
		src := &sources[i]
		s := dec[i].s
		if errs := dec[i].decodeErrs; len(errs) > 0 {
			r.fieldErrors(src.item, nil, errs)
			continue
		}
		if errs := dec[i].errs; len(errs) > 0 {
			r.fieldErrors(src.item, s, errs)
			continue
		}
		key := s.Namespace + "/" + s.Name
		if prev, dup := bySource[key]; dup {
			r.errorf(src.item, s, "metadata.name", "LatticeService %s is defined twice (also in %s); each service must be defined once", key, where(prev))
			continue
		}
		bySource[key] = src.item
		src.service = s
		services = append(services, s)
	}
	return services, bySource
}

// classify splits items into passthrough, LatticeServices and the Platform.
// classify splits items into passthrough, LatticeServices and the Platform.
func (r *renderer) classify(items []krm.Item, fnConfig *yaml.RNode) classified {
	passthrough, sources, platform := r.split(items, fnConfig)
	return classified{passthrough: passthrough, sources: sources, platform: platform, kustomize: r.opts.passLatticeKinds && fromKustomize(items)}
}

func (r *renderer) split(items []krm.Item, fnConfig *yaml.RNode) ([]krm.Item, []source, krm.Item) {
	var passthrough []krm.Item
	var sources []source
	var platforms []krm.Item
	for _, it := range items {
		apiVersion, kind := it.Node.GetApiVersion(), it.Node.GetKind()
		if group, _, _ := strings.Cut(apiVersion, "/"); group == v1alpha1.Group {
			switch {
			case apiVersion != v1alpha1.APIVersion:
				r.errorf(it, nil, "apiVersion", "%s %s uses apiVersion %q; this lattice understands %s", kind, it.Node.GetName(), apiVersion, v1alpha1.APIVersion)
			case kind == v1alpha1.KindLatticeService:
				sources = append(sources, source{item: it})
			case kind == v1alpha1.KindImageLock:
				r.locks = append(r.locks, it)
				if r.opts.passLatticeKinds {
					passthrough = append(passthrough, it)
				}
			case kind == v1alpha1.KindPlatform:
				platforms = append(platforms, it)
				if r.opts.passLatticeKinds {
					passthrough = append(passthrough, it)
				}
			case kind == v1alpha1.KindMeshMember:
				r.memberItems = append(r.memberItems, it)
			case kind == v1alpha1.KindServiceDirectory || kind == v1alpha1.KindFleetInventory || kind == v1alpha1.KindFleet:
				r.classifyFleet(it, kind)
				if r.opts.passLatticeKinds {
					passthrough = append(passthrough, it)
				}
			default:
				r.errorf(it, nil, "kind", "unknown kind %q in %s; lattice knows LatticeService, MeshMember, Platform, ImageLock, Fleet, ServiceDirectory and FleetInventory", kind, v1alpha1.APIVersion)
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

// keepSources decides whether LatticeServices stay in the output as
// local-config. kpt writes the output back over the package, so sources
// must survive; kustomize and Argo CD must never receive them.
func (r *renderer) keepSources(items []krm.Item, kustomize bool) bool {
	switch {
	case !r.opts.mayKeepSources:
		return false
	case r.platform.Spec.Output.KeepSource == v1alpha1.KeepSourceAlways:
		return true
	case r.platform.Spec.Output.KeepSource == v1alpha1.KeepSourceNever:
		return false
	}
	if kustomize {
		return false
	}
	return slices.ContainsFunc(items, func(it krm.Item) bool { return it.File != "" })
}

// fromKustomize is true when kustomize sent the items: it puts its id on
// each one.
func fromKustomize(items []krm.Item) bool {
	return slices.ContainsFunc(items, func(it krm.Item) bool {
		_, ok := it.Node.GetAnnotations()[kustomizeIDAnnotation]
		return ok
	})
}

// dropLocalKinds leaves lattice's own local-config objects (Platform,
// ImageLock, the directory view, Fleet) out of a kustomize build's output.
// kustomize drops every local-config object at the end of a build
// (IgnoreLocal), so sending them back only cost time: writing a view as
// large as the render's services, and kustomize reading it again, was a
// third of a render with its view (#14, BENCHMARKS.md). kpt writes its
// output back over the package, so there they stay.
func (r *renderer) dropLocalKinds(passthrough []krm.Item, kustomize bool) []krm.Item {
	if !r.opts.passLatticeKinds || !kustomize {
		return passthrough
	}
	return slices.DeleteFunc(slices.Clone(passthrough), func(it krm.Item) bool {
		group, _, _ := strings.Cut(it.Node.GetApiVersion(), "/")
		v, local := it.Node.GetAnnotations()[krm.LocalConfigAnnotation]
		return group == v1alpha1.Group && local && v != "false"
	})
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
