// Package validate checks Kubernetes objects offline, the way kube-apiserver
// checks them on create, against schemas embedded in the binary: the core
// kinds lattice emits (schemas/core, captured from a real apiserver) and the
// CRDs of every API it targets plus its own (schemas/crds).
//
// Custom resources go through the apiextensions-apiserver code the server
// runs: metadata coercion, pruning (unknown fields), defaulting, OpenAPI
// validation, embedded-object and list-type checks, and the CRDs' CEL
// x-kubernetes-validations. Core kinds are validated against their OpenAPI
// schema with the same code, plus the Go-only rules of corechecks.go (the
// server validates core kinds in Go; the schema alone misses most rules).
//
// Unknown fields are errors, as with `kubectl apply` (fieldValidation
// Strict); a server asked with the default Warn would drop them instead.
// What validation cannot know offline (admission webhooks, references to
// other objects, quotas, immutable fields on update) is listed in
// docs/validate.md.
package validate

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/lattice-dev/lattice/pkg/krm"
)

// Severity of a problem.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Problem is one finding on an object.
type Problem struct {
	Severity Severity `json:"severity"`
	// Field is the path of the offending field, e.g.
	// spec.rules[0].matches[0].path.value; empty for the whole object.
	Field string `json:"field,omitempty"`
	// Message is what kube-apiserver would say, e.g.
	// `Unsupported value: "PERMIT": supported values: "ALLOW", ...`.
	Message string `json:"message"`
}

// Options tune validation.
type Options struct {
	// AllowUnknown reports kinds without an embedded schema as a warning
	// instead of an error.
	AllowUnknown bool
}

// Object validates one object, given as decoded JSON (map[string]any with
// int64 and float64 numbers, as k8s.io/apimachinery/pkg/util/json decodes).
// obj is not modified. Objects annotated config.kubernetes.io/local-config
// are validated like any other: callers that skip them decide so.
func Object(obj map[string]any, opts Options) []Problem {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case apiVersion == "" && kind == "":
		return []Problem{{Error, "", "apiVersion and kind are required"}}
	case apiVersion == "":
		return []Problem{{Error, "apiVersion", "Required value"}}
	case kind == "":
		return []Problem{{Error, "kind", "Required value"}}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return []Problem{{Error, "apiVersion", err.Error()}}
	}
	gvk := gv.WithKind(kind)
	c, err := loadCatalogue()
	if err != nil {
		return []Problem{{Error, "", "internal error: " + err.Error()}}
	}
	info, ok := c.kinds[gvk]
	if !ok {
		if versions := c.byGroupKind[gvk.GroupKind()]; len(versions) > 0 {
			return []Problem{{Error, "apiVersion", fmt.Sprintf("%s is not served for kind %s; served versions: %s", apiVersion, kind, strings.Join(versions, ", "))}}
		}
		sev := Error
		if opts.AllowUnknown {
			sev = Warning
		}
		return []Problem{{sev, "kind", fmt.Sprintf("unknown kind %s %s: no schema is embedded for it, so it was not validated", apiVersion, kind)}}
	}
	k, err := info.validator()
	if err != nil {
		return []Problem{{Error, "", "internal error: " + err.Error()}}
	}
	obj = runtime.DeepCopyJSON(obj)
	errs, unknown, celSkipped := k.validate(obj)
	var problems []Problem
	for _, f := range unknown {
		problems = append(problems, Problem{Error, f, "unknown field (kubectl apply rejects it; a server asked with fieldValidation=Warn drops it silently)"})
	}
	for _, e := range errs {
		problems = append(problems, fromFieldError(e))
	}
	if celSkipped {
		problems = append(problems, Problem{Warning, "", "the CRD's x-kubernetes-validations (CEL) rules were not checked because of the errors above, as the API server would not either"})
	}
	return problems
}

// YAML decodes one YAML document the way kubectl does, for Object (YAML
// is read in pkg/krm).
func YAML(doc []byte) (map[string]any, error) { return krm.Unstructured(doc) }

func fromFieldError(e *field.Error) Problem {
	f := e.Field
	if f == "<nil>" {
		f = ""
	}
	return Problem{Severity: Error, Field: f, Message: e.ErrorBody()}
}

// kindValidator holds the compiled schema of one kind.
type kindValidator struct {
	info       *kindInfo
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *cel.Validator
	core       bool
	// dropStatus: the status subresource (and every core kind) ignores
	// status on create.
	dropStatus bool
	scale      *apiextensionsv1.CustomResourceSubresourceScale
	name       apimachineryvalidation.ValidateNameFunc
	checks     func(obj map[string]any) field.ErrorList
}

func (i *kindInfo) validator() (*kindValidator, error) {
	i.once.Do(func() { i.k, i.err = i.build() })
	return i.k, i.err
}

func (i *kindInfo) build() (*kindValidator, error) {
	k := &kindValidator{info: i, name: apimachineryvalidation.NameIsDNSSubdomain}
	var v1 *apiextensionsv1.JSONSchemaProps
	if i.crdFile != "" {
		version, err := i.crdVersion()
		if err != nil {
			return nil, err
		}
		if version.Schema == nil || version.Schema.OpenAPIV3Schema == nil {
			return nil, fmt.Errorf("%s has no schema", i.gvk)
		}
		v1 = version.Schema.OpenAPIV3Schema
		if sr := version.Subresources; sr != nil {
			k.dropStatus = sr.Status != nil
			k.scale = sr.Scale
		}
	} else {
		doc, err := readCoreDoc(embedded, i.coreFile)
		if err != nil {
			return nil, err
		}
		if v1, err = coreSchema(doc, i.coreRoot); err != nil {
			return nil, fmt.Errorf("%s: %w", i.gvk, err)
		}
		k.core, k.dropStatus = true, true
		k.name, k.checks = coreRules(i.gvk)
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, internal, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", i.gvk, err)
	}
	s, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("%s: schema is not structural: %w", i.gvk, err)
	}
	s = s.DeepCopy()
	if !k.core {
		if err := structuraldefaulting.PruneDefaults(s); err != nil {
			return nil, fmt.Errorf("%s: %w", i.gvk, err)
		}
		k.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
	}
	k.structural = s
	if k.schema, _, err = apiservervalidation.NewSchemaValidator(internal); err != nil {
		return nil, fmt.Errorf("%s: %w", i.gvk, err)
	}
	return k, nil
}

// validate runs what kube-apiserver runs on a create, in its order:
// decode (metadata coercion, pruning, defaulting), PrepareForCreate,
// Validate. obj is modified. celSkipped is set when CEL rules were not
// evaluated because of blocking errors.
func (k *kindValidator) validate(obj map[string]any) (_ field.ErrorList, unknown []string, celSkipped bool) {
	var errs field.ErrorList
	objectMeta, foundMeta, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(obj, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("metadata"), field.OmitValueType{}, err.Error())}, nil, false
	}
	unknown = append(unknown, structuralpruning.PruneWithOptions(obj, k.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, k.structural)
	if !k.core {
		ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, obj, k.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
		if ferr != nil {
			errs = append(errs, ferr)
		}
		unknown = append(unknown, paths...)
	}
	if foundMeta {
		// What kubectl and the request URL do: a namespaced object without a
		// namespace goes to "default"; a cluster-scoped one loses it.
		switch {
		case k.info.namespaced && objectMeta.Namespace == "":
			objectMeta.Namespace = "default"
		case !k.info.namespaced:
			objectMeta.Namespace = ""
		}
		if err := schemaobjectmeta.SetObjectMeta(obj, objectMeta); err != nil {
			return append(errs, field.Invalid(field.NewPath("metadata"), field.OmitValueType{}, err.Error())), nil, false
		}
	}
	slices.Sort(unknown)
	unknown = slices.Compact(unknown)
	if !k.core {
		structuraldefaulting.Default(obj, k.structural)
	}
	if k.dropStatus {
		delete(obj, "status")
	}

	u := &unstructured.Unstructured{Object: obj}
	errs = append(errs, apimachineryvalidation.ValidateObjectMetaAccessor(u, k.info.namespaced, k.name, field.NewPath("metadata"))...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, obj, k.schema)...)
	if k.core {
		qerrs := checkQuantities(nil, obj, k.structural)
		errs = append(errs, qerrs...)
		// The Go rules need the object decoded into its Go type, which a
		// wrong type or a bad quantity prevents (the server stops there too).
		if !slices.ContainsFunc(errs, func(e *field.Error) bool { return e.Type == field.ErrorTypeTypeInvalid }) && len(qerrs) == 0 && k.checks != nil {
			errs = append(errs, k.checks(obj)...)
		}
		return dedupe(errs), unknown, false
	}
	errs = append(errs, k.validateScale(obj)...)
	errs = append(errs, schemaobjectmeta.Validate(nil, obj, k.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, k.structural, obj)...)
	if k.cel != nil {
		if blocking(errs) {
			celSkipped = true
		} else {
			celErrs, _ := k.cel.Validate(context.Background(), nil, k.structural, obj, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
	}
	return dedupe(errs), unknown, celSkipped
}

// blocking is the apiserver's rule for skipping CEL: these errors mean the
// object is too malformed for rules to be evaluated meaningfully.
func blocking(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

func (k *kindValidator) validateScale(obj map[string]any) field.ErrorList {
	if k.scale == nil {
		return nil
	}
	p := strings.TrimPrefix(k.scale.SpecReplicasPath, ".")
	replicas, found, err := unstructured.NestedInt64(obj, strings.Split(p, ".")...)
	switch {
	case err != nil:
		return field.ErrorList{field.Invalid(field.NewPath(k.scale.SpecReplicasPath), replicas, err.Error())}
	case !found:
		return nil
	case replicas < 0:
		return field.ErrorList{field.Invalid(field.NewPath(k.scale.SpecReplicasPath), replicas, "should be a non-negative integer")}
	case replicas > math.MaxInt32:
		return field.ErrorList{field.Invalid(field.NewPath(k.scale.SpecReplicasPath), replicas, fmt.Sprintf("should be less than or equal to %v", math.MaxInt32))}
	}
	return nil
}

func dedupe(errs field.ErrorList) field.ErrorList {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		key := e.Field + "\x00" + e.ErrorBody()
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b *field.Error) int { return cmp.Compare(a.Field, b.Field) })
	return out
}
