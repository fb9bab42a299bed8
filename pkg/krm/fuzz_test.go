package krm

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// Fuzz targets (issue #8). `make fuzz` runs each for FUZZTIME; plain
// `go test` runs their seeds (f.Add and testdata/fuzz/<target>/), so every
// input the fuzzer ever found stays a regression test. Properties: no
// panic; a successful decode is deterministic; the fast paths agree with
// the reference paths they replace.

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
		// The parallel split parse agrees with kyaml's reader.
		if skel, chunks, ok := splitResourceList(data); ok {
			if parsed, fnc, kind, ok := parseSplit(skel, chunks, false); ok {
				nodes := parsedNodes(parsed)
				br := &kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}
				want, err := br.Read()
				if err != nil {
					t.Fatalf("split parse accepted what kyaml rejects: %v", err)
				}
				if dump(t, nodes, fnc, kind) != dump(t, want, br.FunctionConfig, br.WrappingKind) {
					t.Fatal("split parse differs from kyaml")
				}
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
		compareDecoders(t, n)
		// nodeJSON is RNode.MarshalJSON without the YAML round trip.
		if fast, ok := nodeJSON(n.YNode()); ok {
			slow, err := n.MarshalJSON()
			if err != nil {
				t.Fatalf("nodeJSON accepted what MarshalJSON rejects (%v): %s", err, fast)
			}
			var a, b any
			da, db := json.NewDecoder(bytes.NewReader(fast)), json.NewDecoder(bytes.NewReader(slow))
			da.UseNumber()
			db.UseNumber()
			if err := da.Decode(&a); err != nil {
				t.Fatalf("nodeJSON wrote invalid JSON: %v: %s", err, fast)
			}
			if err := db.Decode(&b); err == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("nodeJSON differs from MarshalJSON:\n%s\n%s", fast, slow)
			}
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

// FuzzEncode: the fast encoder writes what the original chain writes for
// any JSON object, or declines.
func FuzzEncode(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","creationTimestamp":null},"data":{"k":"yes","n":"1e3","x":"a: b"},"status":{}}`))
	f.Add([]byte(`{"a":[[],[{}],[1,2.5,-0,true,null]],"6e0":1,"12:3":2,"b":{"c":{"d":"` + "é\\u0000\\t" + `"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil || !consistentKeys(m) {
			return
		}
		canon, err := json.Marshal(m)
		if err != nil {
			return
		}
		got, ok := fastYAML(canon)
		if !ok {
			return
		}
		want, err := encodeSlow(canon)
		if err != nil {
			t.Fatalf("fast encoder accepted what the chain rejects: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("fast encoder differs:\n--- want\n%s\n--- got\n%s", want, got)
		}
	})
}

// compareDecoders: for every lattice kind, decodeNode accepts nothing the
// strict check rejects, and what it accepts it decodes exactly as the JSON
// path does.
func compareDecoders(t testing.TB, n *yaml.RNode) (accepted int) {
	t.Helper()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[v1alpha1.LatticeService](), reflect.TypeFor[v1alpha1.Platform](),
		reflect.TypeFor[v1alpha1.ImageLock](), reflect.TypeFor[v1alpha1.Fleet](), reflect.TypeFor[v1alpha1.FleetInventory](),
	} {
		direct := reflect.New(typ)
		ok := decodeNode(n.YNode(), direct.Interface())
		checkErrs := check(n.YNode(), typ, nil)
		if ok && len(checkErrs) > 0 {
			// decodeStrict skips the check when decodeNode accepts.
			t.Fatalf("%s: decodeNode accepted what the strict check rejects: %v", typ, checkErrs)
		}
		if !ok || len(checkErrs) > 0 {
			continue
		}
		viaJSON := reflect.New(typ)
		if errs := decodeJSON(n, viaJSON.Interface()); len(errs) > 0 {
			t.Fatalf("%s: decodeNode accepted what the JSON path rejects: %v", typ, errs)
		}
		if !reflect.DeepEqual(direct.Interface(), viaJSON.Interface()) {
			a, _ := json.Marshal(direct.Interface())
			b, _ := json.Marshal(viaJSON.Interface())
			t.Fatalf("%s: decodeNode differs from the JSON path:\n%s\n%s", typ, a, b)
		}
		accepted++
	}
	return accepted
}
