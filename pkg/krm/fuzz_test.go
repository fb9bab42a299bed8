package krm

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// Fuzz targets. `make fuzz` runs each for FUZZTIME; plain `go test` runs
// their seeds (f.Add and testdata/fuzz/<target>/), so every input the
// fuzzer ever found stays a regression test. Properties: no panic; a
// successful decode is deterministic; written YAML reads back unchanged.

const seedService = `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: api
  namespace: prod
  labels: {team: a}
spec:
  replicas: 2
  workload:
    containers:
      main:
        image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
        command: ["/app/server"]
        variables: {URL: "${resources.db.url}", N: "1"}
        resources: {limits: {cpu: 500m, memory: 256Mi}, requests: {cpu: 0.5}}
        files:
          /etc/app.yaml: {content: "a: 1\n", mode: "0644"}
        readinessProbe: {httpGet: {path: /ready, port: http}}
    service:
      ports:
        http: {port: 8080}
    resources:
      db: {type: service, namespace: data}
      web: {type: service, direction: inbound, rules: [{methods: [GET], paths: [/api/*]}]}
  ingress:
    hostname: api.example.com
`

func resourceListOf(docs ...string) string {
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, d := range docs {
		b.Write(appendIndented(nil, []byte(d), "- ", "  "))
	}
	return b.String()
}

func FuzzReadResourceList(f *testing.F) {
	f.Add([]byte(resourceListOf(seedService, "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n")))
	for _, in := range resourceLists {
		f.Add([]byte(in))
	}
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- &a [*a]\n"))
	f.Add([]byte("kind: ResourceList\nitems:\n- a: &x {b: [*x, *x]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, fc, err := ReadResourceList(bytes.NewReader(data))
		items2, fc2, err2 := ReadResourceList(bytes.NewReader(data))
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("two reads disagree: %v / %v", err, err2)
		}
		if err != nil {
			return
		}
		if len(items) != len(items2) || (fc == nil) != (fc2 == nil) {
			t.Fatal("two reads disagree")
		}
		for i := range items {
			a, _ := items[i].Node.String()
			b, _ := items2[i].Node.String()
			if a != b {
				t.Fatalf("item %d differs between two reads", i)
			}
		}
	})
}

func FuzzDecodeService(f *testing.F) {
	f.Add([]byte(seedService))
	f.Add([]byte("apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a, namespace: b, annotations: {x: !!binary aGk=}}\nspec: {workload: {containers: {}}}\n"))
	f.Add([]byte("apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a}\nspec: {replicas: 0x10, workload: {containers: {m: {image: x, resources: {limits: {cpu: .inf, memory: 1e3}}}}}}\n"))
	f.Add([]byte("apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a, labels: {a: 1, a: 2}}\nspec: {workload: {containers: {m: {image: \"x\\ty\"}}}}\n"))
	f.Add([]byte("apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a, creationTimestamp: 2024-01-01T00:00:00Z}\nspec: {replicas: 99999999999, workload: {containers: {m: {image: x}}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParseStream(data, "f.yaml")
		if err != nil || len(items) == 0 {
			return
		}
		n := items[0].Node
		s, errs := DecodeService(n)
		s2, errs2 := DecodeService(n)
		if !reflect.DeepEqual(s, s2) || errs.ToAggregate() != nil && errs.ToAggregate().Error() != errs2.ToAggregate().Error() {
			t.Fatal("two decodes disagree")
		}
		if len(errs) > 0 {
			return
		}
		v1alpha1.DefaultService(s)
		once, _ := json.Marshal(s)
		v1alpha1.DefaultService(s)
		twice, _ := json.Marshal(s)
		if !bytes.Equal(once, twice) {
			t.Fatal("defaulting is not idempotent")
		}
		p := &v1alpha1.Platform{}
		v1alpha1.DefaultPlatform(p)
		e1 := v1alpha1.ValidateService(s, p).ToAggregate()
		e2 := v1alpha1.ValidateService(s, p).ToAggregate()
		if (e1 == nil) != (e2 == nil) || e1 != nil && e1.Error() != e2.Error() {
			t.Fatal("validation is not deterministic")
		}
	})
}

// FuzzEncode: the writer's YAML of any JSON object reads back, through
// sigs.k8s.io/yaml, as the same JSON; and where sigs.k8s.io/yaml itself
// keeps every string (no character yaml.v2's reader refuses or folds), the
// writer writes its bytes exactly.
func FuzzEncode(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","creationTimestamp":null},"data":{"k":"yes","n":"1e3","x":"a: b"},"status":{}}`))
	f.Add([]byte(`{"a":[[],[{}],[1,2.5,-0,true,null]],"6e0":1,"12:3":2,"b":{"c":{"d":"` + "é\\u0000\\t" + `"}}}`))
	f.Add([]byte(`{"a":"line one\nline two\n","b":" lead","c":"trail ","d":"- x","e":"#x","f":"a #b","g":"\u0085\u007f\u0080\ufffe\r\t","h":"0x1F","i":"2001-12-14","j":"1:20","k":"","l":"\n\nx\n\n"}`))
	f.Add([]byte(`{"long":"` + strings.Repeat("word ", 40) + `","q":"'` + strings.Repeat("it's ", 30) + `","d":"\t` + strings.Repeat("tab and space ", 12) + `"}`))
	f.Add([]byte(`{"` + strings.Repeat("k", 130) + `":1,"multi\nline key":2,"emoji":"\ud83d\ude00","nbsp":"a\u00a0b","ls":"a\u2028b"}`))
	// Strings that look like numbers, or nearly: YAML 1.1 reads plain 0b
	// and -0b as binary; quantities are strings.
	f.Add([]byte(`{"a":"0b","b":"0b1","c":"-0b1","d":"0b2","e":"+0b1","f":"0o8","g":"08","h":"1_000","i":"0777","j":"256Mi","k":"500m","l":"0xZZ","m":".5","n":"1.5e","o":"0b` + strings.Repeat("1", 70) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		delete(m, "status")
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "creationTimestamp")
		}
		canon, err := json.Marshal(m)
		if err != nil {
			return
		}
		var e Encoder
		got, err := e.jsonToYAML(string(canon))
		if err != nil {
			t.Fatalf("cannot write %s: %v", canon, err)
		}
		back, err := sigsyaml.YAMLToJSON(got)
		if err != nil {
			t.Fatalf("the YAML does not read back: %v\n%s", err, got)
		}
		var a, b any
		_ = json.Unmarshal(canon, &a)
		if err := json.Unmarshal(back, &b); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the object:\n%s\n--- YAML\n%s--- read back\n%s", canon, got, back)
		}
		want, err := sigsyaml.Marshal(m)
		if err != nil || !consistentKeys(m) || escapesBreaks(string(canon)) {
			// yaml.v2 refuses a character or orders keys at random; or
			// the object holds a line break the writer always escapes.
			return
		}
		if wantBack, err := sigsyaml.YAMLToJSON(want); err == nil {
			var c any
			if json.Unmarshal(wantBack, &c) == nil && reflect.DeepEqual(a, c) && !bytes.Equal(got, want) {
				t.Fatalf("the writer differs from sigs.k8s.io/yaml:\n--- want\n%s--- got\n%s", want, got)
			}
		}
	})
}

// consistentKeys: yaml.v2's key order is not transitive for some keys
// ("6e0" < "12:3" < "1e3" < "6e0"); it then orders by Go's random map
// iteration, and no writer can match its bytes. Such key sets are left
// out of the byte comparison.
func consistentKeys(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k, e := range v {
			if !consistentKeys(e) {
				return false
			}
			keys = append(keys, k)
		}
		for _, a := range keys {
			for _, b := range keys {
				for _, c := range keys {
					if lessV2(a, b) && lessV2(b, c) && !lessV2(a, c) {
						return false
					}
				}
			}
		}
	case []any:
		for _, e := range v {
			if !consistentKeys(e) {
				return false
			}
		}
	}
	return true
}

// escapesBreaks: the JSON holds a CR, NEL, LS or PS, which the writer
// escapes where yaml.v2 writes them raw (encoding/json escapes all but NEL).
func escapesBreaks(js string) bool {
	return strings.Contains(js, "\u0085") || strings.Contains(js, `\r`) || strings.Contains(js, `\u2028`) || strings.Contains(js, `\u2029`)
}

// FuzzResults: results written by the writer (appendResult, falling back
// to yaml.v3 for other shapes) are byte for byte what kyaml's yaml.Marshal
// writes; and the writer, not the fallback, writes the results lattice
// makes.
func FuzzResults(f *testing.F) {
	f.Add("a declares b outbound: add `x: {type: service}` # c", "warning", "lattice.dev/v1alpha1", "LatticeService", "svc-1", "team-a", "spec.workload.resources[svc-2]", "apps/a.yaml", 3, "line", "12", uint8(0))
	f.Add("it's 'quoted' and \"double\" \\ back", "error", "v1", "Namespace", "1abc", "", "metadata.labels[istio.io/dataplane-mode]", "", 0, "line", "", uint8(1))
	f.Add(" lead", "info", "-x", "true", "0x1F", "2001-12-14", "1:20", ".inf", -1, "<<", "null", uint8(2))
	f.Add("- dash", "~", "? q", "a: b", "#h", "@at", "%p", "y", 1, "tab\there", "é ü 😀 \u00a0", uint8(7))
	f.Add("line\nbreak", "x\u0085y", "a\u2028b", "\x7f", "\ufeff", "", "", "k", 0, "", "", uint8(4))
	f.Fuzz(func(t *testing.T, msg, sev, apiVersion, kind, name, ns, fieldPath, file string, index int, tagKey, tagValue string, omit uint8) {
		r := &framework.Result{Message: msg, Severity: framework.Severity(sev),
			ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: apiVersion, Kind: kind}, NameMeta: yaml.NameMeta{Name: name, Namespace: ns}},
			Field:       &framework.Field{Path: fieldPath}, File: &framework.File{Path: file, Index: index}, Tags: map[string]string{tagKey: tagValue}}
		if omit&1 != 0 {
			r.ResourceRef = nil
		}
		if omit&2 != 0 {
			r.File = nil
		}
		if omit&4 != 0 {
			r.Tags = nil
		}
		if omit&8 != 0 {
			r.Field.CurrentValue = msg
		}
		rs := framework.Results{r, r}
		want, err := yaml.Marshal(rs)
		if err != nil {
			return
		}
		got, err := marshalResults(rs)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("the writer differs from yaml.v3:\n--- want\n%s--- got\n%s", want, got)
		}
	})
}

// TestResultsWriter: the results lattice makes are written by the writer.
func TestResultsWriter(t *testing.T) {
	for _, r := range []*framework.Result{
		{Message: "team-000/svc-00000 declares team-000/svc-00003 outbound: add `svc-00000: {type: service, direction: inbound}`", Severity: framework.Warning,
			ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: "lattice.dev/v1alpha1", Kind: "LatticeService"}, NameMeta: yaml.NameMeta{Name: "svc-00000", Namespace: "team-000"}},
			Field:       &framework.Field{Path: "spec.workload.resources[svc-00003]"}},
		{Message: `"x": not supported`, Severity: framework.Error, File: &framework.File{Path: "a/b.yaml", Index: 2}, Tags: map[string]string{"line": "7"}},
	} {
		if _, ok := appendResult(nil, r); !ok {
			t.Errorf("%q: yaml.v3 wrote it, not the writer", r.Message)
		}
	}
}
