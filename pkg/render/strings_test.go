package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// stringClasses are values every string field must carry unchanged from
// a LatticeService to the objects derived from it, and through a
// passthrough item, with the reason each is hard for YAML.
var stringClasses = []struct{ name, value string }{
	{"NEL, a line break to YAML readers", "a\u0085b"},
	{"DEL, refused unescaped by yaml.v2's reader", "a\u007fb"},
	{"C1 control U+0080", "a\u0080b"},
	{"U+FFFE, a non-character", "a\ufffeb"},
	{"BOM inside", "a\ufeffb"},
	{"C0 control", "a\u0001b"},
	{"tab", "a\tb"},
	{"CR, read as a line break", "a\rb"},
	{"CRLF", "a\r\nb"},
	{"LS", "a\u2028b"},
	{"PS", "a\u2029b"},
	{"NBSP", "a\u00a0b"},
	{"outside the BMP", "a\U0001F600b"},
	{"leading and trailing spaces", "  a b  "},
	{"key indicator", "a: b"},
	{"comment indicator", "a #b"},
	{"leading #", "#a"},
	{"leading dash", "- a"},
	{"document marker", "---"},
	{"quotes and backslash", `it's "x" \n`},
	{"YAML 1.1 bool yes", "yes"},
	{"YAML 1.1 bool on", "on"},
	{"null word", "null"},
	{"tilde", "~"},
	{"integer", "8080"},
	{"octal-looking", "0755"},
	{"hex", "0x1F"},
	{"float", "1.5"},
	{"exponent", "1e3"},
	{"sexagesimal", "1:20"},
	{"timestamp", "2001-12-14"},
	{"empty", ""},
	{"multi-line", "line one\nline two\n"},
	{"multi-line without final newline", "a\n\nb"},
	{"trailing blank lines", "a\n\n\n"},
	{"only newlines", "\n\n"},
	{"leading newline", "\nx"},
	{"leading space, several lines", " a\nb\n"},
	{"trailing space on a line", "a \nb"},
	{"long", strings.Repeat("long words with spaces ", 300)},
	{"long without spaces", strings.Repeat("x", 5000)},
}

// TestStringsSurvive: every string class written into a LatticeService's
// variables, args, file content and probe headers, and into a passthrough
// ConfigMap, reads back unchanged from the function's output: ResourceList
// in (written by yaml.v3, as kustomize and kpt write it), ResourceList out,
// parsed again.
func TestStringsSurvive(t *testing.T) {
	for _, c := range stringClasses {
		t.Run(c.name, func(t *testing.T) {
			svc := map[string]any{
				"apiVersion": v1alpha1.APIVersion, "kind": v1alpha1.KindLatticeService,
				"metadata": map[string]any{"name": "api", "namespace": "prod"},
				"spec": map[string]any{"workload": map[string]any{
					"containers": map[string]any{"main": map[string]any{
						"image":     "registry.example.com/api@sha256:" + strings.Repeat("0", 64),
						"args":      []any{c.value},
						"resources": map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}},
						"variables": map[string]any{"V": c.value},
						"files":     map[string]any{"/etc/app/x.txt": map[string]any{"content": c.value}},
						"readinessProbe": map[string]any{"httpGet": map[string]any{
							"path": "/ready", "port": 8080,
							"httpHeaders": []any{map[string]any{"name": "X-Test", "value": c.value}},
						}},
					}},
					"service": map[string]any{"ports": map[string]any{"http": map[string]any{"port": 8080}}},
				}},
			}
			pass := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "user", "namespace": "prod"}, "data": map[string]any{"v": c.value}}
			in, err := yaml.Marshal(map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []any{svc, pass}})
			if err != nil {
				t.Fatal(err)
			}
			items, fc, err := krm.ReadResourceList(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			out := Render(items, fc, Function)
			if out.Failed {
				t.Fatalf("render failed:\n%s", Format(out.Results))
			}
			var text bytes.Buffer
			if err := krm.WriteResourceList(&text, out.Items, fc, out.Results); err != nil {
				t.Fatal(err)
			}
			back, _, err := krm.ReadResourceList(&text)
			if err != nil {
				t.Fatalf("the output does not read back: %v", err)
			}
			got := map[string]string{}
			for _, it := range back {
				switch it.Node.GetKind() + " " + it.Node.GetName() {
				case "ConfigMap user":
					var cm corev1.ConfigMap
					decodeInto(t, it, &cm)
					got["passthrough data"] = cm.Data["v"]
				case "ConfigMap api-main-env":
					var cm corev1.ConfigMap
					decodeInto(t, it, &cm)
					got["variables"] = cm.Data["V"]
				case "ConfigMap api-main-files":
					var cm corev1.ConfigMap
					decodeInto(t, it, &cm)
					got["files"] = cm.Data[v1alpha1.FileKey("/etc/app/x.txt")]
				case "Deployment api":
					var d appsv1.Deployment
					decodeInto(t, it, &d)
					main := d.Spec.Template.Spec.Containers[0]
					got["args"] = main.Args[0]
					got["headers"] = main.ReadinessProbe.HTTPGet.HTTPHeaders[0].Value
				}
			}
			for _, field := range []string{"passthrough data", "variables", "files", "args", "headers"} {
				v, ok := got[field]
				if !ok {
					t.Errorf("%s: not found in the output", field)
					continue
				}
				if v != c.value {
					t.Errorf("%s: got %q, want %q", field, v, c.value)
				}
			}
		})
	}
}

func decodeInto(t *testing.T, it krm.Item, into any) {
	t.Helper()
	var v map[string]any
	if err := it.Node.YNode().Decode(&v); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}
