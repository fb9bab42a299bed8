package krm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
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
	parsed, fnConfig, kind, err := parseResourceList(data, true)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	if kind != kio.ResourceListKind {
		return nil, nil, fmt.Errorf("input is not a ResourceList (got %d documents); run lattice from kustomize or kpt, or use `lattice render DIR`", len(parsed))
	}
	if len(parsed) > MaxItems {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %d items; lattice reads at most %d (%s)", len(parsed), MaxItems, limitsDoc)
	}
	// kyaml's accessors (GetKind, GetName, ...) index mapping pairs and
	// panic on a list, so anything but an object stops here.
	for i, p := range parsed {
		if k := p.node.YNode().Kind; k != yaml.MappingNode {
			return nil, nil, fmt.Errorf("cannot read ResourceList: items[%d]: an item must be a Kubernetes object (a map), got %s", i, kindName(k))
		}
	}
	if fnConfig != nil && fnConfig.YNode().Kind != yaml.MappingNode && !yaml.IsMissingOrNull(fnConfig) {
		return nil, nil, fmt.Errorf("cannot read ResourceList: functionConfig must be an object (a map), got %s", kindName(fnConfig.YNode().Kind))
	}
	items := make([]Item, len(parsed))
	par.For(len(parsed), func(i int) {
		p := &parsed[i]
		if !p.checked {
			p.lim = checkObject(p.node.YNode(), isLatticeKind(p.node.YNode()))
		}
		if p.lim != nil {
			return // kyaml's accessors below may panic on such an object
		}
		items[i] = Item{Node: p.node, raw: p.raw, slim: p.slim, spec: p.spec}
		if path, idx, err := fileAnnotations(p.node); err == nil && path != "" {
			items[i].File = path
			items[i].Index, _ = strconv.Atoi(idx)
		}
	})
	for i, p := range parsed {
		if p.lim != nil {
			return nil, nil, fmt.Errorf("cannot read ResourceList: items[%d] (%s): %w", i, describe(p.node.YNode()), p.lim)
		}
	}
	if fnConfig != nil {
		if e := checkObject(fnConfig.YNode(), isLatticeKind(fnConfig.YNode())); e != nil {
			return nil, nil, fmt.Errorf("cannot read ResourceList: functionConfig: %w", e)
		}
	}
	return items, fnConfig, nil
}

// parsedItem is one item as parsed: its node, its text when it was cut
// apart (raw), and, when read with early decoding, its limit check and
// decoded spec.
type parsedItem struct {
	node    *yaml.RNode
	raw     []byte
	checked bool // lim is checkObject's verdict on the full node
	lim     *LimitError
	slim    bool // node holds only apiVersion, kind and metadata
	spec    *decodedSpec
}

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

func parseResourceList(data []byte, early bool) (parsed []parsedItem, fnConfig *yaml.RNode, kind string, err error) {
	if skeleton, chunks, ok := splitResourceList(data); ok {
		if len(chunks) > MaxItems {
			// Refuse a flood of items before parsing them.
			return nil, nil, "", fmt.Errorf("%d items; lattice reads at most %d (%s)", len(chunks), MaxItems, limitsDoc)
		}
		if parsed, fnConfig, kind, ok := parseSplit(skeleton, chunks, early); ok {
			return parsed, fnConfig, kind, nil
		}
	}
	br := &kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}
	nodes, err := br.Read()
	parsed = make([]parsedItem, len(nodes))
	for i, n := range nodes {
		parsed[i].node = n
	}
	return parsed, br.FunctionConfig, br.WrappingKind, err
}

// splitResourceList cuts the items of a ResourceList apart. skeleton is
// the input with the items replaced by "items: []"; chunks are the items'
// lines, each a one-entry block sequence. ok is false when the layout is
// not the plain one this relies on.
func splitResourceList(data []byte) (skeleton []byte, chunks [][]byte, ok bool) {
	// Comments could attach to a neighbouring item, document markers and
	// CRs change how the text splits: leave those to kyaml.
	if bytes.HasPrefix(data, []byte("---")) || bytes.HasPrefix(data, []byte("%")) || bytes.HasPrefix(data, []byte("#")) ||
		containsAny(data, "\r", "\n---", "\n...", " #", "\t#", "\n#") {
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
	// The first entry sets the items' indentation; the lines after it are
	// classified on every core (#8: one pass over the input was a serial
	// step), each range reporting its entries and where the items end.
	pos := start + len(key)
	indent, first := -1, -1
	for pos < len(data) && first < 0 {
		line, next := nextLine(data, pos)
		spaces, rest := leadingSpaces(line)
		switch {
		case isBlank(rest):
		case isEntry(rest):
			indent, first = spaces, pos
		default:
			return nil, nil, false // items is empty or not a block sequence
		}
		pos = next
	}
	if first < 0 {
		return nil, nil, false
	}
	type scanned struct {
		entries []int
		end     int
	}
	from := first + 1 // the first entry is a boundary already
	ranges := make([]scanned, par.NumChunks(len(data)-from))
	par.ForChunks(len(data)-from, func(r, lo, hi int) {
		lo, hi = from+lo, from+hi
		// Lines starting in [lo, hi).
		if i := bytes.IndexByte(data[lo-1:], '\n'); i < 0 {
			lo = len(data)
		} else {
			lo += i
		}
		sc := scanned{end: -1}
		for p := lo; p < hi; {
			line, next := nextLine(data, p)
			spaces, rest := leadingSpaces(line)
			switch {
			case isBlank(rest) || spaces > indent:
			case spaces == indent && isEntry(rest):
				sc.entries = append(sc.entries, p)
			default:
				sc.end = p
			}
			if sc.end >= 0 {
				break
			}
			p = next
		}
		ranges[r] = sc
	})
	end := len(data)
	chunkStart := first
	for _, sc := range ranges {
		for _, e := range sc.entries {
			chunks = append(chunks, data[chunkStart:e])
			chunkStart = e
		}
		if sc.end >= 0 {
			end = sc.end
			break
		}
	}
	chunks = append(chunks, data[chunkStart:end])
	skeleton = make([]byte, 0, start+len(data)-end+16)
	skeleton = append(skeleton, data[:start]...)
	skeleton = append(skeleton, "items: []\n"...)
	skeleton = append(skeleton, data[end:]...)
	return skeleton, chunks, true
}

// containsAny reports whether data contains one of the patterns (at most
// four bytes each), searched in ranges on every core (par.ForChunks).
func containsAny(data []byte, patterns ...string) bool {
	found := make([]bool, par.NumChunks(len(data)))
	par.ForChunks(len(data), func(r, lo, hi int) {
		// Each range reaches 3 bytes into the next, for a pattern
		// across the edge.
		part := data[lo:min(len(data), hi+3)]
		for _, p := range patterns {
			if bytes.Contains(part, []byte(p)) {
				found[r] = true
				return
			}
		}
	})
	return slices.Contains(found, true)
}

// nextLine is the line starting at pos (with its newline) and where the
// next one starts.
func nextLine(data []byte, pos int) (line []byte, next int) {
	i := bytes.IndexByte(data[pos:], '\n')
	if i < 0 {
		return data[pos:], len(data)
	}
	return data[pos : pos+i+1], pos + i + 1
}

func leadingSpaces(line []byte) (int, []byte) {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n, line[n:]
}

func isBlank(rest []byte) bool { return len(rest) == 0 || rest[0] == '\n' }

// isEntry: a block sequence entry, "- ..." or a lone "-".
func isEntry(rest []byte) bool {
	return len(rest) >= 2 && rest[0] == '-' && (rest[1] == ' ' || rest[1] == '\n') || len(rest) == 1 && rest[0] == '-'
}

// parseSplit parses the skeleton with kyaml's reader (which decides what
// the input is) and the items on every core. With early set, each
// LatticeService is also limit-checked, decoded and slimmed where it was
// parsed (readEarly).
func parseSplit(skeleton []byte, chunks [][]byte, early bool) ([]parsedItem, *yaml.RNode, string, bool) {
	br := &kio.ByteReader{Reader: bytes.NewReader(skeleton), OmitReaderAnnotations: true}
	rest, err := br.Read()
	if err != nil || br.WrappingKind != kio.ResourceListKind || len(rest) != 0 {
		return nil, nil, "", false
	}
	parsed := make([]parsedItem, len(chunks))
	var failed atomic.Bool
	par.For(len(chunks), func(i int) {
		if failed.Load() {
			return
		}
		sc := scratchPool.Get().(*parseScratch)
		n, fast, err := parseItemWith(chunks[i], sc)
		if err != nil {
			failed.Store(true)
			scratchPool.Put(sc)
			return
		}
		p := &parsed[i]
		p.node, p.raw = n, chunks[i]
		if early {
			readEarly(p)
		}
		// The parse's nodes are in sc unless it declined; a slimmed item
		// keeps copies, so the next item may parse over them.
		if !fast || p.slim {
			scratchPool.Put(sc)
		}
	})
	if failed.Load() {
		return nil, nil, "", false
	}
	return parsed, br.FunctionConfig, br.WrappingKind, true
}

// scratchPool holds parse memory free for reuse, about one per core.
var scratchPool = sync.Pool{New: func() any { return new(parseScratch) }}

// readEarly limit-checks, decodes and slims a LatticeService right after
// parsing, on the core that parsed it (#8): its nodes are still in the
// cache, and once slimmed they are garbage, so the next item's parse
// reuses their memory. A 10,000-service render allocated a fifth of its
// memory for specs' nodes it read once. Anything else keeps its node and
// is checked as before; so is a spec that does not decode, for its errors.
func readEarly(p *parsedItem) {
	n := p.node.YNode()
	if n.Kind != yaml.MappingNode || !isService(n) {
		return
	}
	p.checked = true
	if p.lim = checkObject(n, true); p.lim != nil {
		return
	}
	s, errs := DecodeService(p.node)
	if len(errs) > 0 {
		return
	}
	p.spec = &decodedSpec{s: s}
	p.node, p.slim = slimNode(n), true
}

// isService reports whether n is a LatticeService of the version this
// lattice reads.
func isService(n *yaml.Node) bool {
	var apiVersion, kind string
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "apiVersion":
			apiVersion = n.Content[i+1].Value
		case "kind":
			kind = n.Content[i+1].Value
		}
	}
	return apiVersion == v1alpha1.APIVersion && kind == v1alpha1.KindLatticeService
}

var errNotOneItem = errors.New("not a one-item sequence")

func parseItem(chunk []byte) (*yaml.RNode, error) {
	n, _, err := parseItemWith(chunk, &parseScratch{})
	return n, err
}

// parseItemWith parses a chunk; fast reports that the nodes are in sc.
func parseItemWith(chunk []byte, sc *parseScratch) (n *yaml.RNode, fast bool, err error) {
	// The common layout has a parser of its own (fastparse.go) that builds
	// the very nodes yaml.v3 builds, several times faster.
	if n, ok := fastParseInto(chunk, sc); ok {
		return yaml.NewRNode(n), true, nil
	}
	// Unmarshal parses from the bytes; a Decoder would copy them through
	// a reader. A chunk holds no document marker, so it is one document.
	var doc yaml.Node
	if err := yaml.Unmarshal(chunk, &doc); err != nil {
		return nil, false, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) != 1 {
		return nil, false, errNotOneItem
	}
	return yaml.NewRNode(doc.Content[0].Content[0]), false, nil
}

// fileAnnotations is kioutil.GetFileAnnotations, which decodes all of the
// metadata (#8: a tenth of reading), without that decoding for an object
// that has none of the annotations it reads.
func fileAnnotations(n *yaml.RNode) (path, index string, err error) {
	if !hasAnnotation(n.YNode(), kioutil.PathAnnotation, kioutil.LegacyPathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation) {
		return "", "", nil
	}
	return kioutil.GetFileAnnotations(n)
}

// hasAnnotation reports whether object n may have one of the annotation
// keys: true unless metadata.annotations is absent or a plain mapping
// without them.
func hasAnnotation(n *yaml.Node, keys ...string) bool {
	md := mapValue(n, "metadata")
	if md == nil {
		return false
	}
	if md.Kind != yaml.MappingNode || mapValue(md, "<<") != nil {
		return true
	}
	ann := mapValue(md, "annotations")
	if ann == nil {
		return false
	}
	if ann.Kind != yaml.MappingNode {
		return true
	}
	for i := 0; i+1 < len(ann.Content); i += 2 {
		k := ann.Content[i]
		if k.Kind != yaml.ScalarNode || k.Value == "<<" || slices.Contains(keys, k.Value) {
			return true
		}
	}
	return false
}
