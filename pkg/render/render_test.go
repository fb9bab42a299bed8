package render

import (
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
)

// TestRenderLeavesInputUnchanged: a render edits copies (the Namespace it
// enrolls in the mesh, the sources kpt writes back), never its input, in
// every mode and on failure.
func TestRenderLeavesInputUnchanged(t *testing.T) {
	const service = `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: api
  namespace: prod
  annotations: {config.kubernetes.io/path: api.yaml, config.kubernetes.io/index: '0'}
spec:
  workload:
    containers:
      main:
        image: registry.example.com/api@sha256:0000000000000000000000000000000000000000000000000000000000000000
        resources: {limits: {cpu: 500m, memory: 256Mi}}
        variables: {A: "x"}
    service:
      ports:
        http: {port: 8080}
    resources:
      web: {type: service, direction: inbound}
---
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  annotations: {config.kubernetes.io/path: ns.yaml, config.kubernetes.io/index: '0'}
---
apiVersion: lattice.dev/v1alpha1
kind: Platform
metadata: {name: p}
spec:
  dns: {zones: [example.com]}
`
	for _, tc := range []struct {
		name string
		in   string
		mode Mode
	}{
		{"kpt function, sources kept", service, Function},
		{"render", service, Stream},
		{"inventory", service, Inventory},
		{"failing render", service + "---\napiVersion: lattice.dev/v1alpha1\nkind: Nope\nmetadata: {name: x}\n", Function},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, err := krm.ParseStream([]byte(tc.in), "in.yaml")
			if err != nil {
				t.Fatal(err)
			}
			before := make([]string, len(items))
			for i, it := range items {
				before[i] = it.Node.MustString()
			}
			snapshot := append([]krm.Item(nil), items...)
			out := Render(items, nil, tc.mode)
			if tc.name != "failing render" && out.Failed {
				t.Fatalf("render failed:\n%s", Format(out.Results))
			}
			if tc.mode == Function && !out.Failed {
				// The edits happened, on copies.
				edited := 0
				for _, o := range out.Items {
					if o.Node == nil {
						continue
					}
					if _, ok := o.Node.GetLabels()["istio.io/dataplane-mode"]; ok && o.Node.GetKind() == "Namespace" {
						edited++
					}
					if o.Node.GetAnnotations()["config.kubernetes.io/local-config"] == "true" && o.Node.GetKind() == "LatticeService" {
						edited++
					}
				}
				if edited != 2 {
					t.Errorf("expected an enrolled Namespace and a kept source in the output, found %d of them", edited)
				}
			}
			for i, it := range items {
				if it != snapshot[i] {
					t.Errorf("item %d was replaced", i)
				}
				if got := it.Node.MustString(); got != before[i] {
					t.Errorf("item %d changed:\n--- before\n%s--- after\n%s", i, before[i], got)
				}
			}
		})
	}
}

// TestKustomizeOriginNamesTheFile: under kustomize with `buildMetadata:
// [originAnnotations]`, a result names the file the service came from
// (kustomize records no document and no line, so neither is printed).
func TestKustomizeOriginNamesTheFile(t *testing.T) {
	in := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: lattice.dev/v1alpha1
  kind: LatticeService
  metadata:
    name: web
    namespace: shop
    annotations:
      config.kubernetes.io/origin: |
        path: web.yaml
      kustomize.config.k8s.io/id: |
        kind: LatticeService
        name: web
  spec:
    workload:
      containers:
        main:
          image: registry.example.com/web@sha256:0000000000000000000000000000000000000000000000000000000000000000
          resources: {limits: {cpu: 500m, memory: 256Mi}}
      resources:
        api: {type: service, namespace: other}
`
	items, fc, err := krm.ReadResourceList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	out := Render(items, fc, Function)
	text := Format(out.Results)
	if !strings.Contains(text, "spec.workload.resources[api]") || !strings.HasSuffix(strings.TrimSpace(text), "(web.yaml)") {
		t.Errorf("the result does not end in (web.yaml):\n%s", text)
	}
}

// TestKustomizeDropsLocalLatticeKinds: kustomize drops local-config objects
// at the end of a build, so a function run by kustomize leaves lattice's
// own local-config objects out of its output (the view is as large as the
// services); kpt writes its output back, so there they stay, and nothing
// kustomize would keep is dropped.
func TestKustomizeDropsLocalLatticeKinds(t *testing.T) {
	item := func(kind, name, annotations string) string {
		apiVersion := "lattice.dev/v1alpha1"
		if kind == "ConfigMap" {
			apiVersion = "v1"
		}
		return "- apiVersion: " + apiVersion + "\n  kind: " + kind + "\n  metadata:\n    name: " + name +
			"\n    annotations: {" + annotations + "}\n"
	}
	const id = "kustomize.config.k8s.io/id: x"
	const kpt = "config.kubernetes.io/path: a.yaml"
	for _, tc := range []struct {
		reason string
		by     string // kustomize's id or kpt's path, on every item
		items  string
		want   []string // names in the output
	}{
		{"kustomize drops them at the end of the build anyway", id,
			item("ImageLock", "lock", `config.kubernetes.io/local-config: "true"`) + item("Platform", "p", `config.kubernetes.io/local-config: "true"`),
			nil},
		{"kustomize keeps what is not local-config", id,
			item("ImageLock", "lock", "") + item("ImageLock", "lock2", `config.kubernetes.io/local-config: "false"`),
			[]string{"lock", "lock2"}},
		{"other kinds are not lattice's to drop", id,
			item("ConfigMap", "cm", `config.kubernetes.io/local-config: "true"`),
			[]string{"cm"}},
		{"kpt writes them back", kpt,
			item("ImageLock", "lock", `config.kubernetes.io/local-config: "true"`) + item("Platform", "p", `config.kubernetes.io/local-config: "true"`),
			[]string{"lock", "p"}},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + strings.ReplaceAll(tc.items, "annotations: {", "annotations: {"+tc.by+", ")
			in = strings.ReplaceAll(in, ", }", "}")
			items, fc, err := krm.ReadResourceList(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			out := Render(items, fc, Function)
			if out.Failed {
				t.Fatalf("render failed:\n%s", Format(out.Results))
			}
			var got []string
			for _, o := range out.Items {
				if o.Node != nil {
					got = append(got, o.Node.GetName())
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("output holds %v, want %v", got, tc.want)
			}
		})
	}
}
