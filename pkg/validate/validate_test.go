package validate

import (
	"context"
	"strings"
	"testing"
)

// Every embedded kind compiles: structural schema, OpenAPI validator and
// CEL rules (a CEL rule that does not compile would otherwise only show
// when an object of that kind is validated).
func TestEveryKindBuilds(t *testing.T) {
	kinds, err := Kinds()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := loadCatalogue()
	crds := 0
	for _, gvk := range kinds {
		info := c.kinds[gvk]
		k, err := info.validator()
		if err != nil {
			t.Errorf("%s: %v", gvk, err)
			continue
		}
		if info.crdFile != "" {
			crds++
		}
		if k.cel != nil {
			if err := celCompileErrors(k); err != "" {
				t.Errorf("%s: %s", gvk, err)
			}
		}
	}
	if crds < 60 {
		t.Errorf("only %d CRD versions embedded", crds)
	}
	for _, gvk := range CoreKinds {
		if _, ok := c.kinds[gvk]; !ok {
			t.Errorf("core kind %s has no schema", gvk)
		}
	}
}

// celCompileErrors validates an empty object: a rule that failed to
// compile reports itself as an internal error on any object.
func celCompileErrors(k *kindValidator) string {
	errs, _ := k.cel.Validate(context.Background(), nil, k.structural, map[string]any{}, nil, 1<<40)
	for _, e := range errs {
		if strings.Contains(e.Error(), "compil") {
			return e.Error()
		}
	}
	return ""
}

func TestObject(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // substrings of "FIELD: MESSAGE", one per error; none = valid
	}{
		{"deployment", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, resources: {limits: {cpu: 0.5, memory: 1Gi}}}]}`, nil},
		{"deployment selector mismatch", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: web, image: nginx}]}`, []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`"}},
		{"deployment unknown field and bad quantity", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, imagePolicy: Always, resources: {limits: {cpu: lots}}}]}`, []string{
			"spec.template.spec.containers[0].imagePolicy: unknown field",
			"spec.template.spec.containers[0].resources.limits[cpu]: Invalid value: \"lots\": quantities must match"}},
		{"deployment wrong enum", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, imagePullPolicy: Sometimes}]}`, []string{`spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes"`}},
		{"service duplicate port", `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ns}
spec: {ports: [{name: a, port: 80}, {name: b, port: 80}]}`, []string{`spec.ports[1]: Duplicate value: "80/TCP"`}},
		{"service name", `
apiVersion: v1
kind: Service
metadata: {name: Web, namespace: ns}
spec: {ports: [{port: 80}]}`, []string{`metadata.name: Invalid value: "Web"`}},
		{"namespace without namespace", `
apiVersion: v1
kind: Namespace
metadata: {name: prod, namespace: ignored}`, nil},
		{"httproute relative path (CEL)", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: api}}], backendRefs: [{name: web, port: 80}]}]`, []string{"spec.rules[0].matches[0].path: Invalid value: value must be an absolute path"}},
		{"httproute defaulted and valid", `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]`, nil},
		{"authorizationpolicy enum blocks CEL", `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: web, namespace: ns}
spec: {action: PERMIT}`, []string{`spec.action: Unsupported value: "PERMIT"`}},
		{"certificate needs issuerRef", `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: ns}
spec: {secretName: web-tls, dnsNames: [web.example.com]}`, []string{"spec.issuerRef: Required value"}},
		{"latticeservice direction enum", `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: web, namespace: ns}
spec:
  workload:
    containers: {main: {image: x}}
    resources: {db: {type: service, direction: sideways}}`, []string{`spec.workload.resources.db.direction: Unsupported value: "sideways"`}},
		{"unknown kind", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}`, []string{"kind: unknown kind example.com/v1 Widget"}},
		{"unserved version", `
apiVersion: gateway.networking.k8s.io/v9
kind: HTTPRoute
metadata: {name: w, namespace: ns}`, []string{"apiVersion: gateway.networking.k8s.io/v9 is not served for kind HTTPRoute"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj, err := YAML([]byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range Object(obj, Options{}) {
				if p.Severity == Error {
					got = append(got, p.Field+": "+p.Message)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if !strings.Contains(strings.TrimPrefix(got[i], ": "), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestAllowUnknown(t *testing.T) {
	obj := map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"}}
	p := Object(obj, Options{AllowUnknown: true})
	if len(p) != 1 || p[0].Severity != Warning {
		t.Errorf("want one warning, got %+v", p)
	}
}

func TestObjectDoesNotModifyInput(t *testing.T) {
	obj, _ := YAML([]byte(`{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: r}, spec: {rules: [{}], status: {}}}`))
	Object(obj, Options{})
	if _, ok := obj["metadata"].(map[string]any)["namespace"]; ok {
		t.Error("Object set metadata.namespace on its input")
	}
	if len(obj["spec"].(map[string]any)["rules"].([]any)[0].(map[string]any)) != 0 {
		t.Error("Object defaulted its input")
	}
}

// Object is called from several goroutines (lattice validate and render
// validate objects in parallel); kinds compile once.
func TestObjectConcurrent(t *testing.T) {
	docs := []string{
		`{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: r, namespace: n}, spec: {rules: [{matches: [{path: {type: PathPrefix, value: x}}]}]}}`,
		`{apiVersion: apps/v1, kind: Deployment, metadata: {name: d, namespace: n}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: c}}, spec: {containers: [{name: c, image: i}]}}}}`,
		`{apiVersion: security.istio.io/v1, kind: AuthorizationPolicy, metadata: {name: a, namespace: n}, spec: {selector: {matchLabels: {a: b}}, targetRefs: [{kind: Service, name: s}]}}`,
	}
	done := make(chan int, 30)
	for i := range 30 {
		go func() {
			obj, _ := YAML([]byte(docs[i%len(docs)]))
			done <- len(Object(obj, Options{}))
		}()
	}
	for range 30 {
		if n := <-done; n == 0 {
			t.Error("an invalid object passed")
		}
	}
}
