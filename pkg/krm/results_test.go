package krm

import (
	"bytes"
	"fmt"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestResultsInParts: results marshaled in parts concatenate to what one
// yaml.Marshal of them all writes.
func TestResultsInParts(t *testing.T) {
	var rs framework.Results
	for i := range 1000 {
		rs = append(rs, &framework.Result{Severity: framework.Warning, Message: fmt.Sprintf("message %d: a: b # c", i),
			ResourceRef: &yaml.ResourceIdentifier{NameMeta: yaml.NameMeta{Name: "x", Namespace: "y"}},
			Field:       &framework.Field{Path: "spec.a"}, File: &framework.File{Path: "f.yaml", Index: i % 3},
			Tags: map[string]string{"line": fmt.Sprint(i)}})
	}
	want, err := yaml.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalResults(rs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("results in parts differ from one marshal:\n%s\n---\n%s", want, got)
	}
}
