package krm

import (
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The direct writer: YAML straight from a typed object, in the layout and
// order writeTree produces from the object's tree, without building the
// tree (#8: building, sorting and copying tree nodes was most of encoding,
// and its pointer writes slowed every core while the collector ran).
// Struct fields are sorted once per type; map keys are sorted as the tree
// path sorts them. What needs the tree (custom MarshalJSON, protobuf specs,
// interfaces) is built as a small tree and written by yamlWriter at the
// same position. Struct types with a field name that is not plain letters
// are left to the tree path altogether: yaml.v2's key order is not
// transitive for some digit-and-letter keys, so a presorted order could
// differ from the tree path's insertion sort. compareTyped (random
// objects of every emitted kind, edge cases, Istio specs, FuzzTypedEncode)
// and the golden tests check the output byte for byte.

// pos is where a value goes: after "key:" (inline false: scalars at col,
// mappings at mapIndent, sequences at seqIndent) or after "-" (inline:
// containers continue the line).
type pos struct {
	inline                    bool
	col, mapIndent, seqIndent int
}

func itemPos(indent int) pos {
	return pos{inline: true, col: indent + 2, mapIndent: indent + 2, seqIndent: indent + 2}
}

type directWriter struct {
	yamlWriter
	tree *treeBuilder // for subtrees; arena shared with yamlWriter
	keys []jnode      // the keys of the maps being written
}

var typeStringMap = reflect.TypeFor[map[string]string]()

// wfn writes v at p.
type wfn func(w *directWriter, v reflect.Value, p pos, depth int)

var writers sync.Map // reflect.Type → wfn

func writerFor(t reflect.Type) wfn {
	return planFor(&writers, t, newWriter, func(wait func() wfn) wfn {
		return func(w *directWriter, v reflect.Value, p pos, depth int) { wait()(w, v, p, depth) }
	})
}

// subtree writes v through the typed encoder's tree.
func subtree(enc encFn) wfn {
	return func(w *directWriter, v reflect.Value, p pos, depth int) {
		n := enc(w.tree, v, depth)
		if !w.tree.ok {
			w.ok = false
			return
		}
		w.arena = w.tree.arena
		w.at(n, p)
	}
}

// at writes a tree node at p, as yamlWriter would.
func (w *directWriter) at(n jnode, p pos) {
	if p.inline {
		w.item(n, p.col-2)
		return
	}
	w.value(n, p.col, p.mapIndent, p.seqIndent)
}

func (w *directWriter) scalarAt(n jnode, p pos) {
	w.buf = append(w.buf, ' ')
	w.scalar(n, p.col)
	w.buf = append(w.buf, '\n')
}

func newWriter(t reflect.Type) wfn {
	switch t {
	case typeQuantity:
		return func(w *directWriter, v reflect.Value, p pos, _ int) {
			q := v.Interface().(resource.Quantity)
			w.str(q.String(), p)
		}
	case typeIntOrStr:
		return func(w *directWriter, v reflect.Value, p pos, _ int) {
			is := v.Interface().(intstr.IntOrString)
			w.intOrStr(&is, p)
		}
	}
	if needsTree(t) {
		return subtree(encoderFor(t))
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(w *directWriter, v reflect.Value, p pos, _ int) {
			if v.Bool() {
				w.scalarAt(jnode{kind: 'b', s: "true"}, p)
			} else {
				w.scalarAt(jnode{kind: 'b', s: "false"}, p)
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(w *directWriter, v reflect.Value, p pos, _ int) { w.int(v.Int(), p) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(w *directWriter, v reflect.Value, p pos, _ int) {
			u := v.Uint()
			if u > 1<<62 {
				w.ok = false // past 15 digits anyway: the writer declines
				return
			}
			w.int(int64(u), p)
		}
	case reflect.String:
		return func(w *directWriter, v reflect.Value, p pos, _ int) { w.str(v.String(), p) }
	case reflect.Pointer:
		elem := writerFor(t.Elem())
		return func(w *directWriter, v reflect.Value, p pos, depth int) {
			if v.IsNil() {
				w.scalarAt(jnode{kind: 'z'}, p)
				return
			}
			elem(w, v.Elem(), p, depth)
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return subtree(encoderFor(t))
		}
		elem := writerFor(t.Elem())
		plain := t == typeStringMap
		return func(w *directWriter, v reflect.Value, p pos, depth int) {
			if !w.mapOpen(v.IsNil(), v.Len(), p, depth) {
				return
			}
			// A map[string]string (labels, annotations, data: most maps)
			// is read without reflection, its values kept with its keys.
			base, direct := len(w.keys), plain && v.CanInterface()
			if direct {
				for k, s := range v.Interface().(map[string]string) {
					w.keys = append(w.keys, jnode{key: k, s: s})
				}
			} else {
				it := v.MapRange()
				for it.Next() {
					w.keys = append(w.keys, jnode{key: it.Key().String()})
				}
			}
			w.mapBody(base, p, func(k jnode, at pos) {
				if direct {
					w.str(k.s, at)
				} else {
					elem(w, v.MapIndex(reflect.ValueOf(k.key).Convert(t.Key())), at, depth+1)
				}
			})
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return subtree(encoderFor(t))
		}
		elem := writerFor(t.Elem())
		return func(w *directWriter, v reflect.Value, p pos, depth int) {
			if t.Kind() == reflect.Slice && v.IsNil() {
				w.scalarAt(jnode{kind: 'z'}, p)
				return
			}
			if v.Len() == 0 {
				w.buf = append(w.buf, " []\n"...)
				return
			}
			if depth > maxEncodeDepth {
				w.ok = false
				return
			}
			w.open(p)
			indent := p.seqIndent
			for i := range v.Len() {
				if i > 0 || !p.inline {
					w.indent(indent)
				}
				w.buf = append(w.buf, '-')
				elem(w, v.Index(i), itemPos(indent), depth+1)
				if !w.ok {
					return
				}
			}
		}
	case reflect.Struct:
		fields, ok := sortedFields(t)
		structPlans.Store(t, structPlan{fields, ok})
		if !ok {
			return subtree(encoderFor(t))
		}
		return func(w *directWriter, v reflect.Value, p pos, depth int) {
			w.structAt(fields, v, p, depth, "")
		}
	}
	return subtree(encoderFor(t))
}

// open starts a non-empty container at p.
func (w *directWriter) open(p pos) {
	if p.inline {
		w.buf = append(w.buf, ' ')
	} else {
		w.buf = append(w.buf, '\n')
	}
}

// needsTree reports whether values of t are written through the typed
// encoder's tree: Istio specs and types with their own marshalers
// (except the quantities written directly).
func needsTree(t reflect.Type) bool {
	return !selfWritten(t) && (isIstioSpec(t) || t.Kind() != reflect.Pointer && isIstioSpec(reflect.PointerTo(t)) ||
		t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)))
}

// intOrStr writes an IntOrString as its JSON form.
func (w *directWriter) intOrStr(is *intstr.IntOrString, p pos) {
	switch is.Type {
	case intstr.Int:
		w.int(int64(is.IntVal), p)
	case intstr.String:
		w.str(is.StrVal, p)
	default:
		w.ok = false
	}
}

func (w *directWriter) int(i int64, p pos) {
	var digits [24]byte
	w.scalarAt(jnode{kind: 'n', s: string(strconv.AppendInt(digits[:0], i, 10))}, p)
}

func (w *directWriter) str(s string, p pos) {
	if plainSafe(s) { // ASCII: valid, and written as is
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\n')
		return
	}
	if !utf8.ValidString(s) {
		w.ok = false // encoding/json would replace bytes: the JSON path
		return
	}
	w.scalarAt(jnode{kind: 's', s: s}, p)
}

// dfield is a struct field in yaml.v2 key order, with its rendered key.
type dfield struct {
	structField
	key   string // rendered
	write wfn
	// Performance (#8): most fields of a Deployment are empty and
	// omitted. When the field is reached through no pointer, empty is
	// the omitempty test read at offset off from the struct's address,
	// so an omitted field costs no reflect.Value; nil otherwise.
	off   uintptr
	empty func(unsafe.Pointer) bool
}

// memEmpty is isEmptyValue for a value of type t at p, for the kinds where
// that is one read; nil for the others (maps need their length).
func memEmpty(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice:
		return func(p unsafe.Pointer) bool { return len(*(*[]byte)(p)) == 0 } // every slice header has the same layout
	case reflect.Pointer:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Interface:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil } // the type word
	case reflect.Bool:
		return func(p unsafe.Pointer) bool { return !*(*bool)(p) }
	case reflect.Int8, reflect.Uint8:
		return func(p unsafe.Pointer) bool { return *(*uint8)(p) == 0 }
	case reflect.Int16, reflect.Uint16:
		return func(p unsafe.Pointer) bool { return *(*uint16)(p) == 0 }
	case reflect.Int32, reflect.Uint32:
		return func(p unsafe.Pointer) bool { return *(*uint32)(p) == 0 }
	case reflect.Int64, reflect.Uint64:
		return func(p unsafe.Pointer) bool { return *(*uint64)(p) == 0 }
	case reflect.Int, reflect.Uint, reflect.Uintptr:
		return func(p unsafe.Pointer) bool { return *(*uintptr)(p) == 0 }
	case reflect.Struct:
		return func(unsafe.Pointer) bool { return false }
	}
	return nil
}

// fieldAt is fieldValue for a struct v at address base (nil when v is not
// addressable).
func fieldAt(v reflect.Value, base unsafe.Pointer, f *dfield) (reflect.Value, bool) {
	if base == nil || f.empty == nil {
		return fieldValue(v, f)
	}
	if f.omitEmpty && f.empty(unsafe.Add(base, f.off)) {
		return reflect.Value{}, false
	}
	for _, x := range f.index {
		v = v.Field(x)
	}
	return v, true
}

// addrOf is the address of v's memory, or nil when v is not addressable.
func addrOf(v reflect.Value) unsafe.Pointer {
	if !v.CanAddr() {
		return nil
	}
	return v.Addr().UnsafePointer()
}

func sortedFields(t reflect.Type) ([]dfield, bool) {
	fields, ok := jsonStructFields(t)
	if !ok {
		return nil, false
	}
	out := make([]dfield, len(fields))
	for i, f := range fields {
		for j := 0; j < len(f.name); j++ {
			if !isLetterASCII(f.name[j]) {
				return nil, false
			}
		}
		key, ok := renderKey(f.name)
		if !ok {
			return nil, false
		}
		out[i] = dfield{structField: f, key: key, write: writerFor(t.FieldByIndex(f.index).Type)}
		// Through embedded structs, not pointers: one offset.
		direct, at := f.omitZero == nil, t
		for _, x := range f.index {
			if at.Kind() != reflect.Struct {
				direct = false
				break
			}
			sf := at.Field(x)
			out[i].off += sf.Offset
			at = sf.Type
		}
		if direct {
			out[i].empty = memEmpty(at)
		}
	}
	// Letter-only keys: yaml.v2's order is plain byte order here, and
	// total, so sorting once equals the tree path's sort of any subset.
	slices.SortStableFunc(out, func(a, b dfield) int {
		switch {
		case lessV2(a.name, b.name):
			return -1
		case lessV2(b.name, a.name):
			return 1
		}
		return 0
	})
	return out, true
}

// structPlans holds the sorted fields of every struct type writerFor has
// seen; ok is false for types left to the tree path.
var structPlans sync.Map // reflect.Type → structPlan

type structPlan struct {
	fields []dfield
	ok     bool
}

// planOf is t's struct plan; t must be a struct type.
func planOf(t reflect.Type) structPlan {
	if p, ok := structPlans.Load(t); ok {
		return p.(structPlan)
	}
	writerFor(t) // stores the plan, unless another goroutine is at it
	if p, ok := structPlans.Load(t); ok {
		return p.(structPlan)
	}
	fields, ok := sortedFields(t) // the same plan: it is deterministic
	p := structPlan{fields, ok}
	structPlans.Store(t, p)
	return p
}

// fieldValue is the field's value, or false when an embedded pointer on
// its way is nil (encoding/json then skips the field).
func fieldValue(v reflect.Value, f *dfield) (reflect.Value, bool) {
	for _, x := range f.index[:len(f.index)-1] {
		v = v.Field(x)
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
	}
	fv := v.Field(f.index[len(f.index)-1])
	if f.omitEmpty && isEmptyValue(fv) || f.omitZero != nil && f.omitZero(fv) {
		return reflect.Value{}, false
	}
	return fv, true
}

// fieldKey starts a struct field's line at p ("key:", opening the struct
// before its first field) and returns where its value goes.
func (w *directWriter) fieldKey(first bool, p pos, key string) pos {
	if first {
		w.open(p)
	}
	if !first || !p.inline {
		w.indent(p.mapIndent)
	}
	w.buf = append(w.buf, key...)
	w.buf = append(w.buf, ':')
	return pos{col: p.mapIndent + len(key) + 2, mapIndent: p.mapIndent + 2, seqIndent: p.mapIndent}
}

// structAt writes a struct's fields at p, without the one named skip.
func (w *directWriter) structAt(fields []dfield, v reflect.Value, p pos, depth int, skip string) {
	if depth > maxEncodeDepth {
		w.ok = false
		return
	}
	first := true
	base := addrOf(v)
	for i := range fields {
		f := &fields[i]
		if f.name == skip {
			continue
		}
		fv, ok := fieldAt(v, base, f)
		if !ok {
			continue
		}
		next := w.fieldKey(first, p, f.key)
		first = false
		f.write(w, fv, next, depth+1)
		if !w.ok {
			return
		}
	}
	if first {
		w.buf = append(w.buf, " {}\n"...)
	}
}

var directWriters = sync.Pool{New: func() any {
	return &directWriter{tree: &treeBuilder{arena: make([]jnode, 0, 64), stack: make([]jnode, 0, 32), nums: make([]byte, 0, 64)}}
}}

// encodeDirect writes obj (a pointer to a struct) the way writeTree writes
// its tree: top-level status and metadata.creationTimestamp dropped. ok is
// false when the caller must take the tree path. With item set it writes
// the object as a ResourceList item: after "- ", every other line
// indented by two.
func encodeDirect(obj any, size int, item bool) ([]byte, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	v = v.Elem()
	plan := planOf(v.Type())
	if !plan.ok {
		return nil, false
	}
	t := v.Type()
	fields := pfieldsOf(t)
	p := v.Addr().UnsafePointer()
	w := directWriters.Get().(*directWriter)
	w.buf, w.ok, w.base = make([]byte, 0, size), true, 0
	if item {
		w.buf, w.base = append(w.buf, "- "...), 2
	}
	w.tree.ok = true
	first := true
	var fvs reflect.Value // the object as a reflect.Value, for fields read that way
	for i := range fields {
		f := &fields[i]
		if f.name == "status" {
			continue
		}
		var fv reflect.Value
		var fp unsafe.Pointer
		if f.viaValue {
			if !fvs.IsValid() {
				fvs = v
			}
			var ok bool
			if fv, ok = fieldValue(fvs, f.dfield); !ok {
				continue
			}
		} else {
			fp = unsafe.Add(p, f.off)
			if f.omitEmpty && f.empty(fp) {
				continue
			}
		}
		if !first {
			w.indent(0)
		}
		first = false
		w.buf = append(w.buf, f.key...)
		w.buf = append(w.buf, ':')
		at := pos{col: len(f.key) + 2, mapIndent: 2, seqIndent: 0}
		switch {
		case f.name != "metadata" && f.viaValue:
			f.dfield.write(w, fv, at, 1)
		case f.name != "metadata":
			f.write(w, fp, at, 1)
		default:
			if !f.viaValue {
				fv = reflect.NewAt(t.FieldByIndex(f.index).Type, fp).Elem()
			}
			if md, ok := metadataOf(fv); !ok {
				w.ok = false // metadata the tree path must handle
			} else if mp := addrOf(md.v); mp != nil {
				w.structPtr(md.v.Type(), pfieldsOf(md.v.Type()), mp, at, 1, "creationTimestamp")
			} else {
				w.structAt(md.fields, md.v, at, 1, "creationTimestamp")
			}
		}
		if !w.ok {
			break
		}
	}
	if first {
		w.buf = append(w.buf, "{}\n"...)
	}
	out, ok := w.buf, w.ok
	w.buf, w.base = nil, 0
	clear(w.tree.arena)
	w.tree.arena, w.tree.stack, w.tree.nums, w.arena = w.tree.arena[:0], w.tree.stack[:0], w.tree.nums[:0], nil
	if cap(w.tree.arena) <= 1<<14 {
		directWriters.Put(w)
	}
	return out, ok
}

// metadataOf is the struct of a top-level metadata field, from which
// creationTimestamp is dropped; ok is false when that struct is not
// written directly.
func metadataOf(fv reflect.Value) (md struct {
	fields []dfield
	v      reflect.Value
}, ok bool) {
	if fv.Kind() == reflect.Pointer && !fv.IsNil() {
		fv = fv.Elem()
	}
	if fv.Kind() != reflect.Struct {
		return md, false
	}
	plan := planOf(fv.Type())
	md.fields, md.v = plan.fields, fv
	return md, plan.ok
}

// sizeHints remembers the last output size per type, so most objects are
// written into a buffer of the right size.
var sizeHints sync.Map // reflect.Type → int

func encodeDirectSized(obj any, item bool) ([]byte, bool) {
	t := reflect.TypeOf(obj)
	size := 512
	if h, ok := sizeHints.Load(t); ok {
		size = h.(int) + h.(int)/8
	}
	out, ok := encodeDirect(obj, size, item)
	if ok && (len(out) > size || len(out) < size/2) {
		sizeHints.Store(t, len(out))
	}
	return out, ok
}
