package krm

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func randResult(r *rand.Rand) *framework.Result {
	str := func() string {
		if r.IntN(4) == 0 {
			return ""
		}
		s := randString(r)
		if r.IntN(3) == 0 {
			s = "team-000/svc-00001 declares x outbound: add `svc: {type: service}` " + s
		}
		return s
	}
	res := &framework.Result{Message: str(), Severity: []framework.Severity{framework.Error, framework.Warning, framework.Info, ""}[r.IntN(4)]}
	if r.IntN(3) > 0 {
		res.ResourceRef = &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: str(), Kind: str()}, NameMeta: yaml.NameMeta{Name: str(), Namespace: str()}}
	}
	if r.IntN(3) > 0 {
		res.Field = &framework.Field{Path: str()}
		if r.IntN(10) == 0 {
			res.Field.CurrentValue = 3
		}
	}
	if r.IntN(3) > 0 {
		res.File = &framework.File{Path: str(), Index: r.IntN(3)}
	}
	switch r.IntN(4) {
	case 0:
		res.Tags = map[string]string{"line": str()}
	case 1:
		res.Tags = map[string]string{str(): str(), "b": "2"}
	}
	return res
}

// TestResultsMatchYAMLv3: the direct results writer writes what kyaml's
// yaml.Marshal writes.
func TestResultsMatchYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	fast := 0
	for i := range 3000 {
		var rs framework.Results
		for range 1 + r.IntN(3) {
			rs = append(rs, randResult(r))
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
			t.Fatalf("case %d differs:\n--- want\n%s\n--- got\n%s", i, want, got)
		}
		for _, x := range rs {
			if _, ok := appendResult(nil, x); ok {
				fast++
			}
		}
	}
	t.Logf("%d results took the direct writer", fast)
	long := &framework.Result{Message: strings.Repeat("plain words without indicators ", 20), Severity: framework.Warning}
	want, _ := yaml.Marshal(framework.Results{long})
	if got, _ := marshalResults(framework.Results{long}); !bytes.Equal(got, want) {
		t.Errorf("long message:\n%s\n%s", want, got)
	}
}
