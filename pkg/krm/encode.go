package krm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/par"
)

// Out is one output object: a node passed through or an encoded object.
type Out struct {
	Node *yaml.RNode
	YAML []byte
}

// bytes is the object's YAML.
func (o Out) bytes() ([]byte, error) {
	if o.Node != nil {
		return nodeBytes(o.Node.YNode())
	}
	return o.YAML, nil
}

func nodeBytes(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// texts renders every item on every core, in order.
func texts(items []Out) ([][]byte, error) {
	out := make([][]byte, len(items))
	errs := make([]error, len(items))
	par.For(len(items), func(i int) { out[i], errs[i] = items[i].bytes() })
	return out, errors.Join(errs...)
}

// WriteResourceList writes items, the functionConfig and results as a
// ResourceList, the KRM function wire format. Everything is encoded before
// the first write, so nothing is written when encoding fails.
func WriteResourceList(w io.Writer, items []Out, fnConfig *yaml.RNode, results framework.Results) error {
	ts, err := texts(items)
	if err != nil {
		return err
	}
	var fc, res []byte
	if fnConfig != nil && !yaml.IsMissingOrNull(fnConfig) {
		if fc, err = nodeBytes(fnConfig.YNode()); err != nil {
			return err
		}
	}
	if len(results) > 0 {
		if res, err = marshalResults(results); err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if len(ts) == 0 {
		bw.WriteString("items: []\n")
	} else {
		bw.WriteString("items:\n")
	}
	var b []byte
	for _, t := range ts {
		b = appendIndented(b[:0], t, "- ", "  ")
		bw.Write(b)
	}
	if fc != nil {
		bw.WriteString("functionConfig:\n")
		bw.Write(appendIndented(nil, fc, "  ", "  "))
	}
	if res != nil {
		bw.WriteString("results:\n")
		bw.Write(res)
	}
	return bw.Flush()
}

// WriteStream writes items as a plain multi-document YAML stream, without
// the reader annotations kpt and kustomize use internally.
func WriteStream(w io.Writer, items []Out) error {
	clean := make([]Out, len(items))
	errs := make([]error, len(items))
	par.For(len(items), func(i int) {
		it := items[i]
		if it.Node != nil {
			it.Node = it.Node.Copy()
			for _, a := range []string{kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation, kioutil.IdAnnotation, kioutil.LegacyIdAnnotation} {
				if _, err := it.Node.Pipe(yaml.ClearAnnotation(a)); err != nil {
					errs[i] = err
					return
				}
			}
			errs[i] = yaml.ClearEmptyAnnotations(it.Node)
		}
		clean[i] = it
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	ts, err := texts(clean)
	if err != nil {
		return err
	}
	var b []byte
	for i, t := range ts {
		if i > 0 {
			b = append(b, "---\n"...)
		}
		b = append(b, t...)
	}
	_, err = w.Write(b)
	return err
}

// appendIndented appends text with first before the first line and rest
// before every other non-empty line (empty lines stay empty so block
// scalars keep their content); every line ends in a newline.
func appendIndented(b, text []byte, first, rest string) []byte {
	if len(text) == 0 {
		return append(append(b, first...), '\n')
	}
	i := 0
	for line := range bytes.Lines(text) {
		switch {
		case i == 0:
			b = append(b, first...)
		case len(line) > 1:
			b = append(b, rest...)
		}
		b, i = append(b, line...), i+1
	}
	if b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
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
func (o Out) Text() (string, error) {
	b, err := o.bytes()
	return string(b), err
}
