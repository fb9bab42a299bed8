package istiosem

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fixture: namespace shop in the mesh, with a pod api (service account
// api, port 8080) behind Service api (port 80), and callers web (shop) and
// batch (jobs). Each case adds policies (and waypoints) to it.
const base = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Namespace
metadata: {name: jobs, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      containers: [{name: main, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: old, namespace: legacy}
spec:
  template:
    metadata: {labels: {app: old}}
    spec:
      serviceAccountName: old
      containers: [{name: main, ports: [{containerPort: 8080}]}]
`

const (
	web   = "td.test/ns/shop/sa/web"
	batch = "td.test/ns/jobs/sa/batch"
)

// apiService is Service api, routed to the waypoint when waypoint is set.
func apiService(waypoint string) string {
	l := ""
	if waypoint != "" {
		l = "\n  labels: {istio.io/use-waypoint: " + waypoint + "}"
	}
	return `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop` + l + `
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}]
`
}

const waypoint = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop-waypoint, namespace: shop}
spec: {gatewayClassName: istio-waypoint}
`

func policy(ns, name, spec string) string {
	return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec
}

func load(t *testing.T, docs ...string) *Mesh {
	t.Helper()
	m := New("td.test")
	if err := m.Load([]byte(strings.Join(append([]string{base}, docs...), "---\n"))); err != nil {
		t.Fatal(err)
	}
	return m
}

type ask struct {
	caller, callee, port string
	req                  Request
}

func TestAllowed(t *testing.T) {
	// The waypoint route of the cases that use one: the pod admits only the
	// waypoint's identity, the waypoint admits what the case says.
	onlyWaypoint := policy("shop", "api-pod", `  selector: {matchLabels: {app: api}}
  action: ALLOW
  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/shop-waypoint]}}]}]
`)
	get := Request{Method: "GET", Path: "/api/items"}
	post := Request{Method: "POST", Path: "/api/items"}
	cases := map[string]struct {
		reason string
		docs   []string
		ask    ask
		want   bool
		why    string // a substring of the reason Allowed gives
	}{
		"no-policy": {
			reason: "with no policy in force, Istio allows everything",
			ask:    ask{batch, "shop/api", "8080", get}, want: true, why: "no policy applies",
		},
		"allow-principal": {
			reason: "an ALLOW policy admits the principal it names",
			docs:   []string{policy("shop", "p", "  action: ALLOW\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}]}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: true, why: "an ALLOW rule matches (ALLOW shop/p rule 0)",
		},
		"allow-other-principal": {
			reason: "once an ALLOW policy applies, a caller it does not name is denied",
			docs:   []string{policy("shop", "p", "  action: ALLOW\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}]}]\n")},
			ask:    ask{batch, "shop/api", "8080", get}, want: false, why: "none of their rules matches",
		},
		"allow-empty": {
			reason: "an ALLOW policy without rules allows nothing (deny-all)",
			docs:   []string{policy("shop", "deny-all", "  {}\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: false,
		},
		"unauthenticated": {
			reason: "principals \"*\" needs an identity: a caller outside the mesh is not matched",
			docs:   []string{policy("shop", "p", "  rules: [{from: [{source: {principals: [\"*\"]}}]}]\n")},
			ask:    ask{"", "shop/api", "8080", get}, want: false,
		},
		"principal-prefix": {
			reason: "principals match exact, prefix* and *suffix",
			docs:   []string{policy("shop", "p", "  rules: [{from: [{source: {principals: [td.test/ns/jobs/*]}}]}]\n")},
			ask:    ask{batch, "shop/api", "8080", get}, want: true,
		},
		"namespaces": {
			reason: "a namespaces source matches the namespace of the caller's identity",
			docs:   []string{policy("shop", "p", "  rules: [{from: [{source: {namespaces: [jobs]}}]}]\n")},
			ask:    ask{batch, "shop/api", "8080", get}, want: true,
		},
		"deny-before-allow": {
			reason: "DENY is evaluated before ALLOW: a matching DENY wins over a matching ALLOW",
			docs: []string{
				policy("shop", "allow", "  action: ALLOW\n  rules: [{from: [{source: {principals: [td.test/ns/jobs/sa/batch]}}]}]\n"),
				policy("shop", "deny", "  action: DENY\n  rules: [{from: [{source: {namespaces: [jobs]}}]}]\n"),
			},
			ask: ask{batch, "shop/api", "8080", get}, want: false, why: "a DENY rule matches (DENY shop/deny rule 0)",
		},
		"deny-only": {
			reason: "with only DENY policies, what they do not match is allowed",
			docs:   []string{policy("shop", "deny", "  action: DENY\n  rules: [{from: [{source: {namespaces: [jobs]}}]}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: true, why: "no ALLOW policy applies and no DENY rule matches",
		},
		"custom-fails-closed": {
			reason: "CUSTOM delegates to an external authorizer the evaluator does not model: a matching CUSTOM rule denies",
			docs:   []string{policy("shop", "ext", "  action: CUSTOM\n  rules: [{to: [{operation: {ports: [\"8080\"]}}]}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: false, why: "a CUSTOM rule matches",
		},
		"audit-no-effect": {
			reason: "AUDIT policies only log: they neither allow nor deny",
			docs:   []string{policy("shop", "audit", "  action: AUDIT\n  rules: [{}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: true, why: "no ALLOW policy applies",
		},
		"ztunnel-allow-l7": {
			reason: "ztunnel cannot read HTTP: an ALLOW rule naming methods never matches there",
			docs:   []string{policy("shop", "p", "  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}], to: [{operation: {methods: [GET]}}]}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: false,
		},
		"ztunnel-deny-l7": {
			reason: "ztunnel cannot read HTTP: a DENY rule naming paths matches on its other fields (denies more)",
			docs:   []string{policy("shop", "deny", "  action: DENY\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}], to: [{operation: {paths: [/admin]}}]}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: false, why: "a DENY rule matches",
		},
		"ztunnel-port": {
			reason: "ztunnel matches ports against the container port",
			docs:   []string{policy("shop", "p", "  rules: [{to: [{operation: {ports: [\"8080\"]}}]}]\n")},
			ask:    ask{batch, "shop/api", "8080", Request{}}, want: true,
		},
		"ztunnel-port-other": {
			reason: "a port the rule does not list is denied",
			docs:   []string{policy("shop", "p", "  rules: [{to: [{operation: {ports: [\"9090\"]}}]}]\n")},
			ask:    ask{batch, "shop/api", "8080", Request{}}, want: false,
		},
		"when-condition": {
			reason: "a rule with a when condition is not modelled: an ALLOW rule with one never matches",
			docs:   []string{policy("shop", "p", "  rules: [{when: [{key: \"request.headers[x]\", values: [y]}]}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: false,
		},
		"selector-other-pod": {
			reason: "a policy whose selector matches other pods does not apply",
			docs:   []string{policy("shop", "deny-all", "  selector: {matchLabels: {app: other}}\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: true, why: "no policy applies",
		},
		"other-namespace": {
			reason: "a policy in another namespace does not apply",
			docs:   []string{policy("jobs", "deny-all", "  {}\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: true,
		},
		"root-namespace": {
			reason: "a policy in the root namespace applies mesh-wide",
			docs:   []string{policy("istio-system", "deny-all", "  {}\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: false,
		},
		"not-enrolled": {
			reason: "a pod outside the mesh has no ztunnel in front of it: nothing is enforced",
			docs:   []string{policy("legacy", "deny-all", "  {}\n")},
			ask:    ask{web, "legacy/old", "8080", get}, want: true, why: "not in the mesh",
		},
		"targetref-not-ztunnel": {
			reason: "ztunnel ignores policies with targetRefs (they are the waypoint's)",
			docs:   []string{policy("shop", "deny-all", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n")},
			ask:    ask{web, "shop/api", "8080", get}, want: true,
		},
		"waypoint-l7-allow": {
			reason: "through the waypoint, a Service-attached policy reads methods and paths; the Service port is matched",
			docs: []string{apiService("shop-waypoint"), waypoint, onlyWaypoint,
				policy("shop", "api-l7", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}], to: [{operation: {ports: [\"80\"], methods: [GET], paths: [/api/*]}}]}]\n")},
			ask: ask{web, "shop/api", "8080", get}, want: true, why: "through waypoint shop/shop-waypoint for Service api: an ALLOW rule matches",
		},
		"waypoint-l7-method": {
			reason: "a method the waypoint rule does not list is denied",
			docs: []string{apiService("shop-waypoint"), waypoint, onlyWaypoint,
				policy("shop", "api-l7", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}], to: [{operation: {methods: [GET]}}]}]\n")},
			ask: ask{web, "shop/api", "8080", post}, want: false,
		},
		"waypoint-tcp": {
			reason: "a plain TCP connection through the waypoint does not match an ALLOW rule naming methods",
			docs: []string{apiService("shop-waypoint"), waypoint, onlyWaypoint,
				policy("shop", "api-l7", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules: [{to: [{operation: {methods: [GET]}}]}]\n")},
			ask: ask{web, "shop/api", "8080", Request{}}, want: false,
		},
		"waypoint-gateway-ref": {
			reason: "a policy attached to the waypoint Gateway applies to every Service it serves",
			docs: []string{apiService("shop-waypoint"), waypoint, onlyWaypoint,
				policy("shop", "wp", "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: shop-waypoint}]\n  rules: [{from: [{source: {principals: [td.test/ns/jobs/sa/batch]}}]}]\n")},
			ask: ask{web, "shop/api", "8080", get}, want: false,
		},
		"waypoint-gatewayclass-ref": {
			reason: "a policy on GatewayClass istio-waypoint in the root namespace applies to every waypoint",
			docs: []string{apiService("shop-waypoint"), waypoint, onlyWaypoint,
				policy("istio-system", "all-waypoints", "  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]\n  rules: [{from: [{source: {principals: [td.test/ns/jobs/sa/batch]}}]}]\n")},
			ask: ask{batch, "shop/api", "8080", get}, want: true, why: "through waypoint",
		},
		"waypoint-unattached": {
			reason: "without a policy on the waypoint, the waypoint route allows everything that reaches it",
			docs:   []string{apiService("shop-waypoint"), waypoint, onlyWaypoint},
			ask:    ask{batch, "shop/api", "8080", post}, want: true, why: "through waypoint shop/shop-waypoint for Service api: no policy applies",
		},
		"waypoint-missing": {
			reason: "a Service labelled for a waypoint that does not exist is no route",
			docs:   []string{apiService("shop-waypoint"), onlyWaypoint},
			ask:    ask{web, "shop/api", "8080", get}, want: false, why: "the waypoint's ztunnel refuses the caller",
		},
		"waypoint-hbone": {
			reason: "the caller must pass the ztunnel in front of the waypoint pod (HBONE 15008)",
			docs: []string{apiService("shop-waypoint"), waypoint,
				policy("shop", "all-pods", "  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/shop-waypoint]}}]}]\n")},
			ask: ask{web, "shop/api", "8080", get}, want: false, why: "the waypoint's ztunnel refuses the caller",
		},
		"waypoint-pod-refuses": {
			reason: "the pod's ztunnel must admit the waypoint's identity",
			docs: []string{apiService("shop-waypoint"), waypoint,
				policy("shop", "api-pod", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}]}]\n")},
			ask: ask{batch, "shop/api", "8080", get}, want: false, why: "the pod's ztunnel refuses the waypoint",
		},
		"bypass-waypoint": {
			reason: "a pod policy that admits the caller lets it skip the waypoint's L7 rules (straight to the pod)",
			docs: []string{apiService("shop-waypoint"), waypoint,
				policy("shop", "api-pod", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web, td.test/ns/shop/sa/shop-waypoint]}}]}]\n"),
				policy("shop", "api-l7", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules: [{to: [{operation: {methods: [GET]}}]}]\n")},
			ask: ask{web, "shop/api", "8080", post}, want: true, why: "ztunnel admits the caller straight to the pod",
		},
		"unknown-callee": {
			reason: "a callee that is not loaded is not allowed",
			ask:    ask{web, "shop/nope", "8080", get}, want: false, why: "no Deployment shop/nope",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := load(t, tc.docs...)
			got, why := m.Allowed(tc.ask.caller, tc.ask.callee, tc.ask.port, tc.ask.req)
			if got != tc.want {
				t.Errorf("%s\nAllowed(%q, %q, %s, %+v) = %v, want %v (%s)", tc.reason, tc.ask.caller, tc.ask.callee, tc.ask.port, tc.ask.req, got, tc.want, why)
			}
			if !strings.Contains(why, tc.why) {
				t.Errorf("%s\nreason %q does not say %q", tc.reason, why, tc.why)
			}
		})
	}
}

// TestInboundAgreesWithAllowed: the enumeration is Allowed over every
// combination, including the shortcut for connections ztunnel admits.
func TestInboundAgreesWithAllowed(t *testing.T) {
	m := load(t, apiService("shop-waypoint"), waypoint,
		policy("shop", "api-pod", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {principals: [td.test/ns/jobs/sa/batch, td.test/ns/shop/sa/shop-waypoint]}}]}]\n"),
		policy("shop", "api-l7", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules: [{from: [{source: {principals: [td.test/ns/shop/sa/web]}}], to: [{operation: {methods: [GET], paths: [/api/*]}}]}]\n"))
	callers := []string{web, batch, ""}
	methods := []string{"GET", "POST"}
	paths := []string{"/api/items", "/admin"}
	got := m.Inbound(callers, methods, paths)
	want := map[string]bool{}
	for _, w := range m.Workloads() {
		for _, c := range callers {
			for _, port := range append(w.Ports, "1") {
				for _, method := range methods {
					for _, path := range paths {
						if ok, _ := m.Allowed(c, w.Ref(), port, Request{method, path}); ok {
							want[strings.Join([]string{c, w.Ref(), port, method, path}, "|")] = true
						}
					}
				}
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Inbound differs from Allowed (-want +got):\n%s", diff)
	}
	// And the policies above mean: batch anywhere on the pod (ztunnel),
	// web only GET /api/* through the waypoint, nobody else.
	for _, k := range []string{batch + "|shop/api|8080|POST|/admin", web + "|shop/api|8080|GET|/api/items"} {
		if !got[k] {
			t.Errorf("%s not allowed", k)
		}
	}
	for _, k := range []string{web + "|shop/api|8080|POST|/api/items", web + "|shop/api|8080|GET|/admin", "|shop/api|8080|GET|/api/items"} {
		if got[k] {
			t.Errorf("%s allowed", k)
		}
	}
}

func TestEgress(t *testing.T) {
	entry := func(name, ns, labels, export string) string {
		return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: " + name + ", namespace: " + ns + ", labels: {" + labels + "}}\n" +
			"spec: {hosts: [" + name + ".example.com], exportTo: [" + export + "], ports: [{number: 443, name: https, protocol: TLS}]}\n"
	}
	jobsPods := `apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: jobs}
spec: {template: {spec: {serviceAccountName: batch}}}
`
	cases := map[string]struct {
		reason string
		docs   []string
		want   map[string]bool
	}{
		"own-namespace": {
			reason: "exportTo \".\" makes the entry visible in its namespace only",
			docs:   []string{jobsPods, entry("stripe", "shop", "", "\".\"")},
			want:   map[string]bool{"td.test/ns/shop/sa/api|stripe.example.com|443": true},
		},
		"exported": {
			reason: "exportTo names the namespaces that see the entry; pods outside the mesh have no identity",
			docs:   []string{jobsPods, entry("stripe", "shop", "", "\".\", jobs")},
			want: map[string]bool{"td.test/ns/shop/sa/api|stripe.example.com|443": true,
				"td.test/ns/jobs/sa/batch|stripe.example.com|443": true},
		},
		"waypoint": {
			reason: "an entry on a waypoint allows only what the waypoint's policies admit",
			docs: []string{jobsPods, waypoint, entry("stripe", "shop", "istio.io/use-waypoint: shop-waypoint", "\"*\""),
				policy("shop", "stripe", "  targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: stripe}]\n  rules: [{from: [{source: {principals: [td.test/ns/jobs/sa/batch]}}]}]\n")},
			want: map[string]bool{"td.test/ns/jobs/sa/batch|stripe.example.com|443": true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, load(t, tc.docs...).Egress()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
