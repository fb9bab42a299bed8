package v1alpha1_test

import (
	"encoding/json"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// FuzzDefaultValidate (issue #8): whatever the strict decoder accepts,
// defaulting is idempotent and never panics, and validation never panics
// and gives the same errors twice. Platforms and ImageLocks too.
func FuzzDefaultValidate(f *testing.F) {
	f.Add([]byte(`apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: api, namespace: prod}
spec:
  replicas: 3
  autoscaling: {max: 2}
  workload:
    containers:
      main:
        image: registry.example.com/app:1.0
        command: [node]
        resources: {limits: {cpu: "0", memory: 1Gi}, requests: {memory: 2Gi}}
        files: {/a: {content: x, mode: "7777"}, a: {binaryContent: "!!"}}
        volumes: {/v: {source: "${resources.v}", path: ../x}}
        livenessProbe: {httpGet: {path: x, port: nope}, exec: {command: []}}
        security: {capabilities: [cap_x], runAsUser: 0}
    service: {ports: {http: {port: 0, protocol: SCTP}, b: {port: 0}}}
    resources:
      v: {type: volume, id: "*", params: {size: "-1"}}
      s: {type: secret, params: {keys: ["a b"], refreshInterval: x}}
      e: {type: external-service, params: {endpoints: {a: "ftp://[::1]:99999"}}}
      c: {direction: inbound, id: "*", namespace: x, rules: [{}, {methods: [get], paths: ["a*b"]}]}
  ingress: {hostname: "*.Example.com.", tls: passthrough, paths: [{path: /, port: 9}], jwt: {jwksUri: "http://x"}}
`))
	f.Add([]byte("apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: p}\nspec: {cluster: {name: A, trustDomain: \"\"}, dns: {zones: [\"\", a.]}, certificates: {issuers: [{name: \"\"}]}, security: {allowedOverrides: [{service: a}]}}\n"))
	f.Add([]byte("apiVersion: lattice.dev/v1alpha1\nkind: ImageLock\nmetadata: {name: l}\nspec: {images: [{image: \"a:1\", digest: x}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := krm.ParseStream(data, "f.yaml")
		if err != nil || len(items) != 1 {
			return
		}
		n := items[0].Node
		p := &v1alpha1.Platform{}
		switch n.GetKind() {
		case v1alpha1.KindPlatform:
			decoded, errs := krm.DecodePlatform(n)
			if len(errs) > 0 {
				return
			}
			p = decoded
		case v1alpha1.KindImageLock:
			_, _ = krm.DecodeImageLock(n)
			return
		}
		v1alpha1.DefaultPlatform(p)
		once, _ := json.Marshal(p)
		v1alpha1.DefaultPlatform(p)
		if twice, _ := json.Marshal(p); string(once) != string(twice) {
			t.Fatal("platform defaulting is not idempotent")
		}
		pe1, pe2 := v1alpha1.ValidatePlatform(p).ToAggregate(), v1alpha1.ValidatePlatform(p).ToAggregate()
		if (pe1 == nil) != (pe2 == nil) || pe1 != nil && pe1.Error() != pe2.Error() {
			t.Fatal("platform validation is not deterministic")
		}
		if n.GetKind() != v1alpha1.KindLatticeService {
			return
		}
		s, errs := krm.DecodeService(n)
		if len(errs) > 0 {
			return
		}
		v1alpha1.DefaultService(s)
		once, _ = json.Marshal(s)
		v1alpha1.DefaultService(s)
		if twice, _ := json.Marshal(s); string(once) != string(twice) {
			t.Fatal("service defaulting is not idempotent")
		}
		e1, e2 := v1alpha1.ValidateService(s, p).ToAggregate(), v1alpha1.ValidateService(s, p).ToAggregate()
		if (e1 == nil) != (e2 == nil) || e1 != nil && e1.Error() != e2.Error() {
			t.Fatal("service validation is not deterministic")
		}
	})
}
