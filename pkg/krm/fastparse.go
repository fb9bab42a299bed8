package krm

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fastParseItem parses one item chunk as cut by splitResourceList: a
// one-entry block sequence ("- key: ...", possibly indented) whose entry
// is a block mapping. It returns exactly the node yaml.v3 produces for the
// chunk (doc.Content[0].Content[0] after yaml.Unmarshal): same Kind, Style,
// Tag, Value, Line, Column and Content, no anchors or comments.
//
// It handles the layout kustomize and kpt write: block mappings and
// sequences (indented or compact), one-line flow collections, one-line
// plain and quoted scalars, and literal block scalars. For anything else
// (comments, anchors, aliases, tags, complex keys, folded or multi-line
// scalars, tabs, lines over maxFastLine bytes, ...) it returns ok=false
// and the caller parses with yaml.v3; it declines rather than guesses.
//
// Nodes come from one slab and Content slices from one shared backing
// array, each with cap == len so that a later append (kyaml's SetMapField
// and friends) reallocates instead of overwriting a neighbour. Scalar
// values share the chunk's memory unless unescaping or indentation
// stripping needs a new string, so the chunk must not change.
func fastParseItem(chunk []byte) (*yaml.Node, bool) {
	return fastParseInto(chunk, &parseScratch{})
}

// parseScratch is the memory a parse fills: the node slab and the
// backing of the Content slices. A parse that is thrown away once read
// (a LatticeService decoded right away, read.go) leaves it to the next.
type parseScratch struct {
	slab []yaml.Node
	buf  []*yaml.Node
}

// fastParseInto is fastParseItem with the nodes in sc; they stay valid
// until sc is used again. Values share chunk's memory: it must not change.
func fastParseInto(chunk []byte, sc *parseScratch) (*yaml.Node, bool) {
	lines, extra, ascii, ok := scanChunk(chunk)
	if !ok {
		return nil, false
	}
	// A block line yields a key and a value (and "- " an entry's mapping);
	// flow punctuation adds entries. Underestimates only cost another slab.
	est := 2*lines + extra + 4
	if cap(sc.slab) < est {
		sc.slab = make([]yaml.Node, 0, est)
		sc.buf = make([]*yaml.Node, 2*est)
	}
	est = cap(sc.slab)
	p := fastParser{
		// No copy (#8: a copy of the whole input): callers never change
		// a chunk they parse (the input as read, Item.raw).
		src:   unsafe.String(unsafe.SliceData(chunk), len(chunk)),
		ascii: ascii,
		slab:  sc.slab[:0],
	}
	p.ptrs = sc.buf[:0:est]
	p.stack = sc.buf[est : est : 2*est]
	return p.item()
}

// maxFastLine bounds line length: yaml.v3 stops treating a key as a
// simple key past 1024 characters, and such lines are rare enough to
// leave to it.
const maxFastLine = 1000

const (
	fpNullTag  = "!!null"
	fpBoolTag  = "!!bool"
	fpStrTag   = "!!str"
	fpIntTag   = "!!int"
	fpFloatTag = "!!float"
	fpMapTag   = "!!map"
	fpSeqTag   = "!!seq"
)

// scanChunk checks the bytes the parser must never see (control
// characters including tabs and CR, invalid UTF-8, characters yaml.v3
// treats as line breaks or rejects) and counts what sizes the slab.
func scanChunk(b []byte) (lines, extra int, ascii, ok bool) {
	ascii = true
	lineStart := 0
	indent := true // only spaces so far on this line
	for i, c := range b {
		switch {
		case c >= 0x20 && c < 0x7f:
			switch c {
			case ',', '{':
				extra += 2 // a key and its value (or an entry, and one spare)
			case '[':
				extra++ // the first entry; the collection is the line's value
			case '-':
				if indent {
					extra++ // a sequence entry's mapping
				}
			}
			indent = indent && c == ' '
		case c == '\n':
			if i-lineStart > maxFastLine {
				return 0, 0, false, false
			}
			lines++
			lineStart = i + 1
			indent = true
		case c >= 0x80:
			ascii = false
		default:
			return 0, 0, false, false
		}
	}
	if len(b)-lineStart > maxFastLine {
		return 0, 0, false, false
	}
	lines++
	if !ascii {
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				return 0, 0, false, false
			case r >= 0x80 && r < 0xa0, // C1 controls, NEL (a line break to yaml.v3)
				r == 0x2028, r == 0x2029, // LS, PS: line breaks to yaml.v3
				r == 0xfeff, r == 0xfffe, r == 0xffff:
				return 0, 0, false, false
			}
			i += size
		}
	}
	return lines, extra, ascii, true
}

type fastParser struct {
	src   string
	pos   int  // current offset
	ls    int  // offset of the current line's start
	ln    int  // current line, 0-based
	ind   int  // indentation of the line at pos, after skipBlank
	eof   bool // no non-blank line left
	ascii bool

	slab  []yaml.Node
	ptrs  []*yaml.Node // backing of the Content slices
	stack []*yaml.Node // children of the collections being parsed
}

// col is yaml.v3's 1-based column of offset at on the current line; it
// counts characters, not bytes.
func (p *fastParser) col(at int) int {
	if p.ascii {
		return at - p.ls + 1
	}
	return utf8.RuneCountInString(p.src[p.ls:at]) + 1
}

func (p *fastParser) newNode(kind yaml.Kind, style yaml.Style, tag, value string, line, col int) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]yaml.Node, 0, max(16, cap(p.slab)/2))
	}
	p.slab = p.slab[:len(p.slab)+1]
	n := &p.slab[len(p.slab)-1]
	// Every field: a reused slab holds the last parse's nodes.
	*n = yaml.Node{Kind: kind, Style: style, Tag: tag, Value: value, Line: line, Column: col}
	return n
}

// nodeAt makes a node starting at offset at of the current line.
func (p *fastParser) nodeAt(kind yaml.Kind, style yaml.Style, tag, value string, at int) *yaml.Node {
	return p.newNode(kind, style, tag, value, p.ln+1, p.col(at))
}

// collect moves the children pushed since base into the shared backing
// and returns them with cap == len. yaml.v3 leaves Content nil when empty.
func (p *fastParser) collect(base int) []*yaml.Node {
	kids := p.stack[base:]
	if len(kids) == 0 {
		return nil
	}
	a := len(p.ptrs)
	p.ptrs = append(p.ptrs, kids...)
	p.stack = p.stack[:base]
	b := len(p.ptrs)
	return p.ptrs[a:b:b]
}

// skipBlank moves from a line start to the first non-space character of
// the next non-blank line, setting ind, or sets eof.
func (p *fastParser) skipBlank() {
	for {
		i := p.pos
		for i < len(p.src) && p.src[i] == ' ' {
			i++
		}
		if i == len(p.src) {
			p.pos = i
			p.eof = true
			return
		}
		if p.src[i] == '\n' {
			p.pos = i + 1
			p.ln++
			p.ls = p.pos
			continue
		}
		p.pos = i
		p.ind = i - p.ls // indentation is spaces, so bytes are columns
		return
	}
}

// endLine accepts only trailing spaces after a value, then moves to the
// next non-blank line.
func (p *fastParser) endLine() bool {
	i := p.pos
	for i < len(p.src) && p.src[i] == ' ' {
		i++
	}
	if i == len(p.src) {
		p.pos = i
		p.eof = true
		return true
	}
	if p.src[i] != '\n' {
		return false // a comment, a second token, ...
	}
	p.pos = i + 1
	p.ln++
	p.ls = p.pos
	p.skipBlank()
	return true
}

func (p *fastParser) skipSpaces() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// blankAt reports whether offset i is a space, a line break or the end:
// yaml.v3's is_blankz for the characters a chunk may hold.
func (p *fastParser) blankAt(i int) bool {
	return i >= len(p.src) || p.src[i] == ' ' || p.src[i] == '\n'
}

// isEntry reports whether pos is at a block sequence entry indicator.
func (p *fastParser) isEntry() bool {
	return p.src[p.pos] == '-' && p.blankAt(p.pos+1)
}

func (p *fastParser) item() (*yaml.Node, bool) {
	p.skipBlank()
	if p.eof || !p.isEntry() {
		return nil, false
	}
	p.pos++
	p.skipSpaces()
	if p.pos == len(p.src) || p.src[p.pos] == '\n' {
		return nil, false // entry on the next line
	}
	c := p.pos - p.ls
	k, isKey, ok := p.blockScalar()
	if !ok || !isKey {
		return nil, false // only a block mapping is an item here
	}
	m, ok := p.blockMap(c, k)
	if !ok || !p.eof {
		return nil, false // a second entry, or text outside the item
	}
	return m, true
}

// blockMap parses a block mapping at column c whose first key k has been
// read, pos just past its ':'.
func (p *fastParser) blockMap(c int, k *yaml.Node) (*yaml.Node, bool) {
	m := p.newNode(yaml.MappingNode, 0, fpMapTag, "", k.Line, k.Column)
	base := len(p.stack)
	for {
		p.stack = append(p.stack, k)
		v, ok := p.mapValue(c)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		if p.eof || p.ind < c {
			break
		}
		if p.ind > c {
			return nil, false // continuation line or bad indentation
		}
		var isKey bool
		k, isKey, ok = p.blockScalar()
		if !ok || !isKey {
			return nil, false
		}
	}
	m.Content = p.collect(base)
	return m, true
}

// mapValue parses the value of a key of the block mapping at column c,
// pos just past the ':'.
func (p *fastParser) mapValue(c int) (*yaml.Node, bool) {
	colonEnd := p.pos
	p.skipSpaces()
	if p.pos < len(p.src) && p.src[p.pos] != '\n' {
		return p.inlineValue(c)
	}
	// yaml.v3 places an empty value just after the ':'.
	line, col := p.ln+1, p.col(colonEnd)
	if p.pos == len(p.src) {
		p.eof = true
	} else {
		p.pos++
		p.ln++
		p.ls = p.pos
		p.skipBlank()
	}
	switch {
	case p.eof:
	case p.ind > c:
		if p.isEntry() {
			return p.blockSeq(p.ind, false)
		}
		k, isKey, ok := p.blockScalar()
		if !ok || !isKey {
			return nil, false // a scalar on the next line, a flow node, ...
		}
		return p.blockMap(p.ind, k)
	case p.ind == c && p.isEntry():
		return p.blockSeq(c, true)
	}
	return p.newNode(yaml.ScalarNode, 0, fpNullTag, "", line, col), true
}

// blockSeq parses a block sequence whose first '-' is at pos, column s.
// A compact sequence sits at its parent mapping's column and ends at the
// next key.
func (p *fastParser) blockSeq(s int, compact bool) (*yaml.Node, bool) {
	seq := p.nodeAt(yaml.SequenceNode, 0, fpSeqTag, "", p.pos)
	base := len(p.stack)
	for {
		p.pos++
		p.skipSpaces()
		if p.pos == len(p.src) || p.src[p.pos] == '\n' {
			return nil, false // empty entry, or entry on the next line
		}
		v, ok := p.entry(s)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		if p.eof || p.ind < s {
			break
		}
		if p.ind > s {
			return nil, false
		}
		if !p.isEntry() {
			if compact {
				break
			}
			return nil, false
		}
	}
	seq.Content = p.collect(base)
	return seq, true
}

// entry parses the node after "- " in a block sequence at column s.
func (p *fastParser) entry(s int) (*yaml.Node, bool) {
	c := p.pos - p.ls // only spaces and dashes precede it
	switch p.src[p.pos] {
	case '-':
		if p.isEntry() {
			return p.blockSeq(c, false)
		}
	case '[', '{', '|':
		return p.inlineValue(s)
	}
	n, isKey, ok := p.blockScalar()
	if !ok {
		return nil, false
	}
	if isKey {
		return p.blockMap(c, n)
	}
	if !p.endLine() {
		return nil, false
	}
	return n, true
}

// inlineValue parses a value starting at pos on a key's or an entry's
// line; indent is the column of the enclosing block collection.
func (p *fastParser) inlineValue(indent int) (*yaml.Node, bool) {
	switch p.src[p.pos] {
	case '[', '{':
		n, ok := p.flow(0)
		if !ok || !p.endLine() {
			return nil, false
		}
		return n, true
	case '|':
		return p.literal(indent)
	}
	n, isKey, ok := p.blockScalar()
	if !ok || isKey || !p.endLine() {
		return nil, false
	}
	return n, true
}

// plainStart reports whether pos can start a plain scalar: not an
// indicator, except '-' followed by a non-blank (as in "-1").
func (p *fastParser) plainStart(flow bool) bool {
	switch p.src[p.pos] {
	case '-':
		if p.blankAt(p.pos + 1) {
			return false
		}
		if flow {
			switch p.src[p.pos+1] {
			case ',', '[', ']', '{', '}':
				return false
			}
		}
		return true
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\n':
		return false
	}
	return true
}

// blockScalar reads a one-line plain or quoted scalar in block context.
// isKey reports that it is followed by ':' and a blank, pos then just
// past the ':'; otherwise pos is past the scalar.
func (p *fastParser) blockScalar() (n *yaml.Node, isKey, ok bool) {
	switch p.src[p.pos] {
	case '"', '\'':
		n, ok = p.quoted()
		if !ok {
			return nil, false, false
		}
		i := p.pos
		for i < len(p.src) && p.src[i] == ' ' {
			i++
		}
		if i < len(p.src) && p.src[i] == ':' && p.blankAt(i+1) {
			p.pos = i + 1
			return n, true, true
		}
		return n, false, true
	}
	if !p.plainStart(false) {
		return nil, false, false
	}
	start := p.pos
	i, end := start, start
	for i < len(p.src) {
		c := p.src[i]
		if c == '\n' {
			break
		}
		if c == ' ' {
			i++
			continue
		}
		if c == ':' && p.blankAt(i+1) {
			isKey = true
			break
		}
		if c == '#' && p.src[i-1] == ' ' {
			return nil, false, false // a comment
		}
		i++
		end = i
	}
	v := p.src[start:end]
	if v == "<<" {
		return nil, false, false // a merge key: yaml.v3 tags it !!merge
	}
	n = p.nodeAt(yaml.ScalarNode, 0, plainTag(v), v, start)
	if isKey {
		p.pos = i + 1
	} else {
		p.pos = i
	}
	return n, isKey, true
}

// quoted reads a single- or double-quoted scalar that ends on its line.
func (p *fastParser) quoted() (*yaml.Node, bool) {
	start := p.pos
	i := start + 1
	var v string
	var style yaml.Style
	if p.src[start] == '\'' {
		esc := false
		for {
			if i >= len(p.src) || p.src[i] == '\n' {
				return nil, false
			}
			if p.src[i] == '\'' {
				if i+1 < len(p.src) && p.src[i+1] == '\'' {
					esc = true
					i += 2
					continue
				}
				break
			}
			i++
		}
		v = p.src[start+1 : i]
		if esc {
			v = strings.ReplaceAll(v, "''", "'")
		}
		style = yaml.SingleQuotedStyle
	} else {
		esc := false
		for {
			if i >= len(p.src) || p.src[i] == '\n' {
				return nil, false
			}
			c := p.src[i]
			if c == '"' {
				break
			}
			if c == '\\' {
				if i+1 >= len(p.src) || p.src[i+1] == '\n' {
					return nil, false // an escaped line break
				}
				esc = true
				i += 2 // unescapeDouble checks what follows
				continue
			}
			i++
		}
		v = p.src[start+1 : i]
		if esc {
			var ok bool
			if v, ok = unescapeDouble(v); !ok {
				return nil, false
			}
		}
		style = yaml.DoubleQuotedStyle
	}
	n := p.nodeAt(yaml.ScalarNode, style, fpStrTag, v, start)
	p.pos = i + 1
	return n, true
}

// unescapeDouble decodes the escapes yaml.v3 knows; the others are errors
// to it (notably "\/"), so decline them.
func unescapeDouble(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		n := 0
		switch s[i] {
		case '0':
			b = append(b, 0)
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 't':
			b = append(b, '\t')
		case 'n':
			b = append(b, '\n')
		case 'v':
			b = append(b, '\v')
		case 'f':
			b = append(b, '\f')
		case 'r':
			b = append(b, '\r')
		case 'e':
			b = append(b, 0x1b)
		case ' ', '"', '\'', '\\':
			b = append(b, s[i])
		case 'N':
			b = append(b, "\u0085"...)
		case '_':
			b = append(b, "\u00a0"...)
		case 'L':
			b = append(b, "\u2028"...)
		case 'P':
			b = append(b, "\u2029"...)
		case 'x':
			n = 2
		case 'u':
			n = 4
		case 'U':
			n = 8
		default:
			return "", false
		}
		if n == 0 {
			continue
		}
		if i+n >= len(s) {
			return "", false
		}
		r := rune(0)
		for _, h := range []byte(s[i+1 : i+1+n]) {
			switch {
			case h >= '0' && h <= '9':
				r = r<<4 | rune(h-'0')
			case h >= 'a' && h <= 'f':
				r = r<<4 | rune(h-'a'+10)
			case h >= 'A' && h <= 'F':
				r = r<<4 | rune(h-'A'+10)
			default:
				return "", false
			}
		}
		if r >= 0xd800 && r <= 0xdfff || r > 0x10ffff {
			return "", false
		}
		b = utf8.AppendRune(b, r)
		i += n
	}
	return string(b), true
}

// flow parses a one-line flow sequence or mapping at pos.
func (p *fastParser) flow(depth int) (*yaml.Node, bool) {
	if depth > 64 {
		return nil, false
	}
	isMap := p.src[p.pos] == '{'
	var n *yaml.Node
	closer := byte(']')
	if isMap {
		n = p.nodeAt(yaml.MappingNode, yaml.FlowStyle, fpMapTag, "", p.pos)
		closer = '}'
	} else {
		n = p.nodeAt(yaml.SequenceNode, yaml.FlowStyle, fpSeqTag, "", p.pos)
	}
	p.pos++
	p.skipSpaces()
	if p.pos < len(p.src) && p.src[p.pos] == closer {
		p.pos++
		return n, true
	}
	base := len(p.stack)
	for {
		if isMap {
			if p.pos >= len(p.src) {
				return nil, false
			}
			switch p.src[p.pos] {
			case '[', '{':
				return nil, false // a collection as a key
			}
			k, ok := p.flowScalar()
			if !ok {
				return nil, false
			}
			p.stack = append(p.stack, k)
			p.skipSpaces()
			// "a:b" and {"a":b} are legal but rare; take only ": ".
			if p.pos+1 >= len(p.src) || p.src[p.pos] != ':' || p.src[p.pos+1] != ' ' {
				return nil, false
			}
			p.pos++
			p.skipSpaces()
		}
		v, ok := p.flowNode(depth)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		p.skipSpaces()
		if p.pos >= len(p.src) {
			return nil, false
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			p.skipSpaces()
			if p.pos >= len(p.src) || p.src[p.pos] == closer {
				return nil, false // trailing comma
			}
			continue
		case closer:
			p.pos++
			n.Content = p.collect(base)
			return n, true
		}
		return nil, false // a newline, a ':' in a sequence, ...
	}
}

func (p *fastParser) flowNode(depth int) (*yaml.Node, bool) {
	if p.pos >= len(p.src) {
		return nil, false
	}
	switch p.src[p.pos] {
	case '[', '{':
		return p.flow(depth + 1)
	}
	return p.flowScalar()
}

// flowScalar reads a quoted or plain scalar inside a flow collection.
func (p *fastParser) flowScalar() (*yaml.Node, bool) {
	switch p.src[p.pos] {
	case '"', '\'':
		return p.quoted()
	}
	if !p.plainStart(true) {
		return nil, false
	}
	start := p.pos
	i, end := start, start
scan:
	for i < len(p.src) {
		c := p.src[i]
		switch c {
		case '\n', ',', '[', ']', '{', '}', '?':
			break scan
		case ' ':
			i++
			continue
		case ':':
			if p.blankAt(i + 1) {
				break scan
			}
			switch p.src[i+1] {
			case ',', '[', ']', '{', '}', '?':
				return nil, false
			}
		case '#':
			if p.src[i-1] == ' ' {
				return nil, false
			}
		}
		i++
		end = i
	}
	v := p.src[start:end]
	if v == "<<" {
		return nil, false
	}
	n := p.nodeAt(yaml.ScalarNode, 0, plainTag(v), v, start)
	p.pos = end
	return n, true
}

// literal parses a literal block scalar ("|", "|-", "|+") at pos; indent
// is the column of the enclosing block collection, which its content must
// be indented past.
func (p *fastParser) literal(indent int) (*yaml.Node, bool) {
	n := p.nodeAt(yaml.ScalarNode, yaml.LiteralStyle, fpStrTag, "", p.pos)
	i := p.pos + 1
	chomp := byte(0)
	if i < len(p.src) && (p.src[i] == '-' || p.src[i] == '+') {
		chomp = p.src[i]
		i++
	}
	for i < len(p.src) && p.src[i] == ' ' {
		i++
	}
	if i >= len(p.src) || p.src[i] != '\n' {
		return nil, false // indentation indicator, comment, or no content
	}
	i++
	p.ln++
	p.ls = i
	regionStart := i

	// Leading blank lines: yaml.v3 takes the content indentation from the
	// deepest of them and the first content line.
	maxBlank := 0
	var ind int
	for {
		j := i
		for j < len(p.src) && p.src[j] == ' ' {
			j++
		}
		if j == len(p.src) {
			return nil, false // no content
		}
		if p.src[j] == '\n' {
			maxBlank = max(maxBlank, j-i)
			i = j + 1
			p.ln++
			p.ls = i
			continue
		}
		ind = j - i
		break
	}
	if ind <= indent || maxBlank > ind {
		return nil, false // empty scalar, or content yaml.v3 ends early
	}

	// Find the last content line; blank lines after it are kept by "|+".
	regionEnd, lastBreak, trailing := 0, false, 0
	for {
		// i is the start of a content line.
		eol := strings.IndexByte(p.src[i:], '\n')
		if eol < 0 {
			regionEnd, lastBreak, trailing = len(p.src), false, 0
			p.pos = len(p.src)
			p.eof = true
			break
		}
		eol += i
		regionEnd, lastBreak, trailing = eol, true, 0
		i = eol + 1
		p.ln++
		p.ls = i
		more := false
		for {
			j := i
			for j < len(p.src) && p.src[j] == ' ' {
				j++
			}
			sp := j - i
			if j == len(p.src) {
				if sp > ind {
					more = true // spaces past the indentation are content
				} else {
					p.pos = j
					p.eof = true
				}
				break
			}
			if p.src[j] == '\n' {
				if sp > ind {
					more = true
					break
				}
				trailing++
				i = j + 1
				p.ln++
				p.ls = i
				continue
			}
			if sp >= ind {
				more = true
			} else {
				p.pos = j
				p.ind = sp
			}
			break
		}
		if !more {
			break
		}
	}

	var b strings.Builder
	b.Grow(regionEnd - regionStart + 1 + trailing)
	for k := regionStart; ; {
		e := strings.IndexByte(p.src[k:regionEnd], '\n')
		lineEnd := regionEnd
		if e >= 0 {
			lineEnd = k + e
		}
		j := k
		for j < lineEnd && p.src[j] == ' ' {
			j++
		}
		if j < lineEnd || j-k > ind {
			b.WriteString(p.src[k+ind : lineEnd])
		}
		if e < 0 {
			break
		}
		b.WriteByte('\n')
		k = lineEnd + 1
	}
	if chomp != '-' && lastBreak {
		b.WriteByte('\n')
		if chomp == '+' {
			for range trailing {
				b.WriteByte('\n')
			}
		}
	}
	n.Value = b.String()
	return n, true
}

// plainTag is yaml.v3's resolve for a plain scalar, without its
// allocations for the common cases; anything that might be a number or
// timestamp not settled here goes to yaml.v3 itself.
func plainTag(v string) string {
	if v == "" {
		return fpNullTag
	}
	switch v[0] {
	case 'n', 'N':
		if v == "null" || v == "Null" || v == "NULL" {
			return fpNullTag
		}
	case '~':
		if len(v) == 1 {
			return fpNullTag
		}
	case 't', 'T':
		if v == "true" || v == "True" || v == "TRUE" {
			return fpBoolTag
		}
	case 'f', 'F':
		if v == "false" || v == "False" || v == "FALSE" {
			return fpBoolTag
		}
	case '.':
		switch v {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return fpFloatTag
		}
		return numericTag(v)
	case '+', '-':
		switch v {
		case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
			return fpFloatTag
		}
		return numericTag(v)
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return numericTag(v)
	}
	return fpStrTag
}

// numericTag resolves a scalar that starts like a number. A character no
// int, float or timestamp form allows makes it a string; a short decimal
// without a leading zero is an int; yaml.v3 decides the rest.
func numericTag(v string) string {
	digits := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F',
			c == 'x', c == 'X', c == 'o', c == 'O', c == '_', c == '+', c == '-',
			c == '.', c == ':', c == 'T', c == 't', c == 'Z', c == ' ':
			digits = false
		default:
			return fpStrTag
		}
	}
	if digits && len(v) <= 18 && (v[0] != '0' || len(v) == 1) {
		return fpIntTag
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
}
