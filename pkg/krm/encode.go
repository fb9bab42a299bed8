package krm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

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

// nodeBytes encodes a passed-through document exactly as one yaml.v3
// Encode would, but a large one in pieces: yaml.v3's emitter keeps every
// event of a document (~270 bytes each) until the document ends
// (emitterc.go, yaml_emitter_emit), so a 270 KB ServiceDirectory view
// allocated 51 MB in one piece, 32 MB in pieces of 64 nodes. Block
// collections whose children carry no comments are written a run of
// children at a time and indented here (TestPiecesEncodeLikeYAMLv3,
// FuzzPieces).
func nodeBytes(n *yaml.Node) ([]byte, error) {
	root := n
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 && n.HeadComment+n.LineComment+n.FootComment == "" {
		root = n.Content[0]
	}
	if splittable(root) {
		return pieces(nil, root, "", "")
	}
	return encodeWhole(n)
}

// pieceNodes is the size above which a collection is written in pieces.
var pieceNodes = 64

func encodeWhole(n *yaml.Node) ([]byte, error) {
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

// splittable: a large block collection that can be written in pieces.
func splittable(n *yaml.Node) bool {
	nodes, ok := shiftable(n)
	return ok && nodes > pieceNodes && block(n)
}

// block: a block collection without tag, anchor or comments, whose
// children have no comments either (a key's foot comment is written before
// the next key, so pieces would move it).
func block(n *yaml.Node) bool {
	if (n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode) || n.Style != 0 || n.Anchor != "" ||
		n.HeadComment+n.LineComment+n.FootComment != "" || (n.Tag != "" && n.Tag != "!!map" && n.Tag != "!!seq") {
		return false
	}
	for _, c := range n.Content {
		if c.HeadComment+c.LineComment+c.FootComment != "" {
			return false
		}
	}
	return true
}

// shiftable counts the nodes of n and reports whether its text can be
// indented line by line: yaml.v3 indents the lines of a multi-line quoted
// or plain scalar by its own rules (found by FuzzPieces), a literal
// block's uniformly.
func shiftable(n *yaml.Node) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Style != yaml.LiteralStyle && strings.ContainsAny(n.Value, "\n\r\u0085\u2028\u2029") {
		return 1, false
	}
	c := 1
	for _, k := range n.Content {
		m, ok := shiftable(k)
		if !ok {
			return 0, false
		}
		c += m
	}
	return c, true
}

// pieces appends splittable collection n with first before its first line
// and rest before every other line (appendIndented): large children in
// pieces of their own, runs of small ones about pieceNodes at a time.
func pieces(b []byte, n *yaml.Node, first, rest string) ([]byte, error) {
	step := 1
	if n.Kind == yaml.MappingNode {
		step = 2
	}
	var run []*yaml.Node
	size := 0
	flush := func() error {
		if len(run) > 0 {
			piece, err := encodeWhole(&yaml.Node{Kind: n.Kind, Tag: n.Tag, Content: run})
			if err != nil {
				return err
			}
			b, first, run, size = appendIndented(b, piece, first, rest), rest, nil, 0
		}
		return nil
	}
	for i := 0; i < len(n.Content); i += step {
		kids := n.Content[i : i+step]
		v := kids[step-1]
		nodes, _ := shiftable(v) // n is splittable: all of it is shiftable
		if nodes > pieceNodes && block(v) && (step == 2 || v.Kind == yaml.MappingNode) {
			var key []byte // a pair's key as yaml.v3 writes it
			cut := step == 1
			if step == 2 {
				k, err := encodeWhole(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{kids[0], {Kind: yaml.MappingNode, Style: yaml.FlowStyle}}})
				if err != nil {
					return nil, err
				}
				key, cut = bytes.CutSuffix(k, []byte(": {}\n"))
				cut = cut && !bytes.ContainsAny(key, "\n?")
			}
			if cut {
				if err := flush(); err != nil {
					return nil, err
				}
				var err error
				switch {
				case step == 1:
					b, err = pieces(b, v, first+"- ", rest+"  ")
				case v.Kind == yaml.MappingNode:
					b, err = pieces(append(append(append(b, first...), key...), ":\n"...), v, rest+"  ", rest+"  ")
				default: // compact: "- " at the key's indent
					b, err = pieces(append(append(append(b, first...), key...), ":\n"...), v, rest, rest)
				}
				if err != nil {
					return nil, err
				}
				first = rest
				continue
			}
		}
		if run, size = append(run, kids...), size+nodes; size >= pieceNodes {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	return b, flush()
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
