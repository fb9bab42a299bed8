package krm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	istionetworking "istio.io/api/networking/v1alpha3"
	istiosecurity "istio.io/api/security/v1beta1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fillMessage sets random fields of m: every kind a spec may hold,
// including the ones protoTree leaves to jsonpb (floats, bytes, well-known
// types), so both paths are exercised.
func fillMessage(r *rand.Rand, m protoreflect.Message, depth int) {
	fds := m.Descriptor().Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if r.IntN(3) == 0 {
			continue // unset (and oneofs: the last one set wins)
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.IntN(3) {
				if fd.Message() != nil {
					if depth > 3 {
						break
					}
					e := l.NewElement()
					fillMessage(r, e.Message(), depth+1)
					l.Append(e)
					continue
				}
				if v, ok := randScalar(r, fd); ok {
					l.Append(v)
				}
			}
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range r.IntN(3) {
				if fd.MapKey().Kind() != protoreflect.StringKind {
					break
				}
				k := protoreflect.ValueOfString(randString(r)).MapKey()
				if fd.MapValue().Message() != nil {
					if depth > 3 {
						break
					}
					v := mp.NewValue()
					fillMessage(r, v.Message(), depth+1)
					mp.Set(k, v)
					continue
				}
				if v, ok := randScalar(r, fd.MapValue()); ok {
					mp.Set(k, v)
				}
			}
		case fd.Message() != nil:
			if depth > 3 {
				continue
			}
			fillMessage(r, m.Mutable(fd).Message(), depth+1)
		default:
			if v, ok := randScalar(r, fd); ok {
				m.Set(fd, v)
			}
		}
	}
}

func randScalar(r *rand.Rand, fd protoreflect.FieldDescriptor) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0), true
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(randString(r)), true
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if r.IntN(8) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(vals.Len() + 40)), true // unknown: a number
		}
		return protoreflect.ValueOfEnum(vals.Get(r.IntN(vals.Len())).Number()), true
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(r.Int32N(1<<20) - 1<<10), true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(r.Uint32()), true
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(r.Int64() - 1<<62), true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(r.Uint64()), true
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(r.Float64()), true
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(r.Float32()), true
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(randString(r))), true
	}
	return protoreflect.Value{}, false
}

// TestProtoTreeMatchesJSONPB: Istio objects with random specs encode to
// the same bytes through protoTree as through jsonpb, or protoTree
// declines.
func TestProtoTreeMatchesJSONPB(t *testing.T) {
	kinds := []func(r *rand.Rand) any{
		func(r *rand.Rand) any {
			o := &istiosecurityv1.AuthorizationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
			fillMessage(r, o.Spec.ProtoReflect(), 0)
			return o
		},
		func(r *rand.Rand) any {
			o := &istiosecurityv1.RequestAuthentication{}
			fillMessage(r, o.Spec.ProtoReflect(), 0)
			return o
		},
		func(r *rand.Rand) any {
			o := &istionetworkingv1.ServiceEntry{}
			fillMessage(r, o.Spec.ProtoReflect(), 0)
			return o
		},
		func(r *rand.Rand) any {
			o := &istionetworkingv1.DestinationRule{}
			fillMessage(r, o.Spec.ProtoReflect(), 0)
			return o
		},
		// A spec on its own, through its pointer.
		func(r *rand.Rand) any {
			o := &struct {
				Kind string                            `json:"kind"`
				Rule *istiosecurity.Rule               `json:"rule"`
				Port *istionetworking.ServicePort      `json:"port,omitempty"`
				Rs   []*istiosecurity.Rule_From        `json:"rs"`
				TLS  istionetworking.ClientTLSSettings `json:"tls"`
			}{Kind: "X", Rule: &istiosecurity.Rule{}}
			fillMessage(r, o.Rule.ProtoReflect(), 0)
			fillMessage(r, o.TLS.ProtoReflect(), 0)
			return o
		},
	}
	typed, total := 0, 0
	for seed := range uint64(400) {
		r := rand.New(rand.NewPCG(seed, 5))
		for i, mk := range kinds {
			total++
			if compareTyped(t, mk(r), fmt.Sprintf("seed %d kind %d", seed, i)) {
				typed++
			}
		}
	}
	t.Logf("%d of %d random Istio objects took the typed path", typed, total)
	if typed < total/4 {
		t.Errorf("only %d of %d objects took the typed path", typed, total)
	}
}
