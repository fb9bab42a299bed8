package krm

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The writers as they were before they went parallel and single-buffer:
// the reference the current ones must match byte for byte.

func writeResourceListRef(w io.Writer, items []Out, fnConfig *yaml.RNode, results framework.Results) error {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if len(items) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
	}
	for _, it := range items {
		t, err := it.Text()
		if err != nil {
			return err
		}
		writeIndentedRef(&b, t, "- ", "  ")
	}
	if fnConfig != nil && !yaml.IsMissingOrNull(fnConfig) {
		data, err := nodeBytes(fnConfig.YNode())
		if err != nil {
			return err
		}
		t := string(data)
		b.WriteString("functionConfig:\n")
		writeIndentedRef(&b, t, "  ", "  ")
	}
	if len(results) > 0 {
		data, err := yaml.Marshal(results)
		if err != nil {
			return err
		}
		b.WriteString("results:\n")
		writeIndentedRef(&b, string(data), "", "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeStreamRef(w io.Writer, items []Out) error {
	var b strings.Builder
	for i, it := range items {
		if it.Node != nil {
			it.Node = it.Node.Copy()
			for _, a := range []string{kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation, kioutil.IdAnnotation, kioutil.LegacyIdAnnotation} {
				if _, err := it.Node.Pipe(yaml.ClearAnnotation(a)); err != nil {
					return err
				}
			}
			if err := yaml.ClearEmptyAnnotations(it.Node); err != nil {
				return err
			}
		}
		t, err := it.Text()
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(t)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeIndentedRef(b *strings.Builder, text, first, rest string) {
	text = strings.TrimSuffix(text, "\n")
	for i, line := range strings.Split(text, "\n") {
		switch {
		case i == 0:
			b.WriteString(first)
		case line != "":
			b.WriteString(rest)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
}

func TestWritersMatchReference(t *testing.T) {
	nodes, err := ParseStream([]byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  annotations:
    config.kubernetes.io/path: a.yaml
    internal.config.kubernetes.io/index: "0"
data:
  script: |
    line one

    line three
  keep: |+
    kept


  empty: ""
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
`), "in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var items []Out
	for _, n := range nodes {
		items = append(items, Out{Node: n.Node})
	}
	items = append(items, Out{YAML: []byte("a: 1\nb: |\n  x\n\n  y\n")}, Out{YAML: []byte("no-newline: true")}, Out{YAML: []byte("")})
	fc := nodes[1].Node
	var results framework.Results
	for i := range 600 {
		results = append(results, &framework.Result{Severity: framework.Warning, Message: strings.Repeat("a message: with `quotes` and 'more' ", i%5+1),
			ResourceRef: &yaml.ResourceIdentifier{NameMeta: yaml.NameMeta{Name: "x", Namespace: "y"}}, Tags: map[string]string{"line": "3"}})
	}
	for _, tc := range []struct {
		items   []Out
		fc      *yaml.RNode
		results framework.Results
	}{{items, fc, results}, {nil, nil, nil}, {items[:1], nil, results[:1]}} {
		var got, want bytes.Buffer
		if err := WriteResourceList(&got, tc.items, tc.fc, tc.results); err != nil {
			t.Fatal(err)
		}
		if err := writeResourceListRef(&want, tc.items, tc.fc, tc.results); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("WriteResourceList differs:\n--- want\n%s\n--- got\n%s", want.String(), got.String())
		}
		got.Reset()
		want.Reset()
		if err := WriteStream(&got, tc.items); err != nil {
			t.Fatal(err)
		}
		if err := writeStreamRef(&want, tc.items); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("WriteStream differs:\n--- want\n%s\n--- got\n%s", want.String(), got.String())
		}
	}
}
