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
