package krm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/par"
)

// ReadResourceList reads a KRM ResourceList within the input limits.
//
// Parsing is most of a function's cost, and a ResourceList is one YAML
// document, which yaml.v3 parses on one core. When the list has the layout
// kustomize and kpt write (items a block sequence, no comments, no document
// markers), its items are cut apart on their "- " lines and parsed on every
// core; anything else, and any item that does not parse alone, goes through
// kyaml's reader as before, so results and errors do not depend on the
// path taken.
func ReadResourceList(r io.Reader) ([]Item, *yaml.RNode, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	if err := scanInput(data, "stdin"); err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	nodes, chunks, fnConfig, kind, err := parseResourceList(data)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	if kind != kio.ResourceListKind {
		return nil, nil, fmt.Errorf("input is not a ResourceList (got %d documents); run lattice from kustomize or kpt, or use `lattice render DIR`", len(nodes))
	}
	if len(nodes) > MaxItems {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %d items; lattice reads at most %d (%s)", len(nodes), MaxItems, limitsDoc)
	}
	// kyaml's accessors (GetKind, GetName, ...) index mapping pairs and
	// panic on a list, so anything but an object stops here.
	for i, n := range nodes {
		if k := n.YNode().Kind; k != yaml.MappingNode {
			return nil, nil, fmt.Errorf("cannot read ResourceList: items[%d]: an item must be a Kubernetes object (a map), got %s", i, kindName(k))
		}
	}
	if fnConfig != nil && fnConfig.YNode().Kind != yaml.MappingNode && !yaml.IsMissingOrNull(fnConfig) {
		return nil, nil, fmt.Errorf("cannot read ResourceList: functionConfig must be an object (a map), got %s", kindName(fnConfig.YNode().Kind))
	}
	errs := make([]*LimitError, len(nodes))
	items := make([]Item, len(nodes))
	par.For(len(nodes), func(i int) {
		n := nodes[i]
		if errs[i] = checkObject(n.YNode(), isLatticeKind(n.YNode())); errs[i] != nil {
			return // kyaml's accessors below may panic on such an object
		}
		items[i] = Item{Node: n}
		if chunks != nil {
			items[i].raw = chunks[i]
		}
		if p, idx, err := kioutil.GetFileAnnotations(n); err == nil && p != "" {
			items[i].File = p
			items[i].Index, _ = strconv.Atoi(idx)
		}
	})
	for i, n := range nodes {
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("cannot read ResourceList: items[%d] (%s): %w", i, describe(n.YNode()), errs[i])
		}
	}
	if fnConfig != nil {
		if e := checkObject(fnConfig.YNode(), isLatticeKind(fnConfig.YNode())); e != nil {
			return nil, nil, fmt.Errorf("cannot read ResourceList: functionConfig: %w", e)
		}
	}
	return items, fnConfig, nil
}

// parseResourceList parses data; chunks are the items' texts when they
// were cut apart (nil when kyaml read the whole list).
// readAll reads r up to one byte past the input limit, into a buffer of
// the right size when r knows its size (a file on stdin, bytes in tests)
// rather than one grown by doubling.
func readAll(r io.Reader) ([]byte, error) {
	size := int64(-1)
	switch r := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	case interface{ Len() int }:
		size = int64(r.Len())
	}
	lr := io.LimitReader(r, MaxInputBytes+1)
	if size < 0 || size > MaxInputBytes {
		return io.ReadAll(lr)
	}
	var b bytes.Buffer
	b.Grow(int(size) + bytes.MinRead)
	_, err := b.ReadFrom(lr)
	return b.Bytes(), err
}

func parseResourceList(data []byte) (nodes []*yaml.RNode, chunks [][]byte, fnConfig *yaml.RNode, kind string, err error) {
	if skeleton, chunks, ok := splitResourceList(data); ok {
		if len(chunks) > MaxItems {
			// Refuse a flood of items before parsing them.
			return nil, nil, nil, "", fmt.Errorf("%d items; lattice reads at most %d (%s)", len(chunks), MaxItems, limitsDoc)
		}
		if nodes, fnConfig, kind, ok := parseSplit(skeleton, chunks); ok {
			return nodes, chunks, fnConfig, kind, nil
		}
	}
	br := &kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}
	nodes, err = br.Read()
	return nodes, nil, br.FunctionConfig, br.WrappingKind, err
}

// splitResourceList cuts the items of a ResourceList apart. skeleton is
// the input with the items replaced by "items: []"; chunks are the items'
// lines, each a one-entry block sequence. ok is false when the layout is
// not the plain one this relies on.
func splitResourceList(data []byte) (skeleton []byte, chunks [][]byte, ok bool) {
	// Comments could attach to a neighbouring item, document markers and
	// CRs change how the text splits: leave those to kyaml.
	if bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte("---")) || bytes.HasPrefix(data, []byte("%")) ||
		bytes.HasPrefix(data, []byte("#")) || bytes.Contains(data, []byte("\n---")) || bytes.Contains(data, []byte("\n...")) ||
		bytes.Contains(data, []byte(" #")) || bytes.Contains(data, []byte("\t#")) || bytes.Contains(data, []byte("\n#")) {
		return nil, nil, false
	}
	const key = "items:\n"
	start := -1
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], []byte(key))
		if i < 0 {
			break
		}
		i += off
		if i == 0 || data[i-1] == '\n' {
			if start >= 0 {
				return nil, nil, false // two items keys
			}
			start = i
		}
		off = i + len(key)
	}
	if start < 0 {
		return nil, nil, false
	}
	pos := start + len(key)
	indent := -1
	chunkStart := -1
	end := len(data)
	for pos < len(data) {
		lineEnd := bytes.IndexByte(data[pos:], '\n')
		if lineEnd < 0 {
			lineEnd = len(data)
		} else {
			lineEnd += pos + 1
		}
		line := data[pos:lineEnd]
		spaces := 0
		for spaces < len(line) && line[spaces] == ' ' {
			spaces++
		}
		rest := line[spaces:]
		blank := len(rest) == 0 || rest[0] == '\n'
		entry := len(rest) >= 2 && rest[0] == '-' && (rest[1] == ' ' || rest[1] == '\n') || len(rest) == 1 && rest[0] == '-'
		switch {
		case indent < 0 && blank:
		case indent < 0 && entry:
			indent = spaces
			chunkStart = pos
		case indent < 0:
			return nil, nil, false // items is empty or not a block sequence
		case entry && spaces == indent:
			chunks = append(chunks, data[chunkStart:pos])
			chunkStart = pos
		case blank || spaces > indent:
		default:
			end = pos
		}
		if end != len(data) {
			break
		}
		pos = lineEnd
	}
	if chunkStart < 0 {
		return nil, nil, false
	}
	chunks = append(chunks, data[chunkStart:end])
	skeleton = make([]byte, 0, start+len(data)-end+16)
	skeleton = append(skeleton, data[:start]...)
	skeleton = append(skeleton, "items: []\n"...)
	skeleton = append(skeleton, data[end:]...)
	return skeleton, chunks, true
}

// parseSplit parses the skeleton with kyaml's reader (which decides what
// the input is) and the items on every core.
func parseSplit(skeleton []byte, chunks [][]byte) ([]*yaml.RNode, *yaml.RNode, string, bool) {
	br := &kio.ByteReader{Reader: bytes.NewReader(skeleton), OmitReaderAnnotations: true}
	rest, err := br.Read()
	if err != nil || br.WrappingKind != kio.ResourceListKind || len(rest) != 0 {
		return nil, nil, "", false
	}
	nodes := make([]*yaml.RNode, len(chunks))
	var failed atomic.Bool
	par.For(len(chunks), func(i int) {
		if failed.Load() {
			return
		}
		n, err := parseItem(chunks[i])
		if err != nil {
			failed.Store(true)
			return
		}
		nodes[i] = n
	})
	if failed.Load() {
		return nil, nil, "", false
	}
	return nodes, br.FunctionConfig, br.WrappingKind, true
}

var errNotOneItem = errors.New("not a one-item sequence")

func parseItem(chunk []byte) (*yaml.RNode, error) {
	// The common layout has a parser of its own (fastparse.go) that builds
	// the very nodes yaml.v3 builds, several times faster.
	if n, ok := fastParseItem(chunk); ok {
		return yaml.NewRNode(n), nil
	}
	// Unmarshal parses from the bytes; a Decoder would copy them through
	// a reader. A chunk holds no document marker, so it is one document.
	var doc yaml.Node
	if err := yaml.Unmarshal(chunk, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) != 1 {
		return nil, errNotOneItem
	}
	return yaml.NewRNode(doc.Content[0].Content[0]), nil
}
