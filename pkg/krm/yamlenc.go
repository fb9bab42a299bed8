package krm

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	sigsyaml "sigs.k8s.io/yaml"
)

// The fast encoder. Encode used to go typed object → JSON → map → JSON →
// yaml.v2 parse → yaml.v2 emit (sigs.k8s.io/yaml), which was half of a
// render's CPU time. fastYAML goes JSON → a small tree → YAML text and
// produces the same bytes as that chain:
//
//   - keys are sorted with yaml.v2's "natural" order (lessV2, a copy of
//     yaml.v2's keyList.Less);
//   - block layout is yaml.v2's: two-space indent, sequences inside
//     mappings not indented, "{}" and "[]" for empty collections;
//   - a scalar string is written as-is only when it is certainly a plain
//     YAML string (plainSafe); any other string is rendered once by
//     sigs.k8s.io/yaml itself and cached, so quoting rules are yaml.v2's by
//     construction;
//   - anything the fast path is unsure about (a float, a large integer, a
//     multi-line string, a long string that yaml.v2 might fold at column
//     80, a key long enough to be written as "? key") makes fastYAML give
//     up, and Encode takes the original chain for that object.
//
// TestFastYAMLMatchesSigsYAML checks the equivalence on generated values.

// jnode is a JSON value in a document's arena: kind 's' string, 'n'
// number, 'b' true or false (s holds the literal), 'z' null, 'o' object,
// 'a' array. A container's entries are arena[first:first+n]; an object
// entry's key is in key. Strings point into the JSON bytes (no copy): the
// bytes come from json.Marshal and are never written afterwards.
type jnode struct {
	key      string
	s        string
	first, n int32
	kind     byte
}

type jsonParser struct {
	data  []byte
	pos   int
	ok    bool
	arena []jnode
	stack []jnode // entries of the containers being parsed
}

func (p *jsonParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) lit(word string) bool {
	if len(p.data)-p.pos >= len(word) && string(p.data[p.pos:p.pos+len(word)]) == word {
		p.pos += len(word)
		return true
	}
	p.ok = false
	return false
}

// value parses one value; container entries go to the arena when the
// container closes, so each container's entries are contiguous.
func (p *jsonParser) value(depth int) jnode {
	p.ws()
	if !p.ok || p.pos >= len(p.data) || depth > maxEncodeDepth {
		p.ok = false
		return jnode{}
	}
	switch c := p.data[p.pos]; {
	case c == '{' || c == '[':
		p.pos++
		obj := c == '{'
		closer := byte(']')
		if obj {
			closer = '}'
		}
		mark := len(p.stack)
		p.ws()
		if p.pos < len(p.data) && p.data[p.pos] == closer {
			p.pos++
		} else {
			for p.ok {
				var key string
				if obj {
					p.ws()
					if p.pos >= len(p.data) || p.data[p.pos] != '"' {
						p.ok = false
						break
					}
					key = p.str()
					p.ws()
					if p.pos >= len(p.data) || p.data[p.pos] != ':' {
						p.ok = false
						break
					}
					p.pos++
				}
				v := p.value(depth + 1)
				v.key = key
				p.stack = append(p.stack, v)
				p.ws()
				if p.pos < len(p.data) && p.data[p.pos] == ',' {
					p.pos++
					continue
				}
				if p.pos < len(p.data) && p.data[p.pos] == closer {
					p.pos++
					break
				}
				p.ok = false
			}
		}
		n := jnode{kind: 'a', first: int32(len(p.arena)), n: int32(len(p.stack) - mark)}
		if obj {
			n.kind = 'o'
		}
		p.arena = append(p.arena, p.stack[mark:]...)
		p.stack = p.stack[:mark]
		return n
	case c == '"':
		return jnode{kind: 's', s: p.str()}
	case c == 't':
		p.lit("true")
		return jnode{kind: 'b', s: "true"}
	case c == 'f':
		p.lit("false")
		return jnode{kind: 'b', s: "false"}
	case c == 'n':
		p.lit("null")
		return jnode{kind: 'z'}
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		for p.pos < len(p.data) && strings.IndexByte("+-.eE0123456789", p.data[p.pos]) >= 0 {
			p.pos++
		}
		return jnode{kind: 'n', s: unsafe.String(&p.data[start], p.pos-start)}
	}
	p.ok = false
	return jnode{}
}

// str reads a JSON string at p.pos.
func (p *jsonParser) str() string {
	start := p.pos
	p.pos++
	escaped := false
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '\\':
			escaped = true
			p.pos += 2
			continue
		case '"':
			p.pos++
			if !escaped {
				if p.pos-start == 2 {
					return ""
				}
				return unsafe.String(&p.data[start+1], p.pos-start-2)
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				p.ok = false
			}
			return s
		}
		p.pos++
	}
	p.ok = false
	return ""
}

// maxEncodeDepth bounds the recursion of the fast encoder; deeper objects
// take the original chain.
const maxEncodeDepth = 100

// fastYAML converts the JSON of an object to yaml.v2 block YAML without
// the top-level status and metadata.creationTimestamp. ok is false when
// the caller must use the original chain.
func fastYAML(data []byte) (out []byte, ok bool) {
	p := &jsonParser{data: data, ok: true, arena: make([]jnode, 0, len(data)/16), stack: make([]jnode, 0, 64)}
	root := p.value(0)
	p.ws()
	if !p.ok || p.pos != len(data) {
		return nil, false
	}
	return writeTree(root, p.arena, len(data)+len(data)/4)
}

// writeTree writes an object's tree as yaml.v2 block YAML without the
// top-level status and metadata.creationTimestamp.
func writeTree(root jnode, arena []jnode, size int) ([]byte, bool) {
	if root.kind != 'o' {
		return nil, false
	}
	e := &yamlWriter{buf: make([]byte, 0, size), ok: true, arena: arena}
	entries := e.entries(root)
	entries = drop(entries, "status")
	for i := range entries {
		if entries[i].key == "metadata" && entries[i].kind == 'o' {
			md := e.entries(entries[i])
			kept := drop(md, "creationTimestamp")
			entries[i].n = int32(len(kept))
		}
	}
	if len(entries) == 0 {
		e.buf = append(e.buf, "{}\n"...)
	} else {
		e.mapping(entries, 0, false)
	}
	if !e.ok {
		return nil, false
	}
	return e.buf, true
}

// drop removes the entry named key, keeping the order, in place.
func drop(entries []jnode, key string) []jnode {
	out := entries[:0]
	for _, kv := range entries {
		if kv.key != key {
			out = append(out, kv)
		}
	}
	return out
}

type yamlWriter struct {
	buf   []byte
	ok    bool
	arena []jnode
	// base indents every line after the first (an item of a
	// ResourceList); columns for style decisions stay those of the
	// object written alone.
	base int
}

func (e *yamlWriter) entries(n jnode) []jnode {
	return e.arena[n.first : n.first+n.n]
}

const spaces64 = "                                                                "

func (e *yamlWriter) indent(n int) {
	n += e.base
	for n > len(spaces64) {
		e.buf = append(e.buf, spaces64...)
		n -= len(spaces64)
	}
	e.buf = append(e.buf, spaces64[:n]...)
}

// mapping writes a non-empty object at indent; inline means the first key
// continues the current line (after "- ").
func (e *yamlWriter) mapping(obj []jnode, indent int, inline bool) {
	sortV2(obj)
	for i, kv := range obj {
		if i > 0 || !inline {
			e.indent(indent)
		}
		k, ok := renderKey(kv.key)
		if !ok {
			e.ok = false
			return
		}
		e.buf = append(e.buf, k...)
		e.buf = append(e.buf, ':')
		e.value(kv, indent+len(k)+2, indent+2, indent)
		if !e.ok {
			return
		}
	}
}

// value writes v after a "key:": col is the column a scalar would start
// at, mapIndent and seqIndent where a nested mapping or sequence goes
// (sequences in mappings are not indented).
func (e *yamlWriter) value(v jnode, col, mapIndent, seqIndent int) {
	switch v.kind {
	case 'o':
		if v.n == 0 {
			e.buf = append(e.buf, " {}\n"...)
			return
		}
		e.buf = append(e.buf, '\n')
		e.mapping(e.entries(v), mapIndent, false)
	case 'a':
		if v.n == 0 {
			e.buf = append(e.buf, " []\n"...)
			return
		}
		e.buf = append(e.buf, '\n')
		e.sequence(e.entries(v), seqIndent, false)
	default:
		e.buf = append(e.buf, ' ')
		e.scalar(v, col)
		e.buf = append(e.buf, '\n')
	}
}

func (e *yamlWriter) sequence(arr []jnode, indent int, inline bool) {
	for i, v := range arr {
		if i > 0 || !inline {
			e.indent(indent)
		}
		e.buf = append(e.buf, '-')
		e.item(v, indent)
		if !e.ok {
			return
		}
	}
}

// item writes a sequence entry after its "-" at indent.
func (e *yamlWriter) item(v jnode, indent int) {
	switch v.kind {
	case 'o':
		if v.n == 0 {
			e.buf = append(e.buf, " {}\n"...)
			return
		}
		e.buf = append(e.buf, ' ')
		e.mapping(e.entries(v), indent+2, true)
	case 'a':
		if v.n == 0 {
			e.buf = append(e.buf, " []\n"...)
			return
		}
		e.buf = append(e.buf, ' ')
		e.sequence(e.entries(v), indent+2, true)
	default:
		e.buf = append(e.buf, ' ')
		e.scalar(v, indent+2)
		e.buf = append(e.buf, '\n')
	}
}

func (e *yamlWriter) scalar(v jnode, col int) {
	switch v.kind {
	case 'b':
		e.buf = append(e.buf, v.s...)
	case 'z':
		e.buf = append(e.buf, "null"...)
	case 'n':
		// Integers survive the original chain's float64 round trip
		// unchanged up to 15 digits; anything else takes that chain.
		digits := strings.TrimPrefix(v.s, "-")
		if len(digits) == 0 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" || (len(digits) > 1 && digits[0] == '0') || v.s == "-0" {
			e.ok = false
			return
		}
		e.buf = append(e.buf, v.s...)
	case 's':
		if plainSafe(v.s) {
			e.buf = append(e.buf, v.s...)
			return
		}
		r, ok := renderValue(v.s)
		// yaml.v2 folds a scalar at a space once past column 80.
		if !ok || (strings.IndexByte(r, ' ') >= 0 && col+len(r) > 80) {
			e.ok = false
			return
		}
		e.buf = append(e.buf, r...)
	default:
		e.ok = false
	}
}

// plainSafe reports whether yaml.v2 certainly writes s as a plain scalar,
// unchanged, as a value and (up to 128 bytes) as a mapping key: ASCII without spaces,
// starting with a letter, '/' or '_', none of YAML's indicators where they
// matter, not ending in ':', and not a word YAML 1.1 reads as a bool or
// null. It may say no to strings that are in fact plain; those are rendered
// by yaml.v2 itself.
func plainSafe(s string) bool {
	if len(s) == 0 {
		return false
	}
	c := s[0]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_':
	case c >= '0' && c <= '9':
		if !digitLedString(s) {
			return false
		}
	default:
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		switch c {
		case '-', '.', '_', '/', ':', '=', '@', '%', '+', '*', '~', '$', ',':
			// ',' is a flow indicator: plain in block context, where
			// every scalar here is written.
			continue
		}
		return false
	}
	if s[len(s)-1] == ':' {
		return false
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
			return false
		}
	}
	return true
}

// digitLedString reports whether a string that starts with a digit
// certainly does not read as a YAML 1.1 number or timestamp: it has a
// letter that no number, base prefix, exponent or timestamp uses, no base
// prefix, and no ':' (sexagesimal numbers, times). Hex hashes pass.
func digitLedString(s string) bool {
	if len(s) > 1 && s[0] == '0' && isLetterASCII(s[1]) {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c >= 'a' && c <= 'z' && strings.IndexByte("eoxbtz", c) < 0 {
			letter = true
		}
		if s[i] == ':' {
			return false
		}
	}
	return letter
}

// The rendering cache: scalars that are not plainSafe, rendered once by
// sigs.k8s.io/yaml. It is bounded so a long-lived process (fuzzing, a
// server) cannot grow it without limit.
var (
	renderMu    sync.RWMutex
	renderVals  = map[string]rendered{}
	renderKeys  = map[string]rendered{}
	renderLimit = 50000
)

type rendered struct {
	text string
	ok   bool
}

func renderValue(s string) (string, bool) {
	return renderCached(renderVals, s, func() (string, bool) {
		out, err := sigsyaml.Marshal(map[string]string{"k": s})
		if err != nil {
			return "", false
		}
		r, ok := strings.CutPrefix(string(out), "k: ")
		r, ok2 := strings.CutSuffix(r, "\n")
		if !ok || !ok2 || strings.IndexByte(r, '\n') >= 0 {
			return "", false
		}
		return r, true
	})
}

func renderKey(s string) (string, bool) {
	// yaml.v2 writes keys longer than 128 bytes as "? key".
	if len(s) <= 128 && plainSafe(s) {
		return s, true
	}
	return renderCached(renderKeys, s, func() (string, bool) {
		out, err := sigsyaml.Marshal(map[string]int{s: 0})
		if err != nil {
			return "", false
		}
		r, ok := strings.CutSuffix(string(out), ": 0\n")
		if !ok || strings.IndexByte(r, '\n') >= 0 || strings.HasPrefix(r, "? ") {
			return "", false
		}
		return r, true
	})
}

func renderCached(cache map[string]rendered, key string, f func() (string, bool)) (string, bool) {
	renderMu.RLock()
	r, hit := cache[key]
	renderMu.RUnlock()
	if hit {
		return r.text, r.ok
	}
	text, ok := f()
	renderMu.Lock()
	if len(cache) >= renderLimit {
		clear(cache)
	}
	cache[strings.Clone(key)] = rendered{text, ok}
	renderMu.Unlock()
	return text, ok
}

// sortV2 sorts keys as yaml.v2 does. yaml.v2's order is not transitive
// for some keys ("6e0" < "12:3" < "1e3" < "6e0"); it then sorts map keys
// in an order that depends on Go's random map iteration, where this keeps
// the deterministic input order (a stable sort). For every other key set
// the order is the same.
func sortV2(obj []jnode) {
	// Insertion sort for the usual handful of keys; keys are distinct.
	if len(obj) <= 12 {
		for i := 1; i < len(obj); i++ {
			for j := i; j > 0 && lessV2(obj[j].key, obj[j-1].key); j-- {
				obj[j], obj[j-1] = obj[j-1], obj[j]
			}
		}
		return
	}
	slices.SortStableFunc(obj, func(a, b jnode) int {
		switch {
		case lessV2(a.key, b.key):
			return -1
		case lessV2(b.key, a.key):
			return 1
		}
		return 0
	})
}

// lessV2 is yaml.v2's keyList.Less for two string keys: strings compare
// rune by rune, letters before other characters, and runs of digits by
// their numeric value.
func lessV2(a, b string) bool {
	ascii := true
	for i := 0; i < len(a); i++ {
		if a[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	for i := 0; ascii && i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii {
		return lessRunes([]rune(a), []rune(b))
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		al, bl := isLetterASCII(a[i]), isLetterASCII(b[i])
		if al && bl {
			return a[i] < b[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if a[i] == '0' || b[i] == '0' {
			for j := i - 1; j >= 0 && isDigitASCII(a[j]); j-- {
				if a[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(a) && isDigitASCII(a[ai]); ai++ {
			an = an*10 + int64(a[ai]-'0')
		}
		for bi = i; bi < len(b) && isDigitASCII(b[bi]); bi++ {
			bn = bn*10 + int64(b[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return a[i] < b[i]
	}
	return len(a) < len(b)
}

func isLetterASCII(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigitASCII(c byte) bool  { return c >= '0' && c <= '9' }

func lessRunes(ar, br []rune) bool {
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := unicode.IsLetter(ar[i])
		bl := unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
