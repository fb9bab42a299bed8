package krm

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The typed encoder builds the fast encoder's tree (jnode) straight from a
// Go value, applying encoding/json's rules (field names, omitempty,
// omitzero, embedded structs, Marshaler types), so Encode no longer
// writes JSON only to parse it again (#8: json.Marshal and the JSON parse
// were a quarter of a 10,000-service render). Types whose JSON it does not
// derive itself (custom MarshalJSON or MarshalText, []byte, interfaces,
// non-string map keys, the ",string" option) are marshalled by
// encoding/json and parsed into the same tree, so their output cannot
// differ. Anything it is unsure of (floats, invalid UTF-8) makes it give
// up and Encode takes the JSON path. TestTypedTreeMatchesJSON and
// FuzzTypedEncode compare the two on generated values.

type treeBuilder struct {
	arena []jnode
	stack []jnode
	// nums holds the text of numbers; it is only appended to, so strings
	// taken from it stay valid when it grows.
	nums []byte
	ok   bool
}

// encFn adds v's node to the tree; container entries go to the arena.
type encFn func(b *treeBuilder, v reflect.Value, depth int) jnode

var encoders sync.Map // reflect.Type → encFn

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

func encoderFor(t reflect.Type) encFn {
	return planFor(&encoders, t, newEncoder, func(wait func() encFn) encFn {
		return func(b *treeBuilder, v reflect.Value, depth int) jnode { return wait()(b, v, depth) }
	})
}

// planFor returns t's plan from cache, building it once. A recursive type
// meets its own plan while it is being built: it gets indirect(wait),
// which runs the plan once it exists, as encoding/json does.
func planFor[F any](cache *sync.Map, t reflect.Type, build func(reflect.Type) F, indirect func(wait func() F) F) F {
	if f, ok := cache.Load(t); ok {
		return f.(F)
	}
	var (
		wg sync.WaitGroup
		f  F
	)
	wg.Add(1)
	fi, loaded := cache.LoadOrStore(t, indirect(func() F { wg.Wait(); return f }))
	if loaded {
		return fi.(F)
	}
	f = build(t)
	wg.Done()
	cache.Store(t, f)
	return f
}

func newEncoder(t reflect.Type) encFn {
	switch t {
	case typeQuantity:
		return func(b *treeBuilder, v reflect.Value, _ int) jnode {
			q := v.Interface().(resource.Quantity)
			return b.str(q.String())
		}
	case typeIntOrStr:
		return func(b *treeBuilder, v reflect.Value, _ int) jnode {
			is := v.Interface().(intstr.IntOrString)
			switch is.Type {
			case intstr.Int:
				return b.int(int64(is.IntVal))
			case intstr.String:
				return b.str(is.StrVal)
			}
			b.ok = false // encoding/json fails on it; so does the JSON path
			return jnode{}
		}
	}
	if selfWritten(t) {
		return newPlainEncoder(t)
	}
	if isIstioSpec(t) {
		return protoEncoder
	}
	if t.Kind() != reflect.Pointer && isIstioSpec(reflect.PointerTo(t)) {
		plain := newPlainEncoder(t)
		return func(b *treeBuilder, v reflect.Value, depth int) jnode {
			if v.CanAddr() {
				return protoEncoder(b, v.Addr(), depth)
			}
			return plain(b, v, depth)
		}
	}
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) {
		return viaJSON
	}
	if t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)) {
		// encoding/json calls a pointer method only on addressable values.
		plain := newPlainEncoder(t)
		return func(b *treeBuilder, v reflect.Value, depth int) jnode {
			if v.CanAddr() {
				return viaJSON(b, v, depth)
			}
			return plain(b, v, depth)
		}
	}
	return newPlainEncoder(t)
}

// selfWritten reports a pointer to a type the encoders write themselves
// (Quantity, IntOrString): encoding/json writes such a pointer as null or
// as its value, which the pointer case does too.
func selfWritten(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && (t.Elem() == typeQuantity || t.Elem() == typeIntOrStr)
}

func newPlainEncoder(t reflect.Type) encFn {
	switch t.Kind() {
	case reflect.Bool:
		return func(b *treeBuilder, v reflect.Value, _ int) jnode {
			if v.Bool() {
				return jnode{kind: 'b', s: "true"}
			}
			return jnode{kind: 'b', s: "false"}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b *treeBuilder, v reflect.Value, _ int) jnode { return b.int(v.Int()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(b *treeBuilder, v reflect.Value, _ int) jnode {
			start := len(b.nums)
			b.nums = strconv.AppendUint(b.nums, v.Uint(), 10)
			return jnode{kind: 'n', s: unsafe.String(&b.nums[start], len(b.nums)-start)}
		}
	case reflect.String:
		return func(b *treeBuilder, v reflect.Value, _ int) jnode { return b.str(v.String()) }
	case reflect.Pointer:
		elem := encoderFor(t.Elem())
		return func(b *treeBuilder, v reflect.Value, depth int) jnode {
			if v.IsNil() {
				return jnode{kind: 'z'}
			}
			return elem(b, v.Elem(), depth)
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return viaJSON
		}
		elem := encoderFor(t.Elem())
		return func(b *treeBuilder, v reflect.Value, depth int) jnode {
			if v.IsNil() {
				return jnode{kind: 'z'}
			}
			if depth > maxEncodeDepth {
				b.ok = false
				return jnode{}
			}
			mark := len(b.stack)
			it := v.MapRange()
			for it.Next() {
				n := elem(b, it.Value(), depth+1)
				n.key = it.Key().String()
				b.stack = append(b.stack, n)
			}
			// Map order is random; the writer sorts keys, but the arena
			// (and a stable sort of equal keys) should not depend on it.
			entries := b.stack[mark:]
			slices.SortFunc(entries, func(x, y jnode) int { return strings.Compare(x.key, y.key) })
			return b.close('o', mark)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return viaJSON // base64, or a Marshaler element type
		}
		elem := encoderFor(t.Elem())
		return func(b *treeBuilder, v reflect.Value, depth int) jnode {
			if v.IsNil() {
				return jnode{kind: 'z'}
			}
			return b.array(v, elem, depth)
		}
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return viaJSON
		}
		elem := encoderFor(t.Elem())
		return func(b *treeBuilder, v reflect.Value, depth int) jnode { return b.array(v, elem, depth) }
	case reflect.Struct:
		return structEncoder(t)
	}
	// Interfaces, floats, complex numbers, channels, functions: encoding/json
	// decides (and the writer declines floats).
	return viaJSON
}

func (b *treeBuilder) int(i int64) jnode {
	start := len(b.nums)
	b.nums = strconv.AppendInt(b.nums, i, 10)
	return jnode{kind: 'n', s: unsafe.String(&b.nums[start], len(b.nums)-start)}
}

func (b *treeBuilder) str(s string) jnode {
	// encoding/json replaces invalid UTF-8 byte by byte; leave that to it.
	if !utf8.ValidString(s) {
		b.ok = false
	}
	return jnode{kind: 's', s: s}
}

func (b *treeBuilder) array(v reflect.Value, elem encFn, depth int) jnode {
	if depth > maxEncodeDepth {
		b.ok = false
		return jnode{}
	}
	mark := len(b.stack)
	for i := range v.Len() {
		b.stack = append(b.stack, elem(b, v.Index(i), depth+1))
	}
	return b.close('a', mark)
}

// close moves the entries above mark to the arena as one container.
func (b *treeBuilder) close(kind byte, mark int) jnode {
	n := jnode{kind: kind, first: int32(len(b.arena)), n: int32(len(b.stack) - mark)}
	b.arena = append(b.arena, b.stack[mark:]...)
	b.stack = b.stack[:mark]
	return n
}

// viaJSON marshals v with encoding/json (through its address when it has
// one, so pointer-receiver methods run as encoding/json would run them) and
// parses the result into the tree.
func viaJSON(b *treeBuilder, v reflect.Value, depth int) jnode {
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface()
	}
	data, err := json.Marshal(x)
	if err != nil {
		b.ok = false
		return jnode{}
	}
	p := jsonParser{data: data, ok: true, arena: b.arena, stack: b.stack}
	n := p.value(depth)
	p.ws()
	b.arena, b.stack = p.arena, p.stack
	if !p.ok || p.pos != len(data) {
		b.ok = false
	}
	return n
}

// structField is one JSON field of a struct after encoding/json's rules
// for embedded structs.
type structField struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  func(reflect.Value) bool
	enc       encFn
}

func structEncoder(t reflect.Type) encFn {
	fields, ok := jsonStructFields(t)
	if !ok {
		return viaJSON
	}
	return func(b *treeBuilder, v reflect.Value, depth int) jnode {
		if depth > maxEncodeDepth {
			b.ok = false
			return jnode{}
		}
		mark := len(b.stack)
	next:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.index[:len(f.index)-1] {
				fv = fv.Field(x)
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue next
					}
					fv = fv.Elem()
				}
			}
			fv = fv.Field(f.index[len(f.index)-1])
			if f.omitEmpty && isEmptyValue(fv) || f.omitZero != nil && f.omitZero(fv) {
				continue
			}
			n := f.enc(b, fv, depth+1)
			n.key = f.name
			b.stack = append(b.stack, n)
		}
		return b.close('o', mark)
	}
}

// jsonStructFields lists t's JSON fields as encoding/json's typeFields
// does: exported fields by their tag name, fields of untagged embedded
// structs promoted, and of several fields with one name the shallowest
// (then the only tagged one) wins, or none. ok is false for the ",string"
// option, which is left to encoding/json.
func jsonStructFields(t reflect.Type) ([]structField, bool) {
	type candidate struct {
		structField
		depth  int
		tagged bool
	}
	var all []candidate
	type level struct {
		t     reflect.Type
		index []int
	}
	current, visited := []level{{t: t}}, map[reflect.Type]bool{}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		seen := map[reflect.Type]bool{}
		for _, l := range current {
			// encoding/json annihilates the fields of a struct embedded
			// twice at one depth; leave that rare case to it.
			if seen[l.t] {
				return nil, false
			}
			seen[l.t] = true
			if visited[l.t] {
				continue
			}
			visited[l.t] = true
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clone(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{t: ft, index: index})
					continue
				}
				if hasOption(opts, "string") {
					return nil, false
				}
				c := candidate{depth: depth, tagged: name != ""}
				if name == "" {
					name = sf.Name
				}
				c.name, c.index = name, index
				c.omitEmpty = hasOption(opts, "omitempty")
				if hasOption(opts, "omitzero") {
					c.omitZero = zeroTest(sf.Type)
				}
				all = append(all, c)
			}
		}
		current = next
	}
	// Dominance: per name, the shallowest field; at equal depth the only
	// tagged one; otherwise the name is dropped.
	byName := map[string][]candidate{}
	for _, c := range all {
		byName[c.name] = append(byName[c.name], c)
	}
	var out []candidate
	for _, cs := range byName {
		minDepth := cs[0].depth
		for _, c := range cs {
			minDepth = min(minDepth, c.depth)
		}
		var best []candidate
		for _, c := range cs {
			if c.depth == minDepth {
				best = append(best, c)
			}
		}
		if len(best) > 1 {
			var tagged []candidate
			for _, c := range best {
				if c.tagged {
					tagged = append(tagged, c)
				}
			}
			best = tagged
		}
		if len(best) == 1 {
			out = append(out, best[0])
		}
	}
	slices.SortFunc(out, func(a, b candidate) int { return slices.Compare(a.index, b.index) })
	fields := make([]structField, len(out))
	for i, c := range out {
		fields[i] = c.structField
		ft := t.FieldByIndex(c.index).Type
		fields[i].enc = encoderFor(ft)
	}
	return fields, true
}

func hasOption(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// validTagName is encoding/json's isValidTag.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// zeroTest is encoding/json's test for omitzero: the type's IsZero method
// when it has one, reflect's zero value otherwise.
func zeroTest(t reflect.Type) func(reflect.Value) bool {
	type isZeroer interface{ IsZero() bool }
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(isZeroer).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				v2 := reflect.New(v.Type()).Elem()
				v2.Set(v)
				v = v2
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return reflect.Value.IsZero
}

var builders = sync.Pool{New: func() any {
	return &treeBuilder{arena: make([]jnode, 0, 512), stack: make([]jnode, 0, 64), nums: make([]byte, 0, 256)}
}}

// encodeTyped encodes obj through its tree; ok is false when Encode must
// take the JSON path.
func encodeTyped(obj any) ([]byte, bool) {
	v := reflect.ValueOf(obj)
	if !v.IsValid() {
		return nil, false
	}
	b := builders.Get().(*treeBuilder)
	b.ok = true
	root := encoderFor(v.Type())(b, v, 0)
	var out []byte
	ok := b.ok
	if ok {
		out, ok = writeTree(root, b.arena, 24*len(b.arena)+64)
	}
	// The tree points into nums and the object; drop the references
	// before the builder is reused.
	clear(b.arena)
	b.arena, b.stack, b.nums = b.arena[:0], b.stack[:0], b.nums[:0]
	if cap(b.arena) <= 1<<16 {
		builders.Put(b)
	}
	return out, ok
}
