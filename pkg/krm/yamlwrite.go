package krm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The writer: typed object → encoding/json (which honours MarshalJSON of
// the Istio and protobuf types, omitempty and inline fields) → the YAML
// below. It is the one hand-written YAML writer of lattice.
//
// The layout is the one sigs.k8s.io/yaml (yaml.v2's emitter) gives the same
// JSON, which is what rendered output has always looked like: keys sorted
// in yaml.v2's order (lessV2), block style with two-space indentation,
// sequences in mappings not indented, "{}" and "[]" for empty collections,
// long scalars folded past column 80, and yaml.v2's choice between plain,
// single-quoted, double-quoted and literal scalars. It departs from yaml.v2
// where yaml.v2 loses the string: a line break other than "\n" (CR, NEL,
// LS, PS) is always written escaped in double quotes. And it never parses
// the JSON as YAML, which is where sigs.k8s.io/yaml turned NEL into a space
// and refused DEL, C1 characters and U+FFFE.
//
// FuzzEncode checks that every object reads back equal through
// sigs.k8s.io/yaml, and byte for byte that the output is sigs.k8s.io/yaml's
// wherever sigs.k8s.io/yaml keeps the strings.
//
// The writer has a second layout, for results (appendResult): yaml.v3's,
// as kyaml's yaml.Marshal writes them. FuzzResults checks it byte for byte
// against yaml.v3.

// Encode writes a typed object as YAML without the top-level status and
// metadata.creationTimestamp (upstream structs serialise an empty status
// and a null timestamp; neither belongs in rendered manifests). obj must be
// a pointer: Istio's protobuf specs implement MarshalJSON on the pointer.
func Encode(obj any) ([]byte, error) {
	var e Encoder
	return e.Encode(obj)
}

// An Encoder is Encode with scratch memory (the JSON, the entries and the
// YAML being written) kept from one object to the next. The zero value is
// ready; one Encoder is for one goroutine. What Encode returns is the
// caller's and never shares the scratch memory.
type Encoder struct {
	json strings.Builder // read as a string, uncopied; grown to the last object's size
	je   *json.Encoder
	r    jsonReader
	w    yamlWriter
}

// Encode is the package's Encode, reusing e's scratch memory.
func (e *Encoder) Encode(obj any) ([]byte, error) {
	if e.je == nil {
		// Like json.Marshal but without escaping <, > and & as \u003c…:
		// the strings the writer reads are the same, and unescaped
		// strings need no decoding.
		e.je = json.NewEncoder(&e.json)
		e.je.SetEscapeHTML(false)
	}
	last := e.json.Len()
	e.json.Reset()
	e.json.Grow(last)
	if err := e.je.Encode(obj); err != nil {
		return nil, err
	}
	out, err := e.jsonToYAML(strings.TrimSuffix(e.json.String(), "\n"))
	if err != nil {
		return nil, err
	}
	return bytes.Clone(out), nil
}

// jsonToYAML writes data as YAML into e's scratch buffer.
func (e *Encoder) jsonToYAML(data string) ([]byte, error) {
	p := &e.r
	*p = jsonReader{text: data, stack: p.stack[:0], arena: p.arena[:0]}
	root := p.value(0)
	if p.err == nil && p.pos != len(p.text) {
		p.err = errors.New("trailing data")
	}
	if p.err != nil {
		return nil, fmt.Errorf("cannot write YAML: %w", p.err)
	}
	if root.kind != '{' {
		return nil, errors.New("cannot write YAML: not an object")
	}
	w := &e.w
	*w = yamlWriter{buf: w.buf[:0], arena: p.arena}
	top := slices.DeleteFunc(w.entries(root), func(e jvalue) bool { return e.key == "status" })
	for i := range top {
		if md := &top[i]; md.key == "metadata" && md.kind == '{' {
			md.n = int32(len(slices.DeleteFunc(w.entries(*md), func(e jvalue) bool { return e.key == "creationTimestamp" })))
		}
	}
	if len(top) == 0 {
		return []byte("{}\n"), nil
	}
	w.mapping(top, 0, false)
	return w.buf, nil
}

// jvalue is a JSON value: kind '{', '[', '"' (string), 'n' (number), or
// 'l' (true, false, null: text holds the literal).
type jvalue struct {
	kind     byte
	first, n int32  // a container's entries are arena[first:first+n]
	key      string // in an object's entries
	text     string
}

// jsonReader reads what encoding/json wrote: no whitespace, valid UTF-8
// (json.Marshal replaces invalid bytes), strings with escapes decoded by
// encoding/json itself.
type jsonReader struct {
	text string
	pos  int
	err  error
	// stack holds the entries of the open containers; a container's
	// entries move to the arena, together, when it closes.
	stack, arena []jvalue
}

const maxWriteDepth = 1000

func (p *jsonReader) fail(what string) jvalue {
	if p.err == nil {
		p.err = fmt.Errorf("%s at offset %d", what, p.pos)
	}
	return jvalue{}
}

func (p *jsonReader) value(depth int) jvalue {
	if p.err != nil || p.pos >= len(p.text) || depth > maxWriteDepth {
		return p.fail("unexpected end or nesting")
	}
	switch c := p.text[p.pos]; {
	case c == '{' || c == '[':
		p.pos++
		v := jvalue{kind: c}
		mark := len(p.stack)
		closer := byte(']')
		if c == '{' {
			closer = '}'
		}
		for p.err == nil && p.pos < len(p.text) && p.text[p.pos] != closer {
			if len(p.stack) > mark {
				if p.text[p.pos] != ',' {
					return p.fail("expected ','")
				}
				p.pos++
			}
			key := ""
			if c == '{' {
				key = p.str()
				if p.err != nil || p.pos >= len(p.text) || p.text[p.pos] != ':' {
					return p.fail("expected ':'")
				}
				p.pos++
			}
			e := p.value(depth + 1)
			e.key = key
			p.stack = append(p.stack, e)
		}
		if p.pos >= len(p.text) {
			return p.fail("unterminated container")
		}
		p.pos++
		v.first, v.n = int32(len(p.arena)), int32(len(p.stack)-mark)
		p.arena = append(p.arena, p.stack[mark:]...)
		p.stack = p.stack[:mark]
		return v
	case c == '"':
		return jvalue{kind: '"', text: p.str()}
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(p.text[p.pos:], lit) {
				p.pos += len(lit)
				return jvalue{kind: 'l', text: lit}
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.text) && strings.IndexByte("+-.eE0123456789", p.text[p.pos]) >= 0 {
			p.pos++
		}
		return jvalue{kind: 'n', text: p.text[start:p.pos]}
	}
	return p.fail("unexpected character")
}

// str reads a JSON string at p.pos.
func (p *jsonReader) str() string {
	if p.pos >= len(p.text) || p.text[p.pos] != '"' {
		p.fail("expected a string")
		return ""
	}
	start, escaped := p.pos, false
	for p.pos++; p.pos < len(p.text); p.pos++ {
		switch p.text[p.pos] {
		case '\\':
			escaped = true
			p.pos++
		case '"':
			p.pos++
			if !escaped {
				return p.text[start+1 : p.pos-1]
			}
			var s string
			if err := json.Unmarshal([]byte(p.text[start:p.pos]), &s); err != nil {
				p.fail(err.Error())
			}
			return s
		}
	}
	p.fail("unterminated string")
	return ""
}

type yamlWriter struct {
	buf   []byte
	arena []jvalue
}

func (w *yamlWriter) entries(v jvalue) []jvalue { return w.arena[v.first : v.first+v.n] }

func (w *yamlWriter) indent(n int) {
	for range n {
		w.buf = append(w.buf, ' ')
	}
}

// mapping writes a non-empty object whose keys go at column indent; inline
// means the first key continues the current line (after "- ").
func (w *yamlWriter) mapping(entries []jvalue, indent int, inline bool) {
	slices.SortStableFunc(entries, func(a, b jvalue) int {
		switch {
		case lessV2(a.key, b.key):
			return -1
		case lessV2(b.key, a.key):
			return 1
		}
		return 0
	})
	for i, e := range entries {
		if i > 0 || !inline {
			w.indent(indent)
		}
		col := indent
		if len(e.key) > maxSimpleKey || !isWord(e.key) && strings.ContainsAny(e.key, "\n\r\u0085\u2028\u2029") {
			// Not a simple key: "? key", then ":" on a line of its own.
			w.buf = append(w.buf, "? "...)
			w.scalar(e.key, indent+2, indent+2, false)
			w.buf = append(w.buf, '\n')
			w.indent(indent)
			w.buf = append(w.buf, ':')
			col = indent + 1
		} else {
			col = w.scalar(e.key, col, indent, true)
			w.buf = append(w.buf, ':')
			col++
		}
		w.value(e, col+1, indent)
	}
}

// maxSimpleKey is the longest key yaml.v2 writes as "key: value".
const maxSimpleKey = 128

// value writes v after a "key:"; col is the column a scalar starts at,
// indent the column of the key (nested mappings go two further, sequences
// stay at it).
func (w *yamlWriter) value(v jvalue, col, indent int) {
	switch {
	case v.kind == '{' && v.n > 0:
		w.buf = append(w.buf, '\n')
		w.mapping(w.entries(v), indent+2, false)
	case v.kind == '[' && v.n > 0:
		w.buf = append(w.buf, '\n')
		w.indent(indent)
		w.items(w.entries(v), indent)
	default:
		w.buf = append(w.buf, ' ')
		w.leaf(v, col, indent+2)
		w.buf = append(w.buf, '\n')
	}
}

// items writes array entries, the first after what is on the line (a
// sequence in a sequence starts on its parent's "- " line).
func (w *yamlWriter) items(entries []jvalue, indent int) {
	for i, v := range entries {
		if i > 0 {
			w.indent(indent)
		}
		w.buf = append(w.buf, "- "...)
		switch {
		case v.kind == '{' && v.n > 0:
			w.mapping(w.entries(v), indent+2, true)
		case v.kind == '[' && v.n > 0:
			w.items(w.entries(v), indent+2)
		default:
			w.leaf(v, indent+2, indent+2)
			w.buf = append(w.buf, '\n')
		}
	}
}

// leaf writes a scalar or an empty collection at column col; continuation
// lines of a folded or literal scalar go at column indent.
func (w *yamlWriter) leaf(v jvalue, col, indent int) {
	switch v.kind {
	case '{':
		w.buf = append(w.buf, "{}"...)
	case '[':
		w.buf = append(w.buf, "[]"...)
	case 'l':
		w.buf = append(w.buf, v.text...)
	case 'n':
		w.buf = append(w.buf, number(v.text)...)
	case '"':
		w.scalar(v.text, col, indent, false)
	}
}

// number writes a JSON number as yaml.v2 writes the float64 or int it
// decodes to: integers as they are, other numbers in Go's shortest form.
func number(s string) string {
	if s == "-0" {
		return "0"
	}
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	if f == float64(int64(f)) && f >= -1e15 && f <= 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Scalar styles.
const (
	stylePlain = iota
	styleSingle
	styleDouble
	styleLiteral
)

// scalar writes s starting at column col (a key when key is set), and
// returns the column after it.
func (w *yamlWriter) scalar(s string, col, indent int, key bool) int {
	switch scalarStyle(s, key) {
	case stylePlain:
		return w.folded(s, col, indent, !key, 0)
	case styleSingle:
		w.buf = append(w.buf, '\'')
		col = w.folded(s, col+1, indent, !key, '\'')
		w.buf = append(w.buf, '\'')
		return col + 1
	case styleLiteral:
		w.literal(s, indent)
		return 0
	}
	return w.double(s, col, indent, !key)
}

// scalarStyle is yaml.v2's choice for a string, except that strings with
// a line break other than "\n" are always double-quoted.
func scalarStyle(s string, key bool) int {
	if isWord(s) { // most strings: analyze has nothing to find
		if isPlainString(s) {
			return stylePlain
		}
		return styleDouble
	}
	a := analyze(s)
	if a.otherBreaks {
		return styleDouble
	}
	style := stylePlain
	switch {
	case strings.Contains(s, "\n"):
		style = styleLiteral
	case !isPlainString(s):
		return styleDouble
	}
	if key && a.multiline {
		return styleDouble
	}
	if style == stylePlain && (!a.plain || s == "" && key) {
		style = styleSingle
	}
	if style == styleSingle && !a.single {
		style = styleDouble
	}
	if style == styleLiteral && (!a.block || key) {
		style = styleDouble
	}
	return style
}

// isWord: s is a letter or digit, then letters, digits, '-', '.', '_' and
// '/': no indicator, space, break or character to escape.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && strings.IndexByte("-._/", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// scalarFacts is what yaml.v2's emitter learns about a string before it
// picks a style (yaml_emitter_analyze_scalar), in block context.
type scalarFacts struct {
	multiline, plain, single, block bool
	otherBreaks                     bool // a CR, NEL, LS or PS
}

func analyze(s string) scalarFacts {
	if s == "" {
		return scalarFacts{plain: true, single: true}
	}
	var (
		indicators, lineBreaks, special                    bool
		leadingSpace, leadingBreak, trailSpace, trailBreak bool
		breakSpace, spaceBreak, prevSpace, prevBreak       bool
		otherBreaks                                        bool
	)
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		indicators = true
	}
	precededByBlank := true
	for i, r := range s {
		w := utf8.RuneLen(r)
		next, _ := utf8.DecodeRuneInString(s[i+w:])
		followedByBlank := i+w >= len(s) || next == ' ' || next == '\t' || isBreak(next)
		if i == 0 {
			switch r {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				indicators = true
			case '?', ':', '-':
				indicators = indicators || followedByBlank
			}
		} else {
			switch r {
			case ':':
				indicators = indicators || followedByBlank
			case '#':
				indicators = indicators || precededByBlank
			}
		}
		if !printable(r) {
			special = true
		}
		switch {
		case r == ' ':
			leadingSpace = leadingSpace || i == 0
			trailSpace = trailSpace || i+w == len(s)
			breakSpace = breakSpace || prevBreak
			prevSpace, prevBreak = true, false
		case isBreak(r):
			otherBreaks = otherBreaks || r != '\n'
			lineBreaks = true
			leadingBreak = leadingBreak || i == 0
			trailBreak = trailBreak || i+w == len(s)
			spaceBreak = spaceBreak || prevSpace
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByBlank = r == ' ' || r == '\t' || isBreak(r)
	}
	f := scalarFacts{multiline: lineBreaks, plain: true, single: true, block: true, otherBreaks: otherBreaks}
	if leadingSpace || leadingBreak || trailSpace || trailBreak {
		f.plain = false
	}
	if trailSpace {
		f.block = false
	}
	if breakSpace {
		f.plain, f.single = false, false
	}
	if spaceBreak || special {
		f.plain, f.single, f.block = false, false, false
	}
	if lineBreaks || indicators {
		f.plain = false
	}
	return f
}

func isBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// printable is YAML's printable set as yaml.v2 checks it: "\n", ASCII
// 0x20–0x7E, and non-ASCII from U+00A0 except surrogates, the BOM and
// U+FFFE and above (NEL and characters outside the BMP count as not
// printable, so they are escaped).
func printable(r rune) bool {
	switch {
	case r == '\n' || r >= 0x20 && r <= 0x7E:
		return true
	case r < 0xA0 || r >= 0xD800 && r <= 0xDFFF:
		return false
	case r == 0xFEFF || r == 0xFFFE || r > 0xFFFE:
		return false
	}
	return true
}

// isPlainString reports whether a plain s reads back as the string s, as
// yaml.v2 resolves YAML 1.1: not null, a bool, a number or a timestamp, and
// (quoted by yaml.v2 for other parsers) not a sexagesimal float.
func isPlainString(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL",
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF",
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
		".nan", ".NaN", ".NAN":
		return false
	}
	switch c := s[0]; {
	case c == '.':
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case c >= '0' && c <= '9' || c == '+' || c == '-':
	default:
		return true
	}
	if isTimestamp(s) || strings.Contains(s, ":") && base60Float.MatchString(s) {
		return false
	}
	plain := strings.ReplaceAll(s, "_", "")
	if strings.ContainsFunc(plain, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEFxXoO+-.", r) }) {
		return true // no number ("500m", "256Mi"), and failed parses allocate
	}
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return false
	}
	if yamlFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return false
		}
	}
	return true // binary (0b, -0b) is read by ParseInt and ParseUint above
}

var (
	yamlFloat   = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	base60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// isTimestamp: the forms yaml.v2 reads as a timestamp, which all start
// with four digits and a '-'.
func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// bestWidth is where yaml.v2 folds long scalars, at a space.
const bestWidth = 80

// folded writes a plain (quote 0) or single-quoted (quote '\”) scalar from
// column col, folding at a single space once past bestWidth when breaks
// are allowed; continuation lines go at column indent.
func (w *yamlWriter) folded(s string, col, indent int, breaks bool, quote byte) int {
	if !breaks || quote == 0 && strings.IndexByte(s, ' ') < 0 { // nowhere to fold
		n := utf8.RuneCountInString(s)
		if quote != 0 {
			n += strings.Count(s, "'")
			s = strings.ReplaceAll(s, "'", "''")
		}
		w.buf = append(w.buf, s...)
		return col + n
	}
	prevSpace := false
	for i, r := range s {
		if r == ' ' {
			last := i == len(s)-1
			next := !last && s[i+1] == ' '
			if breaks && !prevSpace && col > bestWidth && !next && (quote == 0 || i > 0 && !last) {
				w.buf = append(w.buf, '\n')
				w.indent(indent)
				col = indent
				prevSpace = true
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
			if r == '\'' && quote == '\'' {
				w.buf = append(w.buf, '\'')
				col++
			}
		}
		w.buf = utf8.AppendRune(w.buf, r)
		col++
	}
	return col
}

// double writes s double-quoted, escaping what is not printable, breaks,
// '"' and '\\', and folding at spaces past bestWidth as yaml.v2 does.
func (w *yamlWriter) double(s string, col, indent int, breaks bool) int {
	w.buf = append(w.buf, '"')
	col++
	prevSpace := false
	for i, r := range s {
		switch {
		case !printable(r) || isBreak(r) || r == '"' || r == '\\':
			esc := escape(r)
			w.buf = append(w.buf, esc...)
			col += len(esc)
			prevSpace = false
			continue
		case r == ' ':
			if breaks && !prevSpace && col > bestWidth && i != 0 && i != len(s)-1 {
				w.buf = append(w.buf, '\n')
				w.indent(indent)
				col = indent
				if s[i+1] == ' ' {
					w.buf = append(w.buf, '\\')
					col++
				}
				prevSpace = true
				continue
			}
			prevSpace = true
		default:
			prevSpace = false
		}
		w.buf = utf8.AppendRune(w.buf, r)
		col++
	}
	w.buf = append(w.buf, '"')
	return col + 1
}

// escapes are yaml.v2's short escapes; other characters are written \xXX,
// \uXXXX or \UXXXXXXXX.
var escapes = map[rune]string{
	0: `\0`, 0x07: `\a`, 0x08: `\b`, 0x09: `\t`, 0x0A: `\n`, 0x0B: `\v`, 0x0C: `\f`, 0x0D: `\r`, 0x1B: `\e`,
	'"': `\"`, '\\': `\\`, 0x85: `\N`, 0xA0: `\_`, 0x2028: `\L`, 0x2029: `\P`,
}

func escape(r rune) string {
	switch e, ok := escapes[r]; {
	case ok:
		return e
	case r <= 0xFF:
		return fmt.Sprintf(`\x%02X`, r)
	case r <= 0xFFFF:
		return fmt.Sprintf(`\u%04X`, r)
	}
	return fmt.Sprintf(`\U%08X`, r)
}

// literal writes a "|" block scalar whose lines go at column indent, with
// yaml.v2's indentation and chomping indicators.
func (w *yamlWriter) literal(s string, indent int) {
	w.buf = append(w.buf, '|')
	if s[0] == ' ' || s[0] == '\n' {
		w.buf = append(w.buf, '2')
	}
	switch {
	case !strings.HasSuffix(s, "\n"):
		w.buf = append(w.buf, '-')
	case len(s) == 1 || strings.HasSuffix(s, "\n\n"):
		w.buf = append(w.buf, '+')
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		w.buf = append(w.buf, '\n')
		if line != "" {
			w.indent(indent)
			w.buf = append(w.buf, line...)
		}
	}
}

// appendResult appends r as an entry of a top-level sequence in yaml.v3's
// layout (two-space indentation, sequences not indented, no folding,
// yaml.v3's choice of plain, single- or double-quoted scalars), for the
// shape lattice's results have. For anything else (a field value, several
// tags, an empty object, a string with a line break, a tab or a character
// yaml.v3 escapes) it appends nothing and reports false: yaml.v3 writes
// that result.
func appendResult(b []byte, r *framework.Result) ([]byte, bool) {
	if f := r.Field; f != nil && (f.Path == "" || f.CurrentValue != nil || f.ProposedValue != nil) ||
		r.File != nil && r.File.Path == "" || r.ResourceRef != nil && *r.ResourceRef == (yaml.ResourceIdentifier{}) || len(r.Tags) > 1 {
		return b, false
	}
	start := len(b)
	w := &yamlWriter{buf: b}
	ok := true
	key := func(depth int, k string) {
		if len(w.buf) == start {
			w.buf = append(w.buf, "- "...)
		} else {
			w.indent(2 + 2*depth)
		}
		w.buf = append(append(w.buf, k...), ':')
	}
	value := func(v string) {
		w.buf = append(w.buf, ' ')
		ok = ok && w.v3Scalar(v)
		w.buf = append(w.buf, '\n')
	}
	// put writes "k: v" unless v is empty (omitempty); open starts a
	// nested mapping.
	put := func(depth int, k, v string) {
		if v != "" {
			key(depth, k)
			value(v)
		}
	}
	open := func(k string) {
		key(0, k)
		w.buf = append(w.buf, '\n')
	}
	put(0, "message", r.Message)
	put(0, "severity", string(r.Severity))
	if ref := r.ResourceRef; ref != nil {
		open("resourceRef")
		put(1, "apiVersion", ref.APIVersion)
		put(1, "kind", ref.Kind)
		put(1, "name", ref.Name)
		put(1, "namespace", ref.Namespace)
	}
	if r.Field != nil {
		open("field")
		put(1, "path", r.Field.Path)
	}
	if r.File != nil {
		open("file")
		put(1, "path", r.File.Path)
		if r.File.Index != 0 {
			key(1, "index")
			w.buf = append(strconv.AppendInt(append(w.buf, ' '), int64(r.File.Index), 10), '\n')
		}
	}
	for k, v := range r.Tags {
		// Only a key yaml.v3 writes plain, as "key: value".
		ok = ok && len(k) <= maxSimpleKey && oneLine(k) && isPlainString(k) && analyze(k).plain
		open("tags")
		key(1, k)
		value(v)
	}
	if !ok || len(w.buf) == start {
		return b[:start], false
	}
	return w.buf, true
}

// v3Scalar writes a one-line string as yaml.v3 writes it, or reports
// false for a string it escapes or breaks (yaml.v3 writes those).
func (w *yamlWriter) v3Scalar(s string) bool {
	switch {
	case !oneLine(s):
		return false
	case !isPlainString(s): // it would read back as another type
		w.double(s, 0, 0, false)
	case analyze(s).plain:
		w.folded(s, 0, 0, false, 0)
	default:
		w.buf = append(w.buf, '\'')
		w.folded(s, 0, 0, false, '\'')
		w.buf = append(w.buf, '\'')
	}
	return true
}

// oneLine: s is UTF-8 with no line break and only characters yaml.v3
// writes as they are (which leaves out tabs).
func oneLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !printable(r) || r == '\n' {
			return false
		}
	}
	return true
}

// lessV2 is yaml.v2's order of two string keys: rune by rune, letters
// before other characters, and runs of digits by their numeric value.
func lessV2(a, b string) bool {
	ar, br := []rune(a), []rune(b) // keys are short: on the stack
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
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
					an, bn = 1, 1
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
