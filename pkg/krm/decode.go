// Package krm is the YAML edge of lattice: it reads ResourceLists and
// files through yaml.v3 (kyaml's YAML library), decodes lattice kinds
// strictly into typed structs, and writes typed objects, ResourceLists and
// streams (yamlwrite.go is the one hand-written writer). Other packages
// read and edit nodes only through kyaml's RNode accessors.
package krm

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/names"
)

// Strict decoding: the reference silently ignores unknown fields, so a typo
// like "replica: 3" deploys one pod. Here every key is checked against the
// Go type before decoding, which gives exact field paths and lines for
// unknown fields, duplicate keys and wrong scalar types.

// DecodeService decodes a LatticeService node strictly.
func DecodeService(n *yaml.RNode) (*v1alpha1.LatticeService, field.ErrorList) {
	return decode[v1alpha1.LatticeService](n)
}

// DecodePlatform decodes a Platform node strictly. A nil node is the
// all-defaults Platform.
func DecodePlatform(n *yaml.RNode) (*v1alpha1.Platform, field.ErrorList) {
	if n == nil || yaml.IsMissingOrNull(n) {
		return &v1alpha1.Platform{}, nil
	}
	return decode[v1alpha1.Platform](n)
}

// DecodeImageLock decodes an ImageLock node strictly.
func DecodeImageLock(n *yaml.RNode) (*v1alpha1.ImageLock, field.ErrorList) {
	return decode[v1alpha1.ImageLock](n)
}

// DecodeFleet decodes a Fleet node strictly.
func DecodeFleet(n *yaml.RNode) (*v1alpha1.Fleet, field.ErrorList) {
	return decode[v1alpha1.Fleet](n)
}

// DecodeFleetInventory decodes a FleetInventory node strictly.
func DecodeFleetInventory(n *yaml.RNode) (*v1alpha1.FleetInventory, field.ErrorList) {
	return decode[v1alpha1.FleetInventory](n)
}

// DecodeServiceDirectory decodes a ServiceDirectory node strictly.
func DecodeServiceDirectory(n *yaml.RNode) (*v1alpha1.ServiceDirectory, field.ErrorList) {
	return decode[v1alpha1.ServiceDirectory](n)
}

// DecodeMeshMember decodes a MeshMember node strictly.
func DecodeMeshMember(n *yaml.RNode) (*v1alpha1.MeshMember, field.ErrorList) {
	return decode[v1alpha1.MeshMember](n)
}

// decode checks the node against T, then decodes it as JSON (what the API
// types are written for).
func decode[T any](n *yaml.RNode) (*T, field.ErrorList) {
	var v T
	if errs := check(n.YNode(), reflect.TypeFor[T](), make([]pathSeg, 0, 16)); len(errs) > 0 {
		return nil, errs
	}
	data, err := nodeJSON(n.YNode())
	if err != nil {
		return nil, field.ErrorList{field.Invalid(nil, nil, "cannot read YAML: "+err.Error())}
	}
	if err := json.Unmarshal(data, &v); err != nil {
		var path *field.Path
		if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) && te.Field != "" {
			parts := strings.Split(te.Field, ".")
			path = field.NewPath(parts[0], parts[1:]...)
		}
		return nil, field.ErrorList{field.Invalid(path, nil, "cannot decode: "+err.Error())}
	}
	return &v, nil
}

// nodeJSON is the JSON of a node, through yaml.v3's own decoding.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	if b, ok := appendNodeJSON(nil, n); ok {
		return b, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(stringKeys(v))
}

// appendNodeJSON appends the JSON yaml.v3's decoding would give for the
// common shapes: mappings with distinct string keys, sequences, strings,
// plain true/false, null and small decimal integers, as yaml.v3 resolved
// them. Anything else (aliases, merge keys, other tags or number forms)
// is not ok, and nodeJSON decodes it through yaml.v3 instead.
func appendNodeJSON(b []byte, n *yaml.Node) ([]byte, bool) {
	ok := true
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return b, false
		}
		return appendNodeJSON(b, n.Content[0])
	case yaml.MappingNode:
		if len(n.Content) > 256 { // dupKey is quadratic
			return b, false
		}
		b = append(b, '{')
		for i := 0; ok && i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != yaml.NodeTagString || dupKey(n.Content[:i], k.Value) {
				return b, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k.Value)
			b = append(b, ':')
			b, ok = appendNodeJSON(b, n.Content[i+1])
		}
		return append(b, '}'), ok
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, e := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendNodeJSON(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); {
		case tag == yaml.NodeTagString:
			return appendJSONString(b, n.Value), true
		case n.Style&^yaml.FlowStyle != 0:
		case tag == yaml.NodeTagNull:
			return append(b, "null"...), true
		case tag == yaml.NodeTagBool && (n.Value == "true" || n.Value == "false"):
			return append(b, n.Value...), true
		case tag == yaml.NodeTagInt && isSmallDecimal(n.Value):
			return append(b, n.Value...), true
		}
	}
	return b, false
}

// dupKey reports whether a mapping's earlier pairs have the key k.
func dupKey(pairs []*yaml.Node, k string) bool {
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i].Value == k {
			return true
		}
	}
	return false
}

// isSmallDecimal: 0 or a decimal integer without a leading zero or '+'
// that fits an int64.
func isSmallDecimal(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 18 || d[0] == '0' && (len(d) > 1 || len(s) > 1) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// appendJSONString appends s (valid UTF-8, as yaml.v3 reads it) as a JSON
// string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// stringKeys turns the map[any]any yaml.v3 makes for a mapping with a
// non-string key (a port number) into the map[string]any JSON needs.
func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = stringKeys(e)
		}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = stringKeys(e)
		}
	}
	return v
}

var (
	typeQuantity   = reflect.TypeOf(resource.Quantity{})
	typeObjectMeta = reflect.TypeOf(metav1.ObjectMeta{})
	typeIntOrStr   = reflect.TypeOf(intstr.IntOrString{})
)

// check walks node against t and reports unknown fields, duplicate keys and
// scalar type mismatches. The field path of n is built only for an error.
func check(n *yaml.Node, t reflect.Type, at []pathSeg) field.ErrorList {
	path := func() *field.Path { return fieldPath(at) }
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		return field.ErrorList{field.Forbidden(path(), "YAML aliases are not allowed in lattice specs; write the value out")}
	}
	if n.Tag == "!!null" {
		return nil
	}
	switch {
	case t == typeQuantity:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str" && n.Tag != "!!float") {
			return typeErr(n, path(), "a quantity such as 500m, 2 or 1Gi")
		}
		if n.Tag == "!!float" {
			return field.ErrorList{withLine(field.Invalid(path(), n.Value, fmt.Sprintf("quote fractional quantities (%q) or use milli-units (e.g. 500m)", n.Value)), n.Line)}
		}
		if _, err := resource.ParseQuantity(n.Value); err != nil {
			return field.ErrorList{withLine(field.Invalid(path(), n.Value, "invalid quantity (expected e.g. 500m, 2 or 1Gi)"), n.Line)}
		}
		return nil
	case t == typeIntOrStr:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str") {
			return typeErr(n, path(), "a port number or name")
		}
		return nil
	case t == typeObjectMeta:
		// Kubernetes owns metadata; kustomize and kpt add to it freely.
		if n.Kind != yaml.MappingNode {
			return typeErr(n, path(), "an object")
		}
		return append(dupKeys(n, path), aliasesIn(n, path())...)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return typeErr(n, path(), "an object")
		}
		fields := cachedJSONFields(t)
		errs := dupKeys(n, path)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				errs = append(errs, withLine(field.Invalid(path().Child(k.Value), k.Value, unknownField(k.Value, fields)), k.Line))
				continue
			}
			errs = append(errs, check(v, ft, append(at, pathSeg{key: k}))...)
		}
		return errs
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return typeErr(n, path(), "a map")
		}
		errs := dupKeys(n, path)
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, check(n.Content[i+1], t.Elem(), append(at, pathSeg{key: n.Content[i], mapKey: true}))...)
		}
		return errs
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return typeErr(n, path(), "a list")
		}
		var errs field.ErrorList
		for i, c := range n.Content {
			errs = append(errs, check(c, t.Elem(), append(at, pathSeg{index: i}))...)
		}
		return errs
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			if n.Kind == yaml.ScalarNode {
				return field.ErrorList{withLine(field.Invalid(path(), n.Value, fmt.Sprintf("expected a string; quote the value: %q", n.Value)), n.Line)}
			}
			return typeErr(n, path(), "a string")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return typeErr(n, path(), "true or false")
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return typeErr(n, path(), "a whole number")
		}
	}
	return nil
}

func typeErr(n *yaml.Node, path *field.Path, want string) field.ErrorList {
	got := map[yaml.Kind]string{yaml.MappingNode: "an object", yaml.SequenceNode: "a list", yaml.ScalarNode: "\"" + n.Value + "\""}[n.Kind]
	return field.ErrorList{withLine(field.Invalid(path, nil, fmt.Sprintf("expected %s, got %s", want, got)), n.Line)}
}

// fieldPath is the field.Path of the steps at (a map key as [key]).
func fieldPath(at []pathSeg) *field.Path {
	var p *field.Path
	for _, s := range at {
		switch {
		case s.key == nil:
			p = p.Index(s.index)
		case s.mapKey:
			p = p.Key(s.key.Value)
		default:
			p = p.Child(s.key.Value)
		}
	}
	return p
}

func dupKeys(n *yaml.Node, path func() *field.Path) field.ErrorList {
	if len(n.Content) <= 2 {
		return nil
	}
	var errs field.ErrorList
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if first, ok := seen[k.Value]; ok {
			errs = append(errs, withLine(field.Duplicate(path().Child(k.Value), k.Value), k.Line))
			errs[len(errs)-1].Detail = fmt.Sprintf("key %q appears twice (first on line %d); YAML would silently keep only one", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
	}
	return errs
}

func unknownField(name string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	slices.Sort(known)
	best := ""
	for _, k := range known {
		if strings.EqualFold(k, name) || (names.EditDistance(k, name) <= 2 && best == "") {
			best = k
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown field; did you mean %q?", best)
	}
	return "unknown field; known fields here: " + strings.Join(known, ", ")
}

var jsonFieldsOf sync.Map // reflect.Type → map[string]reflect.Type

// cachedJSONFields is jsonFields, computed once per type.
func cachedJSONFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := jsonFieldsOf.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f, _ := jsonFieldsOf.LoadOrStore(t, jsonFields(t))
	return f.(map[string]reflect.Type)
}

// jsonFields maps JSON names to field types, following inline embedding.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
			maps := jsonFields(f.Type)
			for k, v := range maps {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// Line numbers travel with field errors in the Origin field, which
// field.Error reserves for "where this came from"; render turns them into
// file:line.
func withLine(e *field.Error, line int) *field.Error {
	e.Origin = fmt.Sprintf("line:%d", line)
	return e
}

// ErrorLine extracts a line recorded by the decoder, or 0.
func ErrorLine(e *field.Error) int {
	var l int
	if _, err := fmt.Sscanf(e.Origin, "line:%d", &l); err != nil {
		return 0
	}
	return l
}

// aliasesIn reports the first alias under n (metadata is not checked field
// by field, but aliases are refused everywhere in a lattice kind).
func aliasesIn(n *yaml.Node, path *field.Path) field.ErrorList {
	for i, c := range n.Content {
		p := path
		if n.Kind == yaml.MappingNode {
			if i%2 == 0 {
				continue
			}
			p = path.Child(n.Content[i-1].Value)
		} else if n.Kind == yaml.SequenceNode {
			p = path.Index(i)
		}
		if c.Kind == yaml.AliasNode {
			return field.ErrorList{withLine(field.Forbidden(p, "YAML aliases are not allowed in lattice specs; write the value out"), c.Line)}
		}
		if errs := aliasesIn(c, p); len(errs) > 0 {
			return errs
		}
	}
	return nil
}
