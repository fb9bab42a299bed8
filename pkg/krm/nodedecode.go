package krm

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// decodeNode sets into (a pointer) from n the way nodeJSON followed by
// json.Unmarshal does, without writing and parsing the JSON (#8: that was
// most of decoding 10,000 services). It accepts nothing the strict check
// rejects, so decodeStrict runs the check only when it declines; it gives
// up (ok false, into partly set) on anything it does not decode with
// certainty: keys that match a field only
// case-insensitively or not at all, numbers that are not plain decimal
// integers, floats, anchors, tags. The caller then decodes a fresh value
// through JSON, so errors and edge cases are encoding/json's as before.
// Types with their own UnmarshalJSON get their subtree through JSON.
// FuzzDecodeService compares the two paths.
func decodeNode(n *yaml.Node, into any) bool {
	v := reflect.ValueOf(into)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	return decoderFor(v.Type().Elem())(n, v.Elem(), 0, false)
}

// decFn decodes n into v (addressable); flow is set inside a flow
// collection, where nodeJSON reads an empty null as "".
type decFn func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool

var decoders sync.Map // reflect.Type → decFn

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func decoderFor(t reflect.Type) decFn {
	return planFor(&decoders, t, newDecoder, func(wait func() decFn) decFn {
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool { return wait()(n, v, depth, flow) }
	})
}

// plainNode reports whether n is free of what decodeNode leaves to JSON.
func plainNode(n *yaml.Node, depth int) bool {
	return depth <= MaxDepth && n.Anchor == "" && n.Style&yaml.TaggedStyle == 0 && n.Kind != yaml.AliasNode
}

// nullToZero is how a pointer, map or slice starts: done when n is a
// node decodeNode leaves to JSON (ok false) or a null, which sets v to
// nil (ok true).
func nullToZero(n *yaml.Node, v reflect.Value, depth int, flow bool) (done, ok bool) {
	if !plainNode(n, depth) {
		return true, false
	}
	if isNull(n, flow) {
		v.SetZero()
		return true, true
	}
	return false, false
}

// plainMapping: a map or struct comes from a !!map mapping of key, value
// pairs without a duplicate key (nodeJSON declines duplicates, and so does
// decodeNode).
func plainMapping(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && n.Tag == "!!map" && len(n.Content)%2 == 0 &&
		(len(n.Content) <= 2 || !dupKeyIn(n))
}

// isNull is nodeJSON's null: not the empty null of a flow collection,
// which it writes as "".
func isNull(n *yaml.Node, flow bool) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!null" {
		return false
	}
	switch n.Value {
	case "":
		return !flow
	case "~", "null", "Null", "NULL":
		return true
	}
	return false
}

func newDecoder(t reflect.Type) decFn {
	if t == typeQuantity || t == typeIntOrStr {
		// The strict check takes these only as an integer or a string (a
		// float such as 0.5 or 1e3 must be quoted); encoding/json takes any
		// number.
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if n.Kind != yaml.ScalarNode || n.Tag != "!!int" && n.Tag != "!!str" && n.Tag != "!!null" {
				return false
			}
			// #8: through JSON, these were a third of decoding. A plain
			// quantity-like string (which JSON writes as is) or a decimal
			// integer gets what UnmarshalJSON would set.
			if plainNode(n, depth) && (n.Tag == "!!str" && quantityChars(n.Value) || n.Tag == "!!int" && isDecimalInt(n.Value)) {
				if t == typeQuantity {
					q, err := resource.ParseQuantity(n.Value)
					if err != nil {
						return false
					}
					v.Set(reflect.ValueOf(q))
					return true
				}
				if n.Tag == "!!str" {
					v.Set(reflect.ValueOf(intstr.IntOrString{Type: intstr.String, StrVal: n.Value}))
					return true
				}
				i, err := strconv.ParseInt(n.Value, 10, 32)
				if err != nil {
					return false
				}
				v.Set(reflect.ValueOf(intstr.IntOrString{Type: intstr.Int, IntVal: int32(i)}))
				return true
			}
			return viaJSONDecode(n, v, depth, flow)
		}
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		// Other types that decode themselves: only in the node kind the
		// strict check expects of t's kind, so nothing it rejects passes.
		want := map[reflect.Kind]yaml.Kind{reflect.Struct: yaml.MappingNode, reflect.Map: yaml.MappingNode, reflect.Slice: yaml.SequenceNode}[t.Kind()]
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			return (want == 0 && n.Kind == yaml.ScalarNode && n.Tag == "!!str" || n.Kind == want || isNull(n, flow)) &&
				viaJSONDecode(n, v, depth, flow)
		}
	}
	if t.Kind() == reflect.Interface {
		return viaJSONDecode
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := decoderFor(t.Elem())
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if done, ok := nullToZero(n, v, depth, flow); done {
				return ok
			}
			if v.IsNil() {
				v.Set(reflect.New(t.Elem()))
			}
			return elem(n, v.Elem(), depth, flow)
		}
	case reflect.String:
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			switch {
			case !plainNode(n, depth) || n.Kind != yaml.ScalarNode:
				return false
			case n.Tag == "!!str":
				if !utf8.ValidString(n.Value) {
					return false // encoding/json replaces the bytes
				}
				v.SetString(n.Value)
			case flow && n.Tag == "!!null" && n.Value == "":
				v.SetString("")
			default:
				return isNull(n, flow) // null leaves a string as it is
			}
			return true
		}
	case reflect.Bool:
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if !plainNode(n, depth) || n.Kind != yaml.ScalarNode {
				return false
			}
			if n.Tag == "!!bool" {
				switch n.Value {
				case "true", "True", "TRUE":
					v.SetBool(true)
					return true
				case "false", "False", "FALSE":
					v.SetBool(false)
					return true
				}
				return false
			}
			return isNull(n, flow)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		signed := t.Kind() <= reflect.Int64
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if !plainNode(n, depth) || n.Kind != yaml.ScalarNode {
				return false
			}
			if n.Tag != "!!int" {
				return isNull(n, flow)
			}
			if !isDecimalInt(n.Value) {
				return false
			}
			if signed {
				i, err := strconv.ParseInt(n.Value, 10, 64)
				if err != nil || v.OverflowInt(i) {
					return false
				}
				v.SetInt(i)
				return true
			}
			u, err := strconv.ParseUint(n.Value, 10, 64)
			if err != nil || v.OverflowUint(u) {
				return false
			}
			v.SetUint(u)
			return true
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
			return viaJSONDecode
		}
		elem := decoderFor(t.Elem())
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if done, ok := nullToZero(n, v, depth, flow); done {
				return ok
			}
			if !plainMapping(n) {
				return false
			}
			flow = flow || n.Style&yaml.FlowStyle != 0
			if v.IsNil() {
				v.Set(reflect.MakeMapWithSize(t, len(n.Content)/2))
			}
			// One key and one element, reset for each entry: SetMapIndex
			// copies them into the map.
			kv, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			for i := 0; i < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || k.Anchor != "" || !utf8.ValidString(k.Value) {
					return false
				}
				e.SetZero()
				if !elem(n.Content[i+1], e, depth+1, flow) {
					return false
				}
				kv.SetString(k.Value)
				v.SetMapIndex(kv, e)
			}
			return true
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return viaJSONDecode
		}
		elem := decoderFor(t.Elem())
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if done, ok := nullToZero(n, v, depth, flow); done {
				return ok
			}
			if n.Kind != yaml.SequenceNode || n.Tag != "!!seq" || !v.IsNil() {
				return false
			}
			flow = flow || n.Style&yaml.FlowStyle != 0
			s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
			for i, c := range n.Content {
				if !elem(c, s.Index(i), depth+1, flow) {
					return false
				}
			}
			v.Set(s)
			return true
		}
	case reflect.Struct:
		fields, ok := jsonStructFields(t)
		if !ok {
			return viaJSONDecode
		}
		type decField struct {
			index []int
			dec   decFn
		}
		byName := make(map[string]decField, len(fields))
		for _, f := range fields {
			byName[f.name] = decField{f.index, decoderFor(t.FieldByIndex(f.index).Type)}
		}
		return func(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
			if !plainNode(n, depth) {
				return false
			}
			if isNull(n, flow) {
				return true
			}
			if !plainMapping(n) {
				return false
			}
			flow = flow || n.Style&yaml.FlowStyle != 0
			for i := 0; i < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || k.Anchor != "" {
					return false
				}
				f, ok := byName[k.Value]
				if !ok {
					return false // encoding/json folds case or ignores it
				}
				fv := v
				for j, x := range f.index {
					if j > 0 && fv.Kind() == reflect.Pointer {
						if fv.IsNil() {
							if !fv.CanSet() {
								return false
							}
							fv.Set(reflect.New(fv.Type().Elem()))
						}
						fv = fv.Elem()
					}
					fv = fv.Field(x)
				}
				if !f.dec(n.Content[i+1], fv, depth+1, flow) {
					return false
				}
			}
			return true
		}
	}
	return viaJSONDecode // floats, arrays, anything rare
}

// viaJSONDecode decodes a subtree through JSON, as the whole spec once was.
func viaJSONDecode(n *yaml.Node, v reflect.Value, depth int, flow bool) bool {
	if !plainNode(n, depth) {
		return false
	}
	w := &jsonWriter{buf: make([]byte, 0, 64), ok: true}
	w.node(n, depth, flow)
	if !w.ok {
		return false
	}
	return json.Unmarshal(w.buf, v.Addr().Interface()) == nil
}

// dupKeyIn reports a key that appears twice in a mapping.
func dupKeyIn(n *yaml.Node) bool {
	if len(n.Content) <= 16 {
		for i := 0; i < len(n.Content); i += 2 {
			for j := i + 2; j < len(n.Content); j += 2 {
				if n.Content[i].Value == n.Content[j].Value {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		if seen[n.Content[i].Value] {
			return true
		}
		seen[n.Content[i].Value] = true
	}
	return false
}

// isDecimalInt is nodeJSON's decimalInt without the regexp:
// ^(0|-?[1-9][0-9]{0,17})$.
func isDecimalInt(s string) bool {
	if s == "0" {
		return true
	}
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 || d[0] < '1' || d[0] > '9' {
		return false
	}
	for i := 1; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// quantityChars reports whether s is non-empty and made of the characters
// of quantities and port names only, which JSON writes unescaped.
func quantityChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}
