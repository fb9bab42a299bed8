package krm

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Istio's specs are protobuf messages whose MarshalJSON runs
// github.com/golang/protobuf/jsonpb with default options; that was a
// fifth of encoding a mesh's AuthorizationPolicies. protoTree builds the
// same tree from protobuf reflection, following jsonpb's encoder
// (jsonpb/encode.go, wrapJSONMarshalV2 false): populated fields only,
// JSON names, enums by name, 64-bit integers as strings, oneofs by the
// field set. Well-known types, floats, bytes, non-string map keys,
// proto2 and extensions are left to jsonpb (the builder gives up).
// TestProtoTreeMatchesJSONPB compares the two on random messages.

type protoMessage interface {
	ProtoReflect() protoreflect.Message
}

var protoMessageType = reflect.TypeFor[protoMessage]()

// isIstioSpec reports whether t is a pointer to one of istio.io/api's
// generated messages, whose MarshalJSON is jsonpb with default options.
func isIstioSpec(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && strings.HasPrefix(t.Elem().PkgPath(), "istio.io/api/") &&
		t.Implements(protoMessageType) && t.Implements(marshalerType)
}

func protoEncoder(b *treeBuilder, v reflect.Value, depth int) jnode {
	if v.IsNil() {
		return jnode{kind: 'z'}
	}
	return b.message(v.Interface().(protoMessage).ProtoReflect(), depth)
}

func (b *treeBuilder) message(m protoreflect.Message, depth int) jnode {
	md := m.Descriptor()
	if depth > maxEncodeDepth || md.FullName().Parent() == "google.protobuf" || md.Syntax() != protoreflect.Proto3 || md.ExtensionRanges().Len() > 0 {
		b.ok = false
		return jnode{}
	}
	mark := len(b.stack)
	fds := md.Fields()
	for i := 0; i < fds.Len(); {
		fd := fds.Get(i)
		if od := fd.ContainingOneof(); od != nil {
			fd = m.WhichOneof(od)
			i += od.Fields().Len()
			if fd == nil {
				continue
			}
		} else {
			i++
		}
		if !m.Has(fd) {
			continue
		}
		n := b.protoValue(fd, m.Get(fd), depth+1)
		n.key = fd.JSONName()
		b.stack = append(b.stack, n)
		if !b.ok {
			break
		}
	}
	return b.close('o', mark)
}

func (b *treeBuilder) protoValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) jnode {
	switch {
	case fd.IsList():
		mark := len(b.stack)
		l := v.List()
		for i := range l.Len() {
			b.stack = append(b.stack, b.protoSingular(fd, l.Get(i), depth+1))
		}
		return b.close('a', mark)
	case fd.IsMap():
		if fd.MapKey().Kind() != protoreflect.StringKind {
			b.ok = false
			return jnode{}
		}
		mark := len(b.stack)
		v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			n := b.protoSingular(fd.MapValue(), v, depth+1)
			n.key = k.String()
			if !utf8.ValidString(n.key) {
				b.ok = false
			}
			b.stack = append(b.stack, n)
			return true
		})
		return b.close('o', mark)
	}
	return b.protoSingular(fd, v, depth)
}

func (b *treeBuilder) protoSingular(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) jnode {
	if fd.Message() != nil {
		return b.message(v.Message(), depth)
	}
	if e := fd.Enum(); e != nil {
		if e.FullName() == "google.protobuf.NullValue" {
			return jnode{kind: 'z'}
		}
		if vd := e.Values().ByNumber(v.Enum()); vd != nil {
			return b.str(string(vd.Name()))
		}
		return b.int(int64(v.Enum()))
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		if v.Bool() {
			return jnode{kind: 'b', s: "true"}
		}
		return jnode{kind: 'b', s: "false"}
	case protoreflect.StringKind:
		return b.str(v.String())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return b.int(v.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return b.int(int64(v.Uint()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n := b.int(v.Int())
		return jnode{kind: 's', s: n.s}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		start := len(b.nums)
		b.nums = strconv.AppendUint(b.nums, v.Uint(), 10)
		return jnode{kind: 's', s: unsafe.String(&b.nums[start], len(b.nums)-start)}
	}
	b.ok = false // floats, bytes, groups
	return jnode{}
}
