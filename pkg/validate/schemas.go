package validate

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/lattice-dev/lattice/pkg/kinds"
)

// The schemas are embedded, so validation needs no cluster and no network.
//
//	schemas/crds/*.json   one trimmed CustomResourceDefinition per file
//	                      (served versions, schema without descriptions,
//	                      subresources), copied from the pinned upstream
//	                      modules and config/crd by TestEmbeddedCRDsInSync
//	                      -update; schemas/crds/SOURCES says from where
//	schemas/core/*.json   the OpenAPI v3 components of the core kinds, as
//	                      served by kube-apiserver, trimmed to the kinds
//	                      below; written by the API-server tier
//	                      (tests/conformance, TestCoreSchemasInSync -update)
//
//go:embed schemas/crds/*.json schemas/crds/SOURCES schemas/core/*.json
var embedded embed.FS

const (
	crdDir  = "schemas/crds"
	coreDir = "schemas/core"
)

// CoreKinds are the built-in kinds with an embedded schema: the core kinds
// lattice emits (pkg/kinds, Schema Core).
var CoreKinds = kinds.CoreKinds()

// CoreSchemaFile is the file under schemas/core holding a group version's
// components: "v1.json", "apps_v1.json".
func CoreSchemaFile(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return gv.Version + ".json"
	}
	return gv.Group + "_" + gv.Version + ".json"
}

// kindInfo is what the catalogue knows about a kind before its validator
// is built (building compiles CEL, so it happens on first use).
type kindInfo struct {
	gvk        schema.GroupVersionKind
	namespaced bool
	// crdFile is set for custom resources: the embedded CRD, parsed on
	// first use (parsing all of them would cost every run ~100ms).
	crdFile string
	// coreFile and coreRoot are set for core kinds: the file under
	// schemas/core and the component name of the kind.
	coreFile, coreRoot string

	once sync.Once
	k    *kindValidator
	err  error
}

// crdHead is the part of a CRD the catalogue indexes.
type crdHead struct {
	Spec struct {
		Group string
		Names struct{ Kind string }
		Scope apiextensionsv1.ResourceScope
		// Versions decode only name and served: the schemas are skipped.
		Versions []struct {
			Name   string
			Served bool
		}
	}
}

// crdVersion parses the embedded CRD of a custom resource kind.
func (i *kindInfo) crdVersion() (*apiextensionsv1.CustomResourceDefinitionVersion, error) {
	data, err := fs.ReadFile(embedded, i.crdFile)
	if err != nil {
		return nil, err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := json.Unmarshal(data, crd); err != nil {
		return nil, fmt.Errorf("embedded %s: %w", i.crdFile, err)
	}
	for j := range crd.Spec.Versions {
		if v := &crd.Spec.Versions[j]; v.Name == i.gvk.Version {
			return v, nil
		}
	}
	return nil, fmt.Errorf("embedded %s has no version %s", i.crdFile, i.gvk.Version)
}

// catalogue indexes every embedded schema by group, version and kind.
type catalogue struct {
	kinds map[schema.GroupVersionKind]*kindInfo
	// byGroupKind lists the served versions of a group/kind, for messages.
	byGroupKind map[schema.GroupKind][]string
}

var (
	catalogueOnce sync.Once
	theCatalogue  *catalogue
	catalogueErr  error
)

func loadCatalogue() (*catalogue, error) {
	catalogueOnce.Do(func() { theCatalogue, catalogueErr = buildCatalogue(embedded) })
	return theCatalogue, catalogueErr
}

func buildCatalogue(fsys fs.FS) (*catalogue, error) {
	c := &catalogue{kinds: map[schema.GroupVersionKind]*kindInfo{}, byGroupKind: map[schema.GroupKind][]string{}}
	files, err := fs.Glob(fsys, crdDir+"/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var head crdHead
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("embedded %s: %w", f, err)
		}
		for _, v := range head.Spec.Versions {
			if !v.Served {
				continue
			}
			gvk := schema.GroupVersionKind{Group: head.Spec.Group, Version: v.Name, Kind: head.Spec.Names.Kind}
			if _, dup := c.kinds[gvk]; dup {
				return nil, fmt.Errorf("embedded %s: %s is defined twice", f, gvk)
			}
			c.kinds[gvk] = &kindInfo{gvk: gvk, namespaced: head.Spec.Scope == apiextensionsv1.NamespaceScoped, crdFile: f}
			c.byGroupKind[gvk.GroupKind()] = append(c.byGroupKind[gvk.GroupKind()], v.Name)
		}
	}
	for _, k := range kinds.All() {
		if k.Schema != kinds.Core {
			continue
		}
		gvk := k.GroupVersionKind
		file := path.Join(coreDir, CoreSchemaFile(gvk.GroupVersion()))
		root, err := coreRootName(fsys, file, gvk)
		if err != nil {
			return nil, fmt.Errorf("%w (%s is a core kind in pkg/kinds: add it to coreKinds in tests/conformance/schemas_test.go, then run `go test -run CoreSchemasInSync -update` in tests/conformance)", err, gvk)
		}
		c.kinds[gvk] = &kindInfo{gvk: gvk, namespaced: k.Namespaced, coreFile: file, coreRoot: root}
		c.byGroupKind[gvk.GroupKind()] = append(c.byGroupKind[gvk.GroupKind()], gvk.Version)
	}
	for gk := range c.byGroupKind {
		sort.Strings(c.byGroupKind[gk])
	}
	return c, nil
}

// Kinds lists every kind the embedded schemas cover, sorted.
func Kinds() ([]schema.GroupVersionKind, error) {
	c, err := loadCatalogue()
	if err != nil {
		return nil, err
	}
	out := make([]schema.GroupVersionKind, 0, len(c.kinds))
	for gvk := range c.kinds {
		out = append(out, gvk)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}
