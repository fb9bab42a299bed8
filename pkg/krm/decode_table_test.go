package krm

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestDecodeServiceStrict(t *testing.T) {
	head := "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a, namespace: b}\n"
	cases := map[string]struct {
		reason   string
		spec     string
		wantPath string
		wantMsg  string
		wantLine int
	}{
		"ok":            {reason: "a valid spec decodes", spec: "spec:\n  replicas: 2\n  workload: {containers: {main: {image: x, resources: {limits: {cpu: 1, memory: \"0.5Gi\"}}}}}\n"},
		"typo":          {reason: "near-miss field names get a suggestion", spec: "spec:\n  replica: 2\n", wantPath: "spec.replica", wantMsg: `did you mean "replicas"?`, wantLine: 5},
		"case":          {reason: "wrong case is suggested too", spec: "spec:\n  Replicas: 2\n", wantPath: "spec.Replicas", wantMsg: `did you mean "replicas"?`},
		"unknown":       {reason: "far-off names list the known fields", spec: "spec:\n  frobnicate: 2\n", wantPath: "spec.frobnicate", wantMsg: "known fields here: autoscaling, deploy, ingress, replicas, workload"},
		"duplicate":     {reason: "duplicate keys would silently lose one value", spec: "spec:\n  replicas: 1\n  replicas: 2\n", wantPath: "spec.replicas", wantMsg: "appears twice (first on line 5)", wantLine: 6},
		"dup map key":   {reason: "duplicate keys inside maps too", spec: "spec:\n  workload:\n    containers:\n      main: {image: a}\n      main: {image: b}\n", wantPath: "spec.workload.containers.main", wantMsg: "appears twice"},
		"int as string": {reason: "a string field given a number asks for quotes", spec: "spec:\n  workload: {containers: {main: {image: x, variables: {PORT: 8080}}}}\n", wantPath: "spec.workload.containers[main].variables[PORT]", wantMsg: `quote the value: "8080"`},
		"bool as int":   {reason: "numbers must be numbers", spec: "spec:\n  replicas: yes\n", wantPath: "spec.replicas", wantMsg: "expected a whole number"},
		"list for map":  {reason: "structure mismatches name both shapes", spec: "spec:\n  workload:\n    containers: [main]\n", wantPath: "spec.workload.containers", wantMsg: "expected a map, got a list"},
		"alias":         {reason: "aliases are refused (alias bombs, hidden sharing)", spec: "spec:\n  workload:\n    containers:\n      main: &m {image: x}\n      side: *m\n", wantPath: "spec.workload.containers[side]", wantMsg: "aliases are not allowed"},
		"quantity":      {reason: "quantities may be whole numbers", spec: "spec:\n  workload: {containers: {main: {image: x, resources: {limits: {cpu: 2, memory: 1Gi}}}}}\n"},
		"fraction":      {reason: "fractions must be quoted, as the CRD schema (int-or-string) requires", spec: "spec:\n  workload: {containers: {main: {image: x, resources: {limits: {cpu: 0.5}}}}}\n", wantPath: "spec.workload.containers[main].resources.limits.cpu", wantMsg: "quote fractional quantities"},
		"bad quantity":  {reason: "but not maps", spec: "spec:\n  workload: {containers: {main: {image: x, resources: {limits: {cpu: {a: b}}}}}}\n", wantPath: "spec.workload.containers[main].resources.limits.cpu", wantMsg: "expected a quantity"},
		"port name":     {reason: "int-or-string fields take both", spec: "spec:\n  ingress: {hostname: a.example.com, paths: [{path: /, port: http}, {path: /b, port: 80}]}\n"},
		"metadata free": {reason: "metadata belongs to Kubernetes and is not checked field by field", spec: "spec: {}\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, err := yaml.Parse(head + tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			s, errs := DecodeService(n)
			if tc.wantPath == "" {
				if len(errs) > 0 || s == nil {
					t.Fatalf("%s: unexpected errors %v", tc.reason, errs)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("%s: no error", tc.reason)
			}
			e := errs[0]
			if e.Field != tc.wantPath || !strings.Contains(e.Error(), tc.wantMsg) {
				t.Errorf("%s: got %s: %v, want %s: %q", tc.reason, e.Field, e, tc.wantPath, tc.wantMsg)
			}
			if tc.wantLine > 0 && ErrorLine(e) != tc.wantLine {
				t.Errorf("%s: line %d, want %d", tc.reason, ErrorLine(e), tc.wantLine)
			}
		})
	}
}

func TestLine(t *testing.T) {
	n, err := yaml.Parse("a:\n  b:\n    /etc/x.yaml:\n      c: 1\n  list:\n  - x\n  - y\n")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		"a":                    1,
		"a.b[/etc/x.yaml].c":   4,
		"a.list[1]":            7,
		"a.b[/etc/x.yaml].zzz": 3, // nearest existing parent
		"nope":                 1,
	} {
		if got := Line(n, path); got != want {
			t.Errorf("Line(%s) = %d, want %d", path, got, want)
		}
	}
}

func TestParseStreamLines(t *testing.T) {
	items, err := ParseStream([]byte("# header\na: 1\n---\n\n---\nb: 2\nc: 3\n"), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("got %d items, want 2 (empty documents are skipped)", len(items))
	}
	if l := items[1].LineOffset + Line(items[1].Node, "c"); l != 7 || items[1].Index != 1 {
		t.Errorf("second document: line %d index %d, want line 7 index 1", l, items[1].Index)
	}
	if _, err := ParseStream([]byte("- a\n- b\n"), "f.yaml"); err == nil || !strings.Contains(err.Error(), "must be a Kubernetes object") {
		t.Errorf("a top-level list must be rejected, got %v", err)
	}
	if _, err := ParseStream([]byte("a: \x00\n"), "f.yaml"); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL bytes must be rejected, got %v", err)
	}
}
