package render

import (
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
)

const memberInput = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: lattice.dev/v1alpha1
kind: MeshMember
metadata: {name: vmagent, namespace: monitoring}
spec:
  outbound: [{name: api, namespace: shop}]
  selector: {app: vmagent}
  inbound: [{name: api, namespace: shop}]
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: api, namespace: shop}
spec:
  workload:
    containers:
      main:
        image: registry.example.com/api@sha256:0000000000000000000000000000000000000000000000000000000000000000
        command: [/app/run]
        resources: {limits: {cpu: 100m, memory: 64Mi}}
    service: {ports: {http: {port: 8080}}}
    resources:
      vmagent: {type: service, direction: inbound, namespace: monitoring}
`

// TestMembersInOutput: a MeshMember is a source, rendered to nothing but
// the policies it takes part in: dropped like a LatticeService, kept as
// local-config when kpt writes sources back.
func TestMembersInOutput(t *testing.T) {
	cases := []struct {
		keep, reason string
		kept         bool
	}{
		{"never", "kustomize and lattice render never receive a member", false},
		{"always", "kpt writes the member back, marked local-config so nothing applies it", true},
	}
	for _, tc := range cases {
		t.Run(tc.keep, func(t *testing.T) {
			platform := "\n---\napiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: p}\nspec: {output: {keepSource: " + tc.keep + "}}\n"
			items, err := krm.ParseStream([]byte(memberInput+platform), "in.yaml")
			if err != nil {
				t.Fatal(err)
			}
			out := Render(items, nil, Function)
			if out.Failed {
				t.Fatalf("render failed: %s", Format(out.Results))
			}
			var member string
			policy, placed := false, false
			for _, o := range out.Items {
				var text string
				switch {
				case o.Node != nil:
					text = o.Node.MustString()
				default:
					text = string(o.YAML)
				}
				if strings.Contains(text, "kind: MeshMember") {
					member = text
				}
				policy = policy || strings.Contains(text, "cluster.local/ns/monitoring/sa/vmagent")
				placed = placed || strings.Contains(text, "monitoring.vmagent.derived.yaml")
			}
			if !policy {
				t.Errorf("%s: the service's policy must admit the member", tc.reason)
			}
			if kept := member != ""; kept != tc.kept {
				t.Fatalf("%s: member in output = %v\n%s", tc.reason, kept, member)
			}
			if tc.kept && !strings.Contains(member, `config.kubernetes.io/local-config: "true"`) {
				t.Errorf("%s:\n%s", tc.reason, member)
			}
			if tc.kept && !placed {
				t.Errorf("%s: the member's policy goes to a file next to the member", tc.reason)
			}
		})
	}
}
