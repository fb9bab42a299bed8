package istiosem

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCrossInbound: cluster east (trust domain east.test) calls shop/api on
// cluster west (west.test), whose pod admits east's web and east's
// waypoint only.
func TestCrossInbound(t *testing.T) {
	const eastWeb = "east.test/ns/shop/sa/web"
	west := func(labels string) string {
		return `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {template: {metadata: {labels: {app: api}}, spec: {serviceAccountName: api, containers: [{name: main, ports: [{containerPort: 8080}]}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop, labels: {` + labels + `}}
spec: {selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
` + policy("shop", "api", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {principals: [east.test/ns/shop/sa/web, east.test/ns/shop/sa/shop-waypoint]}}]}]\n")
	}
	east := func(labels string, docs ...string) string {
		return strings.Join(append([]string{`apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop, labels: {` + labels + `}}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
`}, docs...), "---\n")
	}
	eastWaypoint := waypoint
	l7 := policy("shop", "api-l7", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules: [{to: [{operation: {methods: [GET]}}]}]\n")
	all := func(ports ...string) map[string]bool {
		out := map[string]bool{}
		for _, p := range ports {
			for _, m := range []string{"GET", "POST"} {
				out[eastWeb+"|shop/api|"+p+"|"+m+"|/"] = true
			}
		}
		return out
	}
	cases := map[string]struct {
		reason       string
		east, west   string
		want         map[string]bool
		wantProblems int
	}{
		"global": {
			reason: "a global Service with a global selector-less copy on the caller's cluster: the callee's own policies decide (here: any port for east's web)",
			east:   east("istio.io/global: \"true\""), west: west("istio.io/global: \"true\""),
			want: all("8080", "1"),
		},
		"not global": {
			reason: "istiod merges only global Services: without the label the name does not reach the other cluster",
			east:   east(""), west: west(""),
			want: map[string]bool{},
		},
		"no copy": {
			reason: "without a copy on the caller's cluster the name does not resolve there",
			east:   "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}\n", west: west("istio.io/global: \"true\""),
			want: map[string]bool{},
		},
		"caller's waypoint": {
			reason: "a copy bound to a waypoint: the caller cluster's waypoint applies its own policies (GET only, on the Service's port), and the callee's pod admits that waypoint's identity",
			east:   east("istio.io/global: \"true\", istio.io/use-waypoint: shop-waypoint", eastWaypoint, l7),
			west:   west("istio.io/global: \"true\", istio.io/use-waypoint: shop-waypoint"),
			want:   map[string]bool{eastWeb + "|shop/api|8080|GET|/": true},
		},
		"binding differs": {
			reason: "Istio binds a global Service the same way everywhere: different waypoints are reported",
			east:   east("istio.io/global: \"true\", istio.io/use-waypoint: shop-waypoint", eastWaypoint, l7),
			west:   west("istio.io/global: \"true\""),
			want:   map[string]bool{eastWeb + "|shop/api|8080|GET|/": true}, wantProblems: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			from, to := New("east.test"), New("west.test")
			if err := from.Load([]byte(tc.east)); err != nil {
				t.Fatal(err)
			}
			if err := to.Load([]byte(tc.west)); err != nil {
				t.Fatal(err)
			}
			got, problems := CrossInbound(from, to, []string{eastWeb}, []string{"GET", "POST"}, []string{"/"})
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
			if len(problems) != tc.wantProblems {
				t.Errorf("%s: problems %q, want %d", tc.reason, problems, tc.wantProblems)
			}
		})
	}
}
