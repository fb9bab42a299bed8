package krm

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// nodeJSON is the fast replacement of RNode.MarshalJSON in decodeStrict.
// MarshalJSON encodes the node to YAML text, decodes that into
// map[string]any with yaml.v3 and marshals the map to JSON: three passes
// over every spec, a third of a render's CPU time. nodeJSON writes the JSON
// straight from the node and must give what MarshalJSON gives: keys sorted
// as encoding/json sorts map keys, scalars converted as yaml.v3 converts
// them into interface values. It declines (ok false) on anything it does
// not convert with certainty — aliases, merge keys, duplicate keys, custom
// tags, timestamps, non-decimal or huge numbers, infinities — and the
// caller falls back to MarshalJSON, which then reports the error it always
// reported. FuzzDecodeService checks the two agree.
func nodeJSON(n *yaml.Node) ([]byte, bool) {
	w := &jsonWriter{buf: make([]byte, 0, 1024), ok: true}
	w.node(n, 0, false)
	if !w.ok {
		return nil, false
	}
	return w.buf, true
}

type jsonWriter struct {
	buf []byte
	ok  bool
}

var (
	decimalInt   = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,17})$`)
	decimalFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|(0|[1-9][0-9]*)(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

// node writes n; flow is set inside a flow collection, where yaml.v3's
// encoder quotes an empty null (an empty single-quoted string), which
// MarshalJSON then reads back as "".
func (w *jsonWriter) node(n *yaml.Node, depth int, flow bool) {
	if !w.ok {
		return
	}
	if depth > MaxDepth || n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
		w.ok = false
		return
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		flow = flow || n.Style&yaml.FlowStyle != 0
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			w.ok = false
			return
		}
		w.node(n.Content[0], depth, flow)
	case yaml.MappingNode:
		if n.Tag != "!!map" || len(n.Content)%2 != 0 {
			w.ok = false
			return
		}
		type kv struct {
			k string
			v *yaml.Node
		}
		pairs := make([]kv, 0, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || k.Anchor != "" {
				w.ok = false
				return
			}
			pairs = append(pairs, kv{k.Value, n.Content[i+1]})
		}
		slices.SortFunc(pairs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
		w.buf = append(w.buf, '{')
		for i, p := range pairs {
			if i > 0 {
				if pairs[i-1].k == p.k {
					w.ok = false // duplicate key: yaml.v3 reports it
					return
				}
				w.buf = append(w.buf, ',')
			}
			w.str(p.k)
			w.buf = append(w.buf, ':')
			w.node(p.v, depth+1, flow)
		}
		w.buf = append(w.buf, '}')
	case yaml.SequenceNode:
		if n.Tag != "!!seq" {
			w.ok = false
			return
		}
		w.buf = append(w.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.node(c, depth+1, flow)
		}
		w.buf = append(w.buf, ']')
	case yaml.ScalarNode:
		if flow && n.Value == "" && n.Tag == "!!null" {
			w.buf = append(w.buf, `""`...)
			return
		}
		w.scalar(n)
	default:
		w.ok = false
	}
}

func (w *jsonWriter) scalar(n *yaml.Node) {
	v := n.Value
	switch n.Tag {
	case "!!str":
		w.str(v)
	case "!!bool":
		switch v {
		case "true", "True", "TRUE":
			w.buf = append(w.buf, "true"...)
		case "false", "False", "FALSE":
			w.buf = append(w.buf, "false"...)
		default:
			w.ok = false
		}
	case "!!null":
		switch v {
		case "", "~", "null", "Null", "NULL":
			w.buf = append(w.buf, "null"...)
		default:
			w.ok = false
		}
	case "!!int":
		if !decimalInt.MatchString(v) {
			w.ok = false
			return
		}
		w.buf = append(w.buf, v...)
	case "!!float":
		if !decimalFloat.MatchString(v) {
			w.ok = false
			return
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			w.ok = false
			return
		}
		data, err := json.Marshal(f)
		if err != nil {
			w.ok = false
			return
		}
		w.buf = append(w.buf, data...)
	default:
		w.ok = false
	}
}

const hexDigits = "0123456789abcdef"

// str writes s as a JSON string. Only the decoded value matters (the JSON
// goes straight to json.Unmarshal), so only what JSON requires is escaped.
func (w *jsonWriter) str(s string) {
	if !utf8.ValidString(s) {
		w.ok = false
		return
	}
	w.buf = append(w.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		w.buf = append(w.buf, s[start:i]...)
		switch c {
		case '"', '\\':
			w.buf = append(w.buf, '\\', c)
		case '\n':
			w.buf = append(w.buf, '\\', 'n')
		case '\t':
			w.buf = append(w.buf, '\\', 't')
		case '\r':
			w.buf = append(w.buf, '\\', 'r')
		default:
			w.buf = append(w.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	w.buf = append(w.buf, s[start:]...)
	w.buf = append(w.buf, '"')
}

// fieldCache memoizes jsonFields: check asks for the same struct types for
// every service.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

func cachedJSONFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f := jsonFields(t)
	fieldCache.Store(t, f)
	return f
}
