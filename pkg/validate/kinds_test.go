package validate

import (
	"testing"

	"github.com/lattice-dev/lattice/pkg/kinds"
)

// TestEveryEmittedKindHasSchema: `lattice validate` and spec.output.validate
// can check every kind lattice emits, from the source the registry names.
func TestEveryEmittedKindHasSchema(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds.All() {
		info, ok := c.kinds[k.GroupVersionKind]
		switch {
		case !ok && k.Schema == kinds.CRD:
			t.Errorf("%s: no embedded CRD serves it; add its module to crdSources in schemas_test.go (and tests/conformance/harness.go), then run go test ./pkg/validate -run EmbeddedCRDsInSync -update", k.GroupVersionKind)
		case !ok:
			t.Errorf("%s: no embedded core schema; add it to coreKinds in tests/conformance/schemas_test.go, then run go test -run CoreSchemasInSync -update in tests/conformance", k.GroupVersionKind)
		case k.Schema == kinds.CRD && info.crdFile == "":
			t.Errorf("%s: pkg/kinds says CRD, but the embedded schema is a core one", k.GroupVersionKind)
		case k.Schema == kinds.Core && info.coreFile == "":
			t.Errorf("%s: pkg/kinds says Core, but the embedded schema is a CRD (%s)", k.GroupVersionKind, info.crdFile)
		case info.namespaced != k.Namespaced:
			t.Errorf("%s: pkg/kinds says namespaced=%v, its schema says %v", k.GroupVersionKind, k.Namespaced, info.namespaced)
		}
	}
}

// TestCoreRulesCoverRegistry: every core kind lattice emits has an entry
// in coreRuleSet (corechecks.go), its name rule and the Go-only checks of
// kube-apiserver ported for it.
func TestCoreRulesCoverRegistry(t *testing.T) {
	for _, gvk := range kinds.CoreKinds() {
		if _, ok := coreRuleSet[gvk.Kind]; !ok {
			t.Errorf("%s: no entry in coreRuleSet (corechecks.go); port the name rule and the Go checks kube-apiserver runs for it (k8s.io/kubernetes/pkg/apis/*/validation)", gvk)
		}
	}
}
