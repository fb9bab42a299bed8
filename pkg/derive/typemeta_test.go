package derive

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestSetTypeMeta: registered types get the registry's apiVersion and
// kind; a type the registry lacks is an internal error that says where to
// add it, never an object without a kind.
func TestSetTypeMeta(t *testing.T) {
	sa, pod := &corev1.ServiceAccount{}, &corev1.Pod{}
	errs := setTypeMeta([]Derived{{Object: sa}, {Object: pod}})
	if got := sa.GroupVersionKind(); got != (schema.GroupVersionKind{Version: "v1", Kind: "ServiceAccount"}) {
		t.Errorf("ServiceAccount got %s", got)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "*v1.Pod is not a kind lattice emits: add it to the registry in pkg/kinds") {
		t.Errorf("unregistered Pod: %v", errs)
	}
	if errs[0].BadValue != nil {
		t.Errorf("the message is printed twice: BadValue %v", errs[0].BadValue)
	}
}
