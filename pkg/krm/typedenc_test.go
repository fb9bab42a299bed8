package krm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	gwv1a2 "sigs.k8s.io/gateway-api/apis/v1alpha2"
	"sigs.k8s.io/randfill"
)

// The kinds lattice emits, and some it may.
var typedKinds = []func() any{
	func() any { return &appsv1.Deployment{} },
	func() any { return &appsv1.StatefulSet{} },
	func() any { return &corev1.Service{} },
	func() any { return &corev1.ServiceAccount{} },
	func() any { return &corev1.ConfigMap{} },
	func() any { return &corev1.Namespace{} },
	func() any { return &corev1.PersistentVolumeClaim{} },
	func() any { return &policyv1.PodDisruptionBudget{} },
	func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	func() any { return &gwv1.HTTPRoute{} },
	func() any { return &gwv1.Gateway{} },
	func() any { return &gwv1a2.TLSRoute{} },
	func() any { return &cmv1.Certificate{} },
	func() any { return &istiosecurityv1.AuthorizationPolicy{} },
	func() any { return &istiosecurityv1.RequestAuthentication{} },
	func() any { return &istionetworkingv1.ServiceEntry{} },
	func() any { return &istionetworkingv1.DestinationRule{} },
}

func typedFiller(seed int64) *randfill.Filler {
	r := rand.New(rand.NewPCG(uint64(seed), 3))
	return randfill.NewWithSeed(seed).NilChance(0.3).NumElements(0, 3).MaxDepth(12).Funcs(
		// Upstream's own fillers keep these types valid.
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewMilliQuantity(c.Int63n(1<<40), resource.DecimalSI)
		},
		func(is *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*is = intstr.FromInt32(c.Int31())
			} else {
				*is = intstr.FromString(randString(r))
			}
		},
		func(t *metav1.Time, c randfill.Continue) {},
		// Random raw JSON is invalid JSON: encoding/json rejects it.
		func(m *metav1.ObjectMeta, c randfill.Continue) {
			c.FillNoCustom(m)
			m.ManagedFields = nil
		},
		func(s *string, c randfill.Continue) { *s = randString(r) },
		// Integers past 15 digits take the JSON path (the reference chain
		// goes through float64); keep most of them short.
		func(i *int64, c randfill.Continue) { *i = c.Int63n(1<<20) - 1<<10 },
		func(i *int32, c randfill.Continue) { *i = c.Int31n(1<<20) - 1<<10 },
		func(i *int, c randfill.Continue) { *i = c.Intn(1<<20) - 1<<10 },
	)
}

// TestTypedTreeMatchesJSON: for random values of every emitted kind, the
// typed encoder writes exactly what json.Marshal and the JSON path write,
// or declines.
func TestTypedTreeMatchesJSON(t *testing.T) {
	typed, total := 0, 0
	for seed := range int64(100) {
		f := typedFiller(seed)
		for _, mk := range typedKinds {
			obj := mk()
			func() {
				defer func() {
					if p := recover(); p != nil {
						obj = nil // the filler cannot fill some proto oneofs
					}
				}()
				f.Fill(obj)
			}()
			if obj == nil {
				continue
			}
			total++
			if compareTyped(t, obj, fmt.Sprintf("seed %d %T", seed, obj)) {
				typed++
			}
		}
	}
	t.Logf("%d of %d random objects took the typed path, %d the direct writer", typed, total, directTaken)
	if typed < total/2 {
		t.Errorf("only %d of %d objects took the typed path", typed, total)
	}
}

// directTaken counts objects the direct writer took in compareTyped.
var directTaken int

// compareTyped checks one object and reports whether the typed path took it.
func compareTyped(t testing.TB, obj any, what string) bool {
	t.Helper()
	want, wantErr := encodeJSON(obj)
	if got, ok := encodeDirect(obj, 0, false); ok {
		directTaken++
		if wantErr != nil {
			t.Fatalf("%s: direct writer wrote an object encoding/json rejects (%v):\n%s", what, wantErr, got)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: direct writer differs\n--- direct\n%s\n--- json\n%s", what, got, want)
		}
		// As a ResourceList item: the same text, indented as the list
		// writer indents it.
		item, ok := encodeDirect(obj, 0, true)
		if wantItem := appendIndented(nil, want, "- ", "  "); !ok || !bytes.Equal(item, wantItem) {
			t.Fatalf("%s: direct writer's item form differs\n--- item\n%s\n--- want\n%s", what, item, wantItem)
		}
	}
	got, ok := encodeTyped(obj)
	if !ok {
		return false
	}
	if wantErr != nil {
		t.Fatalf("%s: typed path wrote an object encoding/json rejects (%v):\n%s", what, wantErr, got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: typed path differs\n--- typed\n%s\n--- json\n%s", what, got, want)
	}
	return true
}

// Cases encoding/json handles in ways a hand-written encoder gets wrong.
func TestTypedTreeEdgeCases(t *testing.T) {
	type Inner struct {
		A string `json:"a"`
		B string `json:"b,omitempty"`
	}
	type Other struct {
		A string `json:"a"` // collides with Inner.A at the same depth (see embedding)
		C int    `json:"c"`
	}
	type Tagged struct {
		A string
	}
	type textKey string
	type withText struct {
		T metav1.Time `json:"t"`
	}
	cases := []struct {
		reason string
		obj    any
	}{
		{"embedded structs are promoted; a name two embedded structs share at one depth is dropped",
			embedding(Inner{"x", "y"}, Other{"z", 3}, "K")},
		{"a shallower field wins over a promoted one", embedding(Inner{"deep", ""}, "shallow")},
		{"an embedded pointer that is nil contributes nothing",
			&struct {
				*Inner
				Kind string `json:"kind"`
			}{nil, "K"}},
		{"an embedded pointer that is set is promoted",
			&struct {
				*Inner
				Kind string `json:"kind"`
			}{&Inner{"a", "b"}, "K"}},
		{"an embedded struct with a tag name is a field", &struct {
			Tagged `json:"tagged"`
		}{Tagged{"v"}}},
		{"omitzero skips a zero struct and a zero Time, omitempty does not skip structs",
			&struct {
				Z  Inner       `json:"z,omitzero"`
				E  Inner       `json:"e,omitempty"`
				T  metav1.Time `json:"t,omitempty,omitzero"`
				P  *Inner      `json:"p,omitzero"`
				N  int         `json:"n,omitempty"`
				S  []string    `json:"s,omitempty"`
				S0 []string    `json:"s0"`
				M  map[string]int
			}{}},
		{"the ,string option is left to encoding/json", &struct {
			N int `json:"n,string"`
		}{5}},
		{"[]byte is base64", &struct {
			B []byte `json:"b"`
		}{[]byte("hello")}},
		{"interfaces hold anything", &struct {
			I any `json:"i"`
			J any `json:"j"`
		}{map[string]any{"x": []any{1, "y", nil}}, nil}},
		{"map keys of a string type", &struct {
			M map[textKey]bool `json:"m"`
		}{map[textKey]bool{"b": true, "a": false, "10": true, "9": false}}},
		{"Time marshals itself", &withText{T: metav1.Unix(1700000000, 0).Rfc3339Copy()}},
		{"Quantity and IntOrString write themselves", &struct {
			Q  resource.Quantity   `json:"q"`
			QP *resource.Quantity  `json:"qp"`
			I  intstr.IntOrString  `json:"i"`
			IS intstr.IntOrString  `json:"is"`
			IP *intstr.IntOrString `json:"ip,omitempty"`
			QM map[string]resource.Quantity
		}{resource.MustParse("1.5Gi"), nil, intstr.FromInt32(80), intstr.FromString("25%"), nil, map[string]resource.Quantity{"cpu": resource.MustParse("100m")}}},
		{"pointers to Quantity and IntOrString write their value", &struct {
			QP *resource.Quantity    `json:"qp"`
			IP *intstr.IntOrString   `json:"ip,omitempty"`
			IS []*intstr.IntOrString `json:"is"`
		}{ptr(resource.MustParse("250m")), ptr(intstr.FromString("50%")), []*intstr.IntOrString{ptr(intstr.FromInt32(1)), nil}}},
		{"unexported and ignored fields are skipped", &struct {
			a string
			B string `json:"-"`
			C string `json:"-,"`
		}{"a", "b", "c"}},
		{"uints, small ints, arrays", &struct {
			U  uint8    `json:"u"`
			I8 int8     `json:"i8"`
			A  [2]int   `json:"a"`
			E  [0]int   `json:"e,omitempty"`
			B  [3]byte  `json:"b"`
			P  **string `json:"p"`
		}{255, -128, [2]int{1, 2}, [0]int{}, [3]byte{1, 2, 3}, nil}},
		{"invalid UTF-8 takes the JSON path", &struct {
			S string `json:"s"`
		}{"a\xffb"}},
		{"floats take the JSON path", &struct {
			F float64 `json:"f"`
		}{1.5}},
		{"top-level status and metadata.creationTimestamp are dropped", &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "x", CreationTimestamp: metav1.Unix(1, 0)},
			Status:     appsv1.DeploymentStatus{Replicas: 3},
		}},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			if !compareTyped(t, c.obj, c.reason) {
				t.Log("the typed path declined")
			}
			// And Encode, whatever path it takes, equals the reference.
			got, err := Encode(c.obj)
			want, wantErr := encodeJSON(c.obj)
			if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("Encode = %q, %v; reference %q, %v", got, err, want, wantErr)
			}
		})
	}
}

// embedding builds a struct at run time: struct values become embedded
// fields, a string the field A `json:"a"`. go vet rejects the repeated
// JSON names that are the point of these cases.
func embedding(parts ...any) any {
	var fields []reflect.StructField
	for _, p := range parts {
		t := reflect.TypeOf(p)
		if t.Kind() == reflect.String {
			fields = append(fields, reflect.StructField{Name: "A", Type: t, Tag: `json:"a"`})
			continue
		}
		fields = append(fields, reflect.StructField{Name: t.Name(), Type: t, Anonymous: true})
	}
	v := reflect.New(reflect.StructOf(fields))
	for i, p := range parts {
		v.Elem().Field(i).Set(reflect.ValueOf(p))
	}
	return v.Interface()
}

// FuzzTypedEncode: random values of the emitted kinds, from the fuzzer's
// seed.
func FuzzTypedEncode(f *testing.F) {
	for i := range int64(8) {
		f.Add(i, uint8(i))
	}
	f.Fuzz(func(t *testing.T, seed int64, kind uint8) {
		obj := typedKinds[int(kind)%len(typedKinds)]()
		filled := func() (ok bool) {
			defer func() { ok = recover() == nil }()
			typedFiller(seed).Fill(obj)
			return true
		}()
		if !filled {
			return // the filler cannot fill some proto oneofs
		}
		compareTyped(t, obj, fmt.Sprintf("seed %d %s", seed, reflect.TypeOf(obj)))
	})
}

func ptr[T any](v T) *T { return &v }
