package krm

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The direct writer over memory: the same output as the reflect.Value
// writers of directenc.go, read through pointers and field offsets
// (#8: building a reflect.Value for every field and element was most of
// encoding). What it does not read itself (maps other than
// map[string]string, interfaces, protobuf specs, types with their own
// marshalers, fields behind embedded pointers or with omitzero) it hands
// to the reflect.Value writer at the same position, so there is one
// definition of the output. compareTyped and FuzzTypedEncode check it
// byte for byte against the JSON reference.

// pfn writes the value of its type at p.
type pfn func(w *directWriter, p unsafe.Pointer, at pos, depth int)

var pwriters sync.Map // reflect.Type → pfn

func pwriterFor(t reflect.Type) pfn {
	return planFor(&pwriters, t, newPWriter, func(wait func() pfn) pfn {
		return func(w *directWriter, p unsafe.Pointer, at pos, depth int) { wait()(w, p, at, depth) }
	})
}

// viaValue writes through the reflect.Value writer.
func viaValue(t reflect.Type) pfn {
	wr := writerFor(t)
	return func(w *directWriter, p unsafe.Pointer, at pos, depth int) {
		wr(w, reflect.NewAt(t, p).Elem(), at, depth)
	}
}

func newPWriter(t reflect.Type) pfn {
	switch t {
	case typeQuantity:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) {
			q := *(*resource.Quantity)(p) // String caches in its receiver: a copy
			w.str(q.String(), at)
		}
	case typeIntOrStr:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) {
			w.intOrStr((*intstr.IntOrString)(p), at)
		}
	}
	if needsTree(t) {
		return viaValue(t)
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) {
			if *(*bool)(p) {
				w.scalarAt(jnode{kind: 'b', s: "true"}, at)
			} else {
				w.scalarAt(jnode{kind: 'b', s: "false"}, at)
			}
		}
	case reflect.Int:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) { w.int(int64(*(*int)(p)), at) }
	case reflect.Int8:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) { w.int(int64(*(*int8)(p)), at) }
	case reflect.Int16:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) { w.int(int64(*(*int16)(p)), at) }
	case reflect.Int32:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) { w.int(int64(*(*int32)(p)), at) }
	case reflect.Int64:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) { w.int(*(*int64)(p), at) }
	case reflect.String:
		return func(w *directWriter, p unsafe.Pointer, at pos, _ int) { w.str(*(*string)(p), at) }
	case reflect.Pointer:
		elem := pwriterFor(t.Elem())
		return func(w *directWriter, p unsafe.Pointer, at pos, depth int) {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				w.scalarAt(jnode{kind: 'z'}, at)
				return
			}
			elem(w, q, at, depth)
		}
	case reflect.Map:
		if t == typeStringMap {
			return func(w *directWriter, p unsafe.Pointer, at pos, depth int) {
				w.stringMap(*(*map[string]string)(p), at, depth)
			}
		}
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textMarshalerType) || t.Key().Implements(textMarshalerType) {
			return viaValue(t)
		}
		return keyedMap(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return viaValue(t)
		}
		elem, size := pwriterFor(t.Elem()), t.Elem().Size()
		return func(w *directWriter, p unsafe.Pointer, at pos, depth int) {
			s := *(*[]byte)(p) // every slice header has the same layout
			if s == nil {
				w.scalarAt(jnode{kind: 'z'}, at)
				return
			}
			w.seq(elem, unsafe.Pointer(unsafe.SliceData(s)), len(s), size, at, depth)
		}
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return viaValue(t)
		}
		elem, size, n := pwriterFor(t.Elem()), t.Elem().Size(), t.Len()
		return func(w *directWriter, p unsafe.Pointer, at pos, depth int) { w.seq(elem, p, n, size, at, depth) }
	case reflect.Struct:
		plan := planOf(t)
		if !plan.ok {
			return viaValue(t)
		}
		fields := pfieldsOf(t)
		return func(w *directWriter, p unsafe.Pointer, at pos, depth int) {
			w.structPtr(t, fields, p, at, depth, "")
		}
	}
	return viaValue(t)
}

// seq writes n elements of size bytes from p as a block sequence.
func (w *directWriter) seq(elem pfn, p unsafe.Pointer, n int, size uintptr, at pos, depth int) {
	if n == 0 {
		w.buf = append(w.buf, " []\n"...)
		return
	}
	if depth > maxEncodeDepth {
		w.ok = false
		return
	}
	w.open(at)
	indent := at.seqIndent
	for i := range n {
		if i > 0 || !at.inline {
			w.indent(indent)
		}
		w.buf = append(w.buf, '-')
		elem(w, unsafe.Add(p, uintptr(i)*size), itemPos(indent), depth+1)
		if !w.ok {
			return
		}
	}
}

// keyedMap writes a map with string keys (a corev1.ResourceList, ...) as
// the map writer does, its values copied once into a slice and written
// through memory rather than looked up again.
func keyedMap(t reflect.Type) pfn {
	elem, sliceT := pwriterFor(t.Elem()), reflect.SliceOf(t.Elem())
	return func(w *directWriter, p unsafe.Pointer, at pos, depth int) {
		v := reflect.NewAt(t, p).Elem()
		n := v.Len()
		if !w.mapOpen(v.IsNil(), n, at, depth) {
			return
		}
		base := len(w.keys)
		key, vals := reflect.New(t.Key()).Elem(), reflect.MakeSlice(sliceT, n, n)
		it := v.MapRange()
		for i := 0; it.Next() && i < n; i++ {
			key.SetIterKey(it)
			vals.Index(i).SetIterValue(it)
			w.keys = append(w.keys, jnode{key: key.String(), first: int32(i)})
		}
		w.mapBody(base, at, func(k jnode, at pos) {
			elem(w, vals.Index(int(k.first)).Addr().UnsafePointer(), at, depth+1)
		})
	}
}

// stringMap writes a map[string]string as the map writer does.
func (w *directWriter) stringMap(m map[string]string, at pos, depth int) {
	if !w.mapOpen(m == nil, len(m), at, depth) {
		return
	}
	base := len(w.keys)
	for k, s := range m {
		w.keys = append(w.keys, jnode{key: k, s: s})
	}
	w.mapBody(base, at, func(k jnode, at pos) { w.str(k.s, at) })
}

// mapOpen writes a nil map as null and an empty one as {}, refuses one
// nested too deep, and reports whether entries follow.
func (w *directWriter) mapOpen(isNil bool, n int, at pos, depth int) bool {
	switch {
	case isNil:
		w.scalarAt(jnode{kind: 'z'}, at)
	case n == 0:
		w.buf = append(w.buf, " {}\n"...)
	case depth > maxEncodeDepth:
		w.ok = false
	default:
		return true
	}
	return false
}

// mapBody writes a map's entries, whose keys are on the key stack (shared
// by nested maps) from base, in the tree path's order; value writes one
// entry's value at its position. The stack is cut back to base.
func (w *directWriter) mapBody(base int, at pos, value func(k jnode, at pos)) {
	keys := w.keys[base:]
	defer func() { w.keys = w.keys[:base] }()
	sortKeys(keys)
	w.open(at)
	indent := at.mapIndent
	for i, k := range keys {
		if i > 0 || !at.inline {
			w.indent(indent)
		}
		rk, ok := renderKey(k.key)
		if !ok || rk != k.key && !utf8.ValidString(k.key) {
			w.ok = false
			return
		}
		w.buf = append(w.buf, rk...)
		w.buf = append(w.buf, ':')
		value(k, pos{col: indent + len(rk) + 2, mapIndent: indent + 2, seqIndent: indent})
		if !w.ok {
			return
		}
	}
}

// pfield is a struct field read through memory: at offset off, tested
// for omitempty by empty, written by write. viaValue is set for a field
// the reflect.Value writer must handle (behind an embedded pointer, or
// omitzero).
type pfield struct {
	*dfield
	write    pfn
	empty    func(unsafe.Pointer) bool
	viaValue bool
}

func ptrFields(t reflect.Type, fields []dfield) []pfield {
	out := make([]pfield, len(fields))
	for i := range fields {
		f := &fields[i]
		out[i] = pfield{dfield: f, empty: f.empty, viaValue: f.empty == nil}
		if ft := t.FieldByIndex(f.index).Type; f.empty == nil && f.omitZero == nil && ft.Kind() == reflect.Map && directPath(t, f.index) {
			// A map's emptiness needs its length.
			out[i].empty = func(p unsafe.Pointer) bool { return reflect.NewAt(ft, p).Elem().Len() == 0 }
			out[i].viaValue = false
		}
		if !out[i].viaValue {
			out[i].write = pwriterFor(t.FieldByIndex(f.index).Type)
		}
	}
	return out
}

var pstructs sync.Map // reflect.Type → []pfield

// pfieldsOf is the memory plan of struct type t, whose plan is ok.
func pfieldsOf(t reflect.Type) []pfield {
	if f, ok := pstructs.Load(t); ok {
		return f.([]pfield)
	}
	f, _ := pstructs.LoadOrStore(t, ptrFields(t, planOf(t).fields))
	return f.([]pfield)
}

// directPath reports whether the field at index is reached through no
// pointer (its offset is then the sum of the offsets on its way).
func directPath(t reflect.Type, index []int) bool {
	for _, x := range index {
		if t.Kind() != reflect.Struct {
			return false
		}
		t = t.Field(x).Type
	}
	return true
}

// structPtr is structAt for the struct of type t at p.
func (w *directWriter) structPtr(t reflect.Type, fields []pfield, p unsafe.Pointer, at pos, depth int, skip string) {
	if depth > maxEncodeDepth {
		w.ok = false
		return
	}
	first := true
	var v reflect.Value // built for a field read through reflection
	for i := range fields {
		f := &fields[i]
		if f.name == skip {
			continue
		}
		var fv reflect.Value
		var fp unsafe.Pointer
		if f.viaValue {
			if !v.IsValid() {
				v = reflect.NewAt(t, p).Elem()
			}
			var ok bool
			if fv, ok = fieldValue(v, f.dfield); !ok {
				continue
			}
		} else {
			fp = unsafe.Add(p, f.off)
			if f.omitEmpty && f.empty(fp) {
				continue
			}
		}
		next := w.fieldKey(first, at, f.key)
		first = false
		if f.viaValue {
			f.dfield.write(w, fv, next, depth+1)
		} else {
			f.write(w, fp, next, depth+1)
		}
		if !w.ok {
			return
		}
	}
	if first {
		w.buf = append(w.buf, " {}\n"...)
	}
}

// sortKeys puts map keys in the tree path's order: by string, then
// yaml.v2's sort (an insertion sort, stable on the string order). Most
// maps have one or two keys.
func sortKeys(keys []jnode) {
	switch len(keys) {
	case 0, 1:
		return
	case 2:
		if keys[1].key < keys[0].key {
			keys[0], keys[1] = keys[1], keys[0]
		}
		if lessV2(keys[1].key, keys[0].key) {
			keys[0], keys[1] = keys[1], keys[0]
		}
		return
	}
	slices.SortFunc(keys, func(x, y jnode) int { return strings.Compare(x.key, y.key) })
	sortV2(keys)
}
