package krm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/lattice-dev/lattice/pkg/par"
)

// Encode marshals a typed object to YAML with sorted keys. obj must be a
// pointer: Istio's protobuf specs implement MarshalJSON on the pointer.
// Upstream structs serialise empty status blocks and a null
// creationTimestamp; neither belongs in rendered manifests.
func Encode(obj any) ([]byte, error) {
	if out, ok := encodeDirectSized(obj, false); ok {
		return out, nil
	}
	if out, ok := encodeTyped(obj); ok {
		return out, nil
	}
	return encodeJSON(obj)
}

// EncodeItem is Encode's text as an item of a ResourceList: "- " before
// the first line, two spaces before every other non-empty line, the way
// WriteResourceList writes an Out's YAML. Out.Item takes it, so the list
// is written without indenting every object again (#8).
func EncodeItem(obj any) ([]byte, error) {
	if out, ok := encodeDirectSized(obj, true); ok {
		return out, nil
	}
	text, err := Encode(obj)
	if err != nil {
		return nil, err
	}
	return appendIndented(make([]byte, 0, indentedLen(text, "- ", "  ")), text, "- ", "  "), nil
}

// encodeJSON goes through encoding/json: for what the typed paths decline,
// and the reference they must match byte for byte.
func encodeJSON(obj any) ([]byte, error) {
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
	// Item is the object as a ResourceList item (EncodeItem), in place
	// of YAML: function mode writes it as is.
	Item []byte
}

func (o Out) text() (string, error) {
	b, err := o.bytes()
	return string(b), err
}

// bytes is the object's YAML without a copy for encoded objects.
func (o Out) bytes() ([]byte, error) {
	switch {
	case o.Node != nil:
		return nodeBytes(o.Node.YNode())
	case o.Item != nil:
		return unindentItem(o.Item), nil
	}
	return o.YAML, nil
}

// unindentItem is the object text of an item EncodeItem wrote.
func unindentItem(item []byte) []byte {
	out := make([]byte, 0, len(item))
	for i, line := range bytes.SplitAfter(item, []byte{'\n'}) {
		if i == 0 {
			line = bytes.TrimPrefix(line, []byte("- "))
		} else {
			line = bytes.TrimPrefix(line, []byte("  "))
		}
		out = append(out, line...)
	}
	return out
}

func nodeString(n *yaml.Node) (string, error) {
	b, err := nodeBytes(n)
	return string(b), err
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

// texts renders every item on every core, in order: what listed marks is
// already in item form.
func texts(items []Out) (out [][]byte, listed []bool, err error) {
	out = make([][]byte, len(items))
	listed = make([]bool, len(items))
	errs := make([]error, len(items))
	par.For(len(items), func(i int) {
		if items[i].Item != nil {
			out[i], listed[i] = items[i].Item, true
			return
		}
		out[i], errs[i] = items[i].bytes()
	})
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return out, listed, nil
}

// WriteResourceList writes items, the functionConfig and results as a
// ResourceList, the KRM function wire format. Everything is encoded before
// the first write, so nothing is written when encoding fails; the text is
// then written in pieces of about 4 MiB rather than built whole (#8: a
// buffer the size of the output was a twentieth of a 10,000-service
// render's memory).
func WriteResourceList(w io.Writer, items []Out, fnConfig *yaml.RNode, results framework.Results) error {
	rl, err := prepareResourceList(items, fnConfig, results)
	if err != nil {
		return err
	}
	return rl.emit(4<<20, func(b []byte) error {
		_, err := w.Write(b)
		return err
	})
}

// ResourceList is the text WriteResourceList writes, in one buffer.
func ResourceList(items []Out, fnConfig *yaml.RNode, results framework.Results) ([]byte, error) {
	rl, err := prepareResourceList(items, fnConfig, results)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = rl.emit(rl.size(), func(b []byte) error {
		if out == nil {
			out = b // the one piece, as sized
		} else {
			out = append(out, b...)
		}
		return nil
	})
	return out, err
}

// encodedList is a ResourceList with every part encoded.
type encodedList struct {
	items   [][]byte
	listed  []bool // items[i] is in item form already
	offs    []int  // offs[i] is where item i starts in the indented items
	fc, res []byte
}

const resourceListHead = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"

func prepareResourceList(items []Out, fnConfig *yaml.RNode, results framework.Results) (*encodedList, error) {
	ts, listed, err := texts(items)
	if err != nil {
		return nil, err
	}
	rl := &encodedList{items: ts, listed: listed, offs: make([]int, len(ts)+1)}
	if fnConfig != nil && !yaml.IsMissingOrNull(fnConfig) {
		if rl.fc, err = nodeBytes(fnConfig.YNode()); err != nil {
			return nil, err
		}
	}
	if len(results) > 0 {
		if rl.res, err = marshalResults(results); err != nil {
			return nil, err
		}
	}
	par.For(len(ts), func(i int) {
		if listed[i] {
			rl.offs[i+1] = len(ts[i])
		} else {
			rl.offs[i+1] = indentedLen(ts[i], "- ", "  ")
		}
	})
	for i := range ts {
		rl.offs[i+1] += rl.offs[i]
	}
	return rl, nil
}

func (rl *encodedList) size() int {
	return len(resourceListHead) + rl.offs[len(rl.items)] + indentedSize(rl.fc) + len(rl.res) + 64
}

// emit hands the text to write in pieces of about piece bytes (one
// piece when piece is size()). Items are indented on every core, each
// into its own exact region of the piece.
func (rl *encodedList) emit(piece int, write func([]byte) error) error {
	b := make([]byte, 0, min(piece, rl.size()))
	if len(rl.items) == 0 {
		b = append(b, resourceListHead...)
	} else {
		b = append(b, resourceListHead[:len(resourceListHead)-4]...)
		b = append(b, '\n')
	}
	for lo := 0; lo < len(rl.items); {
		hi := lo + 1
		for hi < len(rl.items) && len(b)+rl.offs[hi+1]-rl.offs[lo] <= cap(b) {
			hi++
		}
		base, n := len(b)-rl.offs[lo], rl.offs[hi]-rl.offs[lo]
		b = slices.Grow(b, n)[:len(b)+n]
		par.For(hi-lo, func(k int) {
			i := lo + k
			if rl.listed[i] {
				copy(b[base+rl.offs[i]:base+rl.offs[i+1]], rl.items[i])
			} else {
				appendIndented(b[base+rl.offs[i]:base+rl.offs[i]:base+rl.offs[i+1]], rl.items[i], "- ", "  ")
			}
		})
		lo = hi
		if lo < len(rl.items) {
			if err := write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if rl.fc != nil {
		b = append(b, "functionConfig:\n"...)
		b = appendIndented(b, rl.fc, "  ", "  ")
	}
	if rl.res == nil {
		return write(b)
	}
	// Results are written as marshaled, ending in a newline, not copied.
	b = append(b, "results:\n"...)
	if !bytes.HasSuffix(rl.res, []byte{'\n'}) {
		rl.res = append(rl.res, '\n')
	}
	if cap(b)-len(b) >= len(rl.res) {
		return write(append(b, rl.res...))
	}
	if err := write(b); err != nil {
		return err
	}
	return write(rl.res)
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
			if err := yaml.ClearEmptyAnnotations(it.Node); err != nil {
				errs[i] = err
				return
			}
		}
		if it.Item != nil {
			it = Out{YAML: unindentItem(it.Item)}
		}
		clean[i] = it
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	ts, _, err := texts(clean)
	if err != nil {
		return err
	}
	size := 0
	for _, t := range ts {
		size += len(t) + 4
	}
	b := make([]byte, 0, size)
	for i, t := range ts {
		if i > 0 {
			b = append(b, "---\n"...)
		}
		b = append(b, t...)
	}
	_, err = w.Write(b)
	return err
}

// indentedSize bounds the size of text after appendIndented.
func indentedSize(text []byte) int {
	return len(text) + 3*(bytes.Count(text, []byte{'\n'})+1)
}

// indentedLen is the exact length appendIndented(nil, text, first, rest)
// returns.
func indentedLen(text []byte, first, rest string) int {
	text = bytes.TrimSuffix(text, []byte{'\n'})
	n := len(first) + len(text) + 1
	for p := 0; ; {
		nl := bytes.IndexByte(text[p:], '\n')
		if nl < 0 {
			return n
		}
		p += nl + 1
		if p < len(text) && text[p] != '\n' {
			n += len(rest)
		}
	}
}

// appendIndented appends text with first before the first line and rest
// before every other non-empty line (empty lines stay empty so block
// scalars keep their content); every line ends in a newline.
func appendIndented(b, text []byte, first, rest string) []byte {
	text = bytes.TrimSuffix(text, []byte{'\n'})
	for i := 0; ; i++ {
		line := text
		nl := bytes.IndexByte(text, '\n')
		if nl >= 0 {
			line = text[:nl]
		}
		switch {
		case i == 0:
			b = append(b, first...)
		case len(line) > 0:
			b = append(b, rest...)
		}
		b = append(b, line...)
		b = append(b, '\n')
		if nl < 0 {
			return b
		}
		text = text[nl+1:]
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
