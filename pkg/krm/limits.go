package krm

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/par"
)

// Input limits. lattice runs unattended in CI and in Argo CD's
// repo-server, so hostile or broken input must end in a clear error within
// bounded time and memory, never in a crash, a hang or an out-of-memory
// kill. docs/limits.md explains each number; every limit is far above what
// a real package needs (a 10,000-service app is 12 MB, 1.05 million YAML
// nodes, 21 levels deep).
const (
	// MaxInputBytes bounds one ResourceList on stdin, and the sum of the
	// files one `lattice render` reads.
	MaxInputBytes = 64 << 20
	// MaxNodes bounds the YAML nodes of one input. It is checked on the
	// bytes before parsing (a parsed node costs about 170 bytes, so this
	// caps the parse at about 500 MB), with an upper bound of the node
	// count (scanChunks).
	MaxNodes = 3_000_000
	// MaxItems bounds the objects of one input.
	MaxItems = 50_000
	// MaxDepth is the deepest nesting of mappings and sequences in one
	// object.
	MaxDepth = 100
	// MaxScalarBytes bounds one string. Kubernetes stores no object above
	// 1.5 MiB, so a longer string can never be applied.
	MaxScalarBytes = 2 << 20
	// MaxEntries bounds the entries of one mapping or sequence in a lattice
	// kind (LatticeService, Platform, ImageLock).
	MaxEntries = 10_000
	// MaxAliasNodes bounds the nodes an object with YAML aliases expands
	// to; the "billion laughs" document expands to 10^9. (The decoder
	// refuses aliases in lattice kinds altogether.)
	MaxAliasNodes = 100_000
)

const limitsDoc = "see docs/limits.md"

func mib(n int) string {
	if n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// scanInput checks raw input before it is parsed: size, NUL bytes, UTF-8,
// and an upper bound of the YAML nodes it can produce. name prefixes the
// messages ("input.yaml", "the ResourceList").
func scanInput(data []byte, name string) error {
	if len(data) > MaxInputBytes {
		return fmt.Errorf("%s is %d bytes; lattice reads at most %s (%s)", name, len(data), mib(MaxInputBytes), limitsDoc)
	}
	// One parallel pass counts nodes and finds NUL bytes and invalid
	// UTF-8; the serial checks run only to say where.
	bound, clean := scanChunks(data)
	if i := bytes.IndexByte(data, 0); !clean && i >= 0 {
		return fmt.Errorf("%s:%d: contains NUL bytes; YAML files must be text", name, lineAt(data, i))
	}
	if !clean && !utf8.Valid(data) {
		i := invalidUTF8(data)
		return fmt.Errorf("%s:%d: byte 0x%02x is not valid UTF-8; YAML files must be UTF-8 text", name, lineAt(data, i), data[i])
	}
	if b := bound; b > MaxNodes {
		return fmt.Errorf("%s has up to %d YAML nodes; lattice reads at most %d (%s)", name, b, MaxNodes, limitsDoc)
	}
	return nil
}

func lineAt(data []byte, i int) int { return bytes.Count(data[:i], []byte{'\n'}) + 1 }

func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

// scanChunks is an upper bound of the nodes yaml.v3 builds from data,
// computed without parsing, and whether data is free of NUL bytes and
// invalid UTF-8. Every node but a document's first follows a line break,
// a block indicator ("- ", ": ", "?") or a flow indicator ('[', '{', ',');
// a flow mapping entry without a value ("{a, b}") and a complex key add an
// implicit null, so those indicators count twice. Line breaks and
// indicators inside strings only make the bound looser. It counts and
// checks in 1 MiB chunks on every core: each byte's count depends on its
// neighbours only, and chunks cut at rune starts are valid UTF-8 exactly
// when the whole is.
func scanChunks(data []byte) (bound int, clean bool) {
	parts := make([]int, par.NumChunks(len(data)))
	bad := make([]bool, len(parts))
	par.ForChunks(len(data), func(k, lo, hi int) {
		parts[k] = nodeBoundRange(data, lo, hi)
		if k > 0 {
			lo = runeStart(data, lo) // the bytes skipped end the chunk before
		}
		hi = runeStart(data, hi)
		bad[k] = bytes.IndexByte(data[lo:hi], 0) >= 0 || !utf8.Valid(data[lo:hi])
	})
	n := 2 // the first document and its root
	for _, p := range parts {
		n += p
	}
	return n, !slices.Contains(bad, true)
}

// runeStart moves i past at most three continuation bytes, to where a
// rune of valid UTF-8 starts.
func runeStart(data []byte, i int) int {
	for k := 0; k < 3 && i < len(data) && data[i]&0xC0 == 0x80; k++ {
		i++
	}
	return i
}

// nodeBoundRange is scanChunks' count for the bytes data[lo:hi].
func nodeBoundRange(data []byte, lo, hi int) int {
	n := 0
	for i := lo; i < hi; i++ {
		switch c := data[i]; c {
		case '\n', '\r':
			n++
		case '[', '{', ',', '?':
			n += 2
		case '-', ':':
			if i+1 == len(data) {
				n++
				break
			}
			switch data[i+1] {
			case ' ', '\t', '\n', '\r', ',', ']', '}':
				n++
			default:
				// "key":value in a JSON-style flow mapping.
				if c == ':' && i > 0 && (data[i-1] == '"' || data[i-1] == '\'') {
					n++
				}
			}
		case 0xC2: // NEL, a line break for yaml.v3
			if i+1 < len(data) && data[i+1] == 0x85 {
				n++
			}
		case 0xE2: // LS and PS
			if i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9) {
				n++
			}
		}
	}
	return n
}

// LimitError is an object that exceeds a limit, with where in it.
type LimitError struct {
	Path string // field path in the object, "" for the object itself
	Line int    // node line, relative to the parsed document
	Msg  string
}

func (e *LimitError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// isLatticeKind reports whether n is a lattice object, which gets the
// stricter limits.
func isLatticeKind(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "apiVersion" {
			group, _, _ := strings.Cut(n.Content[i+1].Value, "/")
			return group == v1alpha1.Group
		}
	}
	return false
}

// checkObject walks one parsed object and reports the first limit it
// exceeds: depth, string length, entries of a lattice kind, alias
// expansion. (Lattice kinds refuse aliases altogether, with a field path,
// when they are decoded.)
func checkObject(n *yaml.Node, lattice bool) *LimitError {
	if e := checkShape(n); e != nil {
		return e
	}
	c := &limitChecker{lattice: lattice}
	c.walk(n, 0, make([]pathSeg, 0, 16))
	if c.err == nil && c.aliases {
		c.expand(n)
	}
	return c.err
}

type limitChecker struct {
	lattice bool
	aliases bool
	err     *LimitError
	// size memoizes the expanded size of anchored nodes; -1 marks a node
	// being expanded (an alias inside its own anchor).
	size map[*yaml.Node]int
}

// pathSeg is one step of the path to a node: a mapping key (of a map
// rather than a struct when mapKey is set), or a sequence index when key is
// nil. The path's text is built only for an error.
type pathSeg struct {
	key    *yaml.Node
	index  int
	mapKey bool
}

func (c *limitChecker) fail(path []pathSeg, line int, format string, args ...any) {
	if c.err != nil {
		return
	}
	var b strings.Builder
	for i, p := range path {
		if p.key == nil {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		seg := p.key.Value
		if len(seg) > 64 {
			seg = seg[:64] + "…"
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	c.err = &LimitError{Path: b.String(), Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (c *limitChecker) walk(n *yaml.Node, depth int, path []pathSeg) {
	if c.err != nil || n == nil {
		return
	}
	if depth > MaxDepth {
		c.fail(path, n.Line, "nests deeper than %d levels; lattice reads at most %d (%s)", MaxDepth, MaxDepth, limitsDoc)
		return
	}
	if n.Kind == yaml.AliasNode {
		c.aliases = true
	}
	if len(n.Value) > MaxScalarBytes {
		c.fail(path, n.Line, "a string of %d bytes; lattice accepts strings of at most %s (%s)", len(n.Value), mib(MaxScalarBytes), limitsDoc)
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, k := range n.Content {
			c.walk(k, depth, path)
		}
	case yaml.MappingNode:
		if c.lattice && len(n.Content)/2 > MaxEntries {
			c.fail(path, n.Line, "has %d entries; lattice accepts at most %d in a lattice kind (%s)", len(n.Content)/2, MaxEntries, limitsDoc)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			c.walk(k, depth+1, path)
			c.walk(n.Content[i+1], depth+1, append(path, pathSeg{key: k}))
		}
	case yaml.SequenceNode:
		if c.lattice && len(n.Content) > MaxEntries {
			c.fail(path, n.Line, "has %d entries; lattice accepts at most %d in a lattice kind (%s)", len(n.Content), MaxEntries, limitsDoc)
			return
		}
		for i, k := range n.Content {
			c.walk(k, depth+1, append(path, pathSeg{index: i}))
		}
	}
}

// expand computes the size of n with every alias expanded, as a decoder
// that follows aliases would build it, and fails past MaxAliasNodes.
func (c *limitChecker) expand(n *yaml.Node) {
	c.size = map[*yaml.Node]int{}
	if c.sizeOf(n) > MaxAliasNodes {
		c.fail(nil, n.Line, "YAML aliases expand this object to more than %d nodes (a \"billion laughs\" document?); lattice expands at most %d (%s)", MaxAliasNodes, MaxAliasNodes, limitsDoc)
	}
}

func (c *limitChecker) sizeOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
		if n == nil {
			return 1
		}
	}
	if s, ok := c.size[n]; ok {
		if s < 0 {
			return MaxAliasNodes + 1 // an anchor that contains itself
		}
		return s
	}
	c.size[n] = -1
	s := 1
	for _, k := range n.Content {
		s += c.sizeOf(k)
		if s > MaxAliasNodes {
			break
		}
	}
	c.size[n] = s
	return s
}

// checkShape refuses objects whose metadata kyaml's accessors (GetName,
// GetAnnotations, ...) cannot read: they index mapping pairs and panic on a
// list. Kubernetes requires all three to be maps anyway.
func checkShape(n *yaml.Node) *LimitError {
	md := mapValue(n, "metadata")
	if md == nil || md.Tag == "!!null" || isMapAlias(md) {
		return nil
	}
	if md.Kind != yaml.MappingNode {
		return &LimitError{Path: "metadata", Line: md.Line, Msg: "must be an object (a map) with name, namespace, labels, annotations; got " + kindName(md.Kind)}
	}
	for _, f := range []string{"labels", "annotations"} {
		if v := mapValue(md, f); v != nil && v.Tag != "!!null" && v.Kind != yaml.MappingNode && !isMapAlias(v) {
			return &LimitError{Path: "metadata." + f, Line: v.Line, Msg: "must be a map of strings; got " + kindName(v.Kind)}
		}
	}
	return nil
}

// isMapAlias: an alias of a map is a map (kyaml reads it as empty, and
// does not panic).
func isMapAlias(n *yaml.Node) bool {
	return n.Kind == yaml.AliasNode && n.Alias != nil && n.Alias.Kind == yaml.MappingNode
}

// mapValue is the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// describe names an object for messages without kyaml's accessors, which
// panic on malformed metadata.
func describe(n *yaml.Node) string {
	kind := "object"
	if k := mapValue(n, "kind"); k != nil && k.Kind == yaml.ScalarNode && k.Value != "" {
		kind = k.Value
	}
	md := mapValue(n, "metadata")
	name, ns := mapValue(md, "name"), mapValue(md, "namespace")
	switch {
	case name == nil || name.Kind != yaml.ScalarNode:
		return kind
	case ns == nil || ns.Kind != yaml.ScalarNode || ns.Value == "":
		return kind + " " + name.Value
	}
	return kind + " " + ns.Value + "/" + name.Value
}
