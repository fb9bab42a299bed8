package krm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Encode marshals a typed object to YAML with sorted keys. obj must be a
// pointer: Istio's protobuf specs implement MarshalJSON on the pointer.
// Upstream structs serialise empty status blocks and a null
// creationTimestamp; neither belongs in rendered manifests.
func Encode(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	if out, ok := fastYAML(data); ok {
		return out, nil
	}
	return encodeSlow(data)
}

// encodeSlow is the original chain (JSON → map → sigs.k8s.io/yaml), the
// reference the fast encoder must match byte for byte.
func encodeSlow(data []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	return sigsyaml.Marshal(m)
}

// Out is one output object: a node passed through or an encoded object.
type Out struct {
	Node *yaml.RNode
	YAML []byte
}

func (o Out) text() (string, error) {
	if o.Node == nil {
		return string(o.YAML), nil
	}
	return nodeString(o.Node.YNode())
}

func nodeString(n *yaml.Node) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// WriteResourceList writes items, the functionConfig and results as a
// ResourceList, the KRM function wire format.
func WriteResourceList(w io.Writer, items []Out, fnConfig *yaml.RNode, results framework.Results) error {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if len(items) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
	}
	for _, it := range items {
		t, err := it.text()
		if err != nil {
			return err
		}
		writeListItem(&b, t)
	}
	if fnConfig != nil && !yaml.IsMissingOrNull(fnConfig) {
		t, err := nodeString(fnConfig.YNode())
		if err != nil {
			return err
		}
		b.WriteString("functionConfig:\n")
		writeIndented(&b, t, "  ", "  ")
	}
	if len(results) > 0 {
		data, err := yaml.Marshal(results)
		if err != nil {
			return err
		}
		b.WriteString("results:\n")
		writeIndented(&b, string(data), "", "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteStream writes items as a plain multi-document YAML stream, without
// the reader annotations kpt and kustomize use internally.
func WriteStream(w io.Writer, items []Out) error {
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
		t, err := it.text()
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

func writeListItem(b *strings.Builder, text string) {
	writeIndented(b, text, "- ", "  ")
}

// writeIndented prefixes the first line with first and the rest with rest;
// empty lines stay empty so block scalars keep their content.
func writeIndented(b *strings.Builder, text, first, rest string) {
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

// Meta is the identity of an output object, for sorting and collisions.
type Meta struct {
	APIVersion, Kind, Namespace, Name string
}

func (m Meta) String() string {
	if m.Namespace == "" {
		return fmt.Sprintf("%s %s", m.Kind, m.Name)
	}
	return fmt.Sprintf("%s %s/%s", m.Kind, m.Namespace, m.Name)
}

// NodeMeta reads the identity of a node.
func NodeMeta(n *yaml.RNode) Meta {
	return Meta{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()}
}

// Text is the object's YAML.
func (o Out) Text() (string, error) { return o.text() }
