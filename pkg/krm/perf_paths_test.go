package krm

import (
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestNodeJSONWalk: where the walk of a node gives JSON, it is the JSON
// yaml.v3's own decoding gives, value for value; the other shapes fall
// back to it.
func TestNodeJSONWalk(t *testing.T) {
	docs := []string{
		"a: b\nc: [1, -2, 0, true, false, null, ~, '', \"x\\u0085y\\ty\"]\nd:\n  e: \"\\\"q\\\\\"\n  f: |\n    line\n",
		"k: 0x1F\nl: 1_000\nm: 1.5\nn: 0123\no: True\np: !!str 5\nq: -0\nr: 123456789012345678901\n",
		"a: &x {b: 1}\nc: *x\nd: {<<: *x, e: 2}\n",
		"1: one\ntrue: yes\nnull: n\n",
		"a: 1\na: 2\n",
		"t: 2001-12-14\nu: !custom v\nv: \"\\x7f\\u00a0\\U0001F600\"\n",
	}
	for _, d := range docs {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(d), &n); err != nil {
			t.Fatalf("%q: %v", d, err)
		}
		fast, ok := appendNodeJSON(nil, &n)
		if d == docs[0] && !ok {
			t.Errorf("%q: the walk should take this document", d)
		}
		var v any
		if err := n.Decode(&v); err != nil {
			if ok {
				t.Errorf("%q: walk ok, yaml.v3 fails: %v", d, err)
			}
			continue
		}
		slow, err := json.Marshal(stringKeys(v))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		var a, b any
		if json.Unmarshal(fast, &a) != nil || json.Unmarshal(slow, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("%q:\nwalk   %s\nyaml.v3 %s", d, fast, slow)
		}
	}
}

// TestEncoderReuse: one Encoder over several objects gives what a fresh
// Encode gives for each, and its results do not share memory.
func TestEncoderReuse(t *testing.T) {
	objs := []any{
		&map[string]any{"kind": "A", "data": map[string]any{"x": "<&>", "y": []any{1, "two", map[string]any{}}}},
		&map[string]any{"kind": "B", "metadata": map[string]any{"name": "n", "creationTimestamp": nil}, "status": map[string]any{"a": 1}},
		&map[string]any{"kind": "C", "s": "a\u0085b\u2028c\x7f"},
	}
	var e Encoder
	var got [][]byte
	for range 2 {
		for _, o := range objs {
			b, err := e.Encode(o)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
	}
	for i, b := range got {
		want, err := Encode(objs[i%len(objs)])
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(want) {
			t.Errorf("object %d: reused Encoder gave\n%s\nfresh gave\n%s", i, b, want)
		}
	}
}
