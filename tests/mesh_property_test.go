// Mesh soundness property: for random service graphs, the traffic the
// emitted Istio objects allow is exactly the traffic both sides agreed to.
//
// Two independent computations meet at the end:
//
//   - want: the bilateral agreements, computed from the generator's own
//     model of what each spec declares (not from pkg/graph);
//   - got: an evaluator of Istio ambient semantics that reads only the
//     rendered output — AuthorizationPolicies, plus what decides where they
//     apply: Namespace enrollment labels, Deployments (pod labels and
//     ServiceAccount = identity), Services (ports, istio.io/use-waypoint),
//     waypoint Gateways and ServiceEntries.
//
// Every (caller identity, callee, port, method, path) and every
// (caller identity, external host, port) is evaluated; the sets must be
// equal: nothing over-permitted, nothing missing.
package tests

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

const (
	propTrustDomain = "mesh.test"
	propGateway     = propTrustDomain + "/ns/edge/sa/edge-proxy"
	propIntruder    = propTrustDomain + "/ns/intruder/sa/intruder"
	propRoot        = "istio-system"
)

var (
	propMethods   = []string{"GET", "POST", "DELETE", "PUT"}
	propPaths     = []string{"/", "/api", "/api/v1", "/admin", "/admin/x", "/data.json", "/charge", "/other"}
	rulePaths     = []string{"/", "/api/*", "/admin", "*.json", "/charge"}
	ruleMethods   = []string{"GET", "POST", "DELETE"}
	externalHosts = []string{"https://api.stripe.com", "https://*.s3.amazonaws.com", "tcp://10.1.0.5:5432", "http://plain.example.com:8080", "tcp://db.example.com:5432"}
)

// ---- the model: what each spec declares ----

type mPort struct {
	name         string
	port, target int
}

type mRule struct{ methods, paths []string }

type mService struct {
	ns, name string
	ports    []mPort
	ingress  bool
	// ingressPort is the port the ingress path names (several ports).
	ingressPort int
	// outbound[peer] = resource keys; inbound[peer] = declarations (nil
	// slice entry = unrestricted); wildcard = declarations of "*".
	outbound map[string][]string
	inbound  map[string][][]mRule
	wildcard [][]mRule
	hasWild  bool
	external []string
	// res is the rendered resources map.
	res map[string]any
}

func (s *mService) ref() string { return s.ns + "/" + s.name }

type mGraph struct {
	services   []*mService
	byRef      map[string]*mService
	namespaces []string
}

func genGraph(rng *rand.Rand, n int) *mGraph {
	g := &mGraph{byRef: map[string]*mService{}}
	nsCount := 4 + rng.IntN(3)
	for i := range nsCount {
		g.namespaces = append(g.namespaces, fmt.Sprintf("team-%d", i))
	}
	for i := range n {
		s := &mService{ns: g.namespaces[rng.IntN(nsCount)], name: fmt.Sprintf("svc-%d", i),
			outbound: map[string][]string{}, inbound: map[string][][]mRule{}, res: map[string]any{}}
		if rng.IntN(10) < 7 {
			s.ports = append(s.ports, mPort{"http", 80, 8080 + rng.IntN(3)})
			if rng.IntN(3) == 0 {
				s.ports = append(s.ports, mPort{"grpc", 9090, 9090})
			}
			s.ingress = rng.IntN(6) == 0
			s.ingressPort = rng.IntN(len(s.ports))
			if rng.IntN(12) == 0 {
				s.hasWild = true
				s.wildcard = append(s.wildcard, genRules(rng, 3))
			}
		}
		if rng.IntN(8) == 0 {
			for range 1 + rng.IntN(2) {
				s.external = append(s.external, externalHosts[rng.IntN(len(externalHosts))])
			}
			slices.Sort(s.external)
			s.external = slices.Compact(s.external)
		}
		g.services = append(g.services, s)
		g.byRef[s.ref()] = s
	}
	for _, c := range g.services {
		for range rng.IntN(7) {
			callee := g.services[rng.IntN(len(g.services))]
			if callee == c && rng.IntN(4) != 0 {
				continue
			}
			switch r := rng.IntN(20); {
			case r < 3: // one-sided outbound
				c.outbound[callee.ref()] = append(c.outbound[callee.ref()], "")
			case r < 5: // one-sided inbound
				callee.inbound[c.ref()] = append(callee.inbound[c.ref()], genRules(rng, 0))
			case r < 6: // outbound to a wildcard callee, or one-sided
				c.outbound[callee.ref()] = append(c.outbound[callee.ref()], "")
			default: // bilateral, maybe restricted, maybe declared twice
				c.outbound[callee.ref()] = append(c.outbound[callee.ref()], "")
				restrict := 0
				if len(callee.ports) > 0 {
					restrict = 3
				}
				callee.inbound[c.ref()] = append(callee.inbound[c.ref()], genRules(rng, restrict))
				if rng.IntN(10) == 0 {
					c.outbound[callee.ref()] = append(c.outbound[callee.ref()], "")
					callee.inbound[c.ref()] = append(callee.inbound[c.ref()], genRules(rng, restrict))
				}
			}
		}
		if rng.IntN(15) == 0 {
			c.outbound["ghost/missing-"+c.name] = []string{""}
		}
	}
	for _, s := range g.services {
		s.render(rng)
	}
	return g
}

// genRules returns nil (unrestricted) or 1-2 rules, restricted with
// probability 1/weight (never when weight is 0).
func genRules(rng *rand.Rand, weight int) []mRule {
	if weight == 0 || rng.IntN(weight) != 0 {
		return nil
	}
	var rules []mRule
	for range 1 + rng.IntN(2) {
		var r mRule
		if rng.IntN(3) != 0 {
			r.methods = pick(rng, ruleMethods)
		}
		if len(r.methods) == 0 || rng.IntN(2) == 0 {
			r.paths = pick(rng, rulePaths)
		}
		rules = append(rules, r)
	}
	return rules
}

func pick(rng *rand.Rand, from []string) []string {
	var out []string
	for _, v := range from {
		if rng.IntN(3) == 0 {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = []string{from[rng.IntN(len(from))]}
	}
	return out
}

// render turns the declarations into resources, varying the spelling: a
// resource per direction or one "both", keys by name or by id override.
func (s *mService) render(rng *rand.Rand) {
	n := 0
	key := func(peerNS, peer string) (string, map[string]any) {
		n++
		r := map[string]any{"type": "service"}
		if peerNS != s.ns {
			r["namespace"] = peerNS
		}
		if rng.IntN(3) == 0 {
			r["id"] = peer
			return fmt.Sprintf("dep-%d", n), r
		}
		k := peer
		if _, taken := s.res[k]; taken {
			r["id"] = peer
			k = fmt.Sprintf("dep-%d", n)
		}
		return k, r
	}
	peers := slices.Sorted(maps.Keys(s.outbound))
	for p := range s.inbound {
		if _, ok := s.outbound[p]; !ok {
			peers = append(peers, p)
		}
	}
	slices.Sort(peers)
	for _, p := range peers {
		peerNS, peer, _ := strings.Cut(p, "/")
		outs, ins := s.outbound[p], s.inbound[p]
		for i := range max(len(outs), len(ins)) {
			k, r := key(peerNS, peer)
			switch {
			case i < len(outs) && i < len(ins) && rng.IntN(2) == 0:
				r["direction"] = "both"
				setRules(r, ins[i])
			case i < len(outs):
				r["direction"] = "outbound"
				if i < len(ins) {
					s.res[k] = r
					k, r = key(peerNS, peer)
					r["direction"] = "inbound"
					setRules(r, ins[i])
				}
			default:
				r["direction"] = "inbound"
				setRules(r, ins[i])
			}
			s.res[k] = r
		}
	}
	for i, rules := range s.wildcard {
		r := map[string]any{"type": "service", "direction": "inbound", "id": "*"}
		setRules(r, rules)
		s.res[fmt.Sprintf("anyone-%d", i)] = r
	}
	if len(s.external) > 0 {
		eps := map[string]any{}
		for i, e := range s.external {
			eps[fmt.Sprintf("e%d", i)] = e
		}
		s.res["ext"] = map[string]any{"type": "external-service", "params": map[string]any{"endpoints": eps}}
	}
}

func setRules(r map[string]any, rules []mRule) {
	if rules == nil {
		return
	}
	var out []any
	for _, rule := range rules {
		m := map[string]any{}
		if len(rule.methods) > 0 {
			m["methods"] = rule.methods
		}
		if len(rule.paths) > 0 {
			m["paths"] = rule.paths
		}
		out = append(out, m)
	}
	r["rules"] = out
}

func (g *mGraph) yaml(t testing.TB) []byte {
	var docs []any
	docs = append(docs, map[string]any{
		"apiVersion": "lattice.dev/v1alpha1", "kind": "Platform", "metadata": map[string]any{"name": "platform"},
		"spec": map[string]any{
			"cluster": map[string]any{"trustDomain": propTrustDomain},
			"gateway": map[string]any{"name": "edge-gw", "namespace": "edge", "serviceAccount": "edge-proxy"},
			"mesh":    map[string]any{"baseline": true, "manageNamespaces": true},
		},
	})
	// Some namespaces are in the input (labelled or not), the rest are
	// emitted: every enrollment path is exercised.
	for i, ns := range g.namespaces {
		md := map[string]any{"name": ns}
		switch i % 3 {
		case 0:
			continue
		case 1:
			md["labels"] = map[string]any{"istio.io/dataplane-mode": "ambient"}
		}
		docs = append(docs, map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": md})
	}
	for _, s := range g.services {
		doc, spec := serviceDoc(s.name, s.ns, s.ports, s.res)
		if s.ingress {
			in := map[string]any{"hostname": s.name + "." + s.ns + ".example.com"}
			if len(s.ports) > 1 {
				in["paths"] = []any{map[string]any{"path": "/", "port": s.ports[s.ingressPort].name}}
			}
			spec["ingress"] = in
		}
		docs = append(docs, doc)
	}
	return yamlStream(t, docs)
}

// serviceDoc is a generated LatticeService; spec is its spec, for the
// caller to add to.
func serviceDoc(name, ns string, ports []mPort, res map[string]any) (doc, spec map[string]any) {
	w := map[string]any{"containers": map[string]any{"main": map[string]any{
		"image":     "registry.example.com/app@sha256:" + strings.Repeat("0", 64),
		"resources": map[string]any{"limits": map[string]any{"cpu": "100m", "memory": "64Mi"}},
	}}}
	if len(ports) > 0 {
		ps := map[string]any{}
		for _, p := range ports {
			ps[p.name] = map[string]any{"port": p.port, "targetPort": p.target}
		}
		w["service"] = map[string]any{"ports": ps}
	}
	if len(res) > 0 {
		w["resources"] = res
	}
	spec = map[string]any{"workload": w}
	return map[string]any{"apiVersion": "lattice.dev/v1alpha1", "kind": "LatticeService",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}, spec
}

// yamlStream writes docs as one YAML stream.
func yamlStream(t testing.TB, docs []any) []byte {
	var buf bytes.Buffer
	for i, d := range docs {
		b, err := sigsyaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes()
}

// admits reports whether a caller's declarations on a callee (nil rules:
// every request) admit a request.
func admits(decls [][]mRule, method, path string) bool {
	ok := slices.ContainsFunc(decls, func(r []mRule) bool { return r == nil })
	for _, rules := range decls {
		for _, r := range rules {
			ok = ok || (len(r.methods) == 0 || slices.Contains(r.methods, method)) &&
				(len(r.paths) == 0 || slices.ContainsFunc(r.paths, func(rp string) bool { return specPathMatch(rp, path) }))
		}
	}
	return ok
}

// want computes the agreements from the model. A caller's outbound
// declaration plus the callee's named inbound declarations (or, without
// one, its wildcard) make an edge; declarations of one caller add up.
func (g *mGraph) want() (inbound, egress map[string]bool) {
	inbound, egress = map[string]bool{}, map[string]bool{}
	principal := func(s *mService) string { return propTrustDomain + "/ns/" + s.ns + "/sa/" + s.name }
	allow := func(caller string, s *mService, ports []string, decls [][]mRule) {
		for _, port := range ports {
			for _, m := range propMethods {
				for _, p := range propPaths {
					if admits(decls, m, p) {
						inbound[strings.Join([]string{caller, s.ref(), port, m, p}, "|")] = true
					}
				}
			}
		}
	}
	for _, s := range g.services {
		var ports []string
		for _, p := range s.ports {
			ports = append(ports, strconv.Itoa(p.target))
		}
		if len(ports) == 0 {
			continue
		}
		for _, c := range g.services {
			if _, declares := c.outbound[s.ref()]; !declares {
				continue
			}
			decls, named := s.inbound[c.ref()]
			if !named {
				if !s.hasWild {
					continue
				}
				decls = s.wildcard
			}
			allow(principal(c), s, ports, decls)
		}
		if s.ingress {
			// The gateway routes to the ingress port: the only port, or the
			// one the generated path names.
			allow(propGateway, s, ingressTargets(s), [][]mRule{nil})
		}
	}
	for _, s := range g.services {
		for _, e := range s.external {
			host, port := endpointHostPort(e)
			egress[strings.Join([]string{principal(s), host, port}, "|")] = true
		}
	}
	return inbound, egress
}

// ingressTargets is the target port the gateway routes to: the only port,
// or the one the ingress path names.
func ingressTargets(s *mService) []string {
	return []string{strconv.Itoa(s.ports[s.ingressPort].target)}
}

// specPathMatch is the LatticeService rule semantics: exact, "/prefix*"
// or "*suffix".
func specPathMatch(rule, path string) bool {
	switch {
	case strings.HasSuffix(rule, "*"):
		return strings.HasPrefix(path, strings.TrimSuffix(rule, "*"))
	case strings.HasPrefix(rule, "*"):
		return strings.HasSuffix(path, strings.TrimPrefix(rule, "*"))
	}
	return rule == path
}

func endpointHostPort(e string) (string, string) {
	scheme, rest, _ := strings.Cut(e, "://")
	host, port, ok := strings.Cut(rest, ":")
	if !ok {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return host, port
}

// ---- the evaluator: Istio ambient semantics over the rendered objects ----

type obj = map[string]any

func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(obj)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func str(o any, path ...string) string { s, _ := get(o, path...).(string); return s }
func list(o any, path ...string) []any { l, _ := get(o, path...).([]any); return l }
func strs(o any, path ...string) []string {
	var out []string
	for _, v := range list(o, path...) {
		out = append(out, fmt.Sprint(v))
	}
	return out
}
func labels(o any, path ...string) map[string]string {
	out := map[string]string{}
	if m, ok := get(o, path...).(obj); ok {
		for k, v := range m {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

type cluster struct {
	// td is the cluster's trust domain; gateway its platform gateway's
	// identity; extra are callers from other clusters (fleet tests).
	td, gateway string
	extra       []string
	enrolled    map[string]bool
	workloads   []workload
	services    []service
	waypoints   map[string]map[string]string // ns/name -> pod labels
	policies    []*policy
	entries     []obj
}

type workload struct {
	ns, name, sa string
	labels       map[string]string
	ports        []string
}

type service struct {
	ns, name string
	labels   map[string]string
	selector map[string]string
	ports    map[string]string // target port -> service port
}

// policy is an AuthorizationPolicy read once from the output. Fields the
// evaluator does not model make a rule fail closed (unknown).
type policy struct {
	name, ns   string
	action     string
	selector   map[string]string // nil: no selector
	targetRefs []targetRef
	hasRules   bool
	rules      []prule
}

type targetRef struct{ group, kind, name string }

type prule struct {
	from    []psource // nil: any source
	to      []poperation
	unknown bool
}

type psource struct {
	principals, namespaces []string
	hasPrincipals, hasNS   bool
	unknown                bool
}

type poperation struct {
	ports, methods, paths          []string
	hasPorts, hasMethods, hasPaths bool
	unknown                        bool
}

func parsePolicy(o obj) *policy {
	p := &policy{name: str(o, "metadata", "name"), ns: str(o, "metadata", "namespace"), action: str(o, "spec", "action")}
	if sel := get(o, "spec", "selector"); sel != nil {
		p.selector = labels(sel, "matchLabels")
	}
	for _, r := range list(o, "spec", "targetRefs") {
		p.targetRefs = append(p.targetRefs, targetRef{str(r, "group"), str(r, "kind"), str(r, "name")})
	}
	if get(o, "spec", "targetRef") != nil {
		p.targetRefs = append(p.targetRefs, targetRef{kind: "unsupported"})
	}
	for _, r := range list(o, "spec", "rules") {
		pr := prule{unknown: len(list(r, "when")) > 0}
		for _, f := range list(r, "from") {
			var src psource
			for k := range get(f, "source").(obj) {
				switch k {
				case "principals":
					src.principals, src.hasPrincipals = strs(f, "source", k), true
				case "namespaces":
					src.namespaces, src.hasNS = strs(f, "source", k), true
				default:
					src.unknown = true
				}
			}
			pr.from = append(pr.from, src)
		}
		for _, t := range list(r, "to") {
			var op poperation
			for k := range get(t, "operation").(obj) {
				switch k {
				case "ports":
					op.ports, op.hasPorts = strs(t, "operation", k), true
				case "methods":
					op.methods, op.hasMethods = strs(t, "operation", k), true
				case "paths":
					op.paths, op.hasPaths = strs(t, "operation", k), true
				default:
					op.unknown = true
				}
			}
			pr.to = append(pr.to, op)
		}
		p.rules = append(p.rules, pr)
	}
	p.hasRules = len(p.rules) > 0
	return p
}

func parseCluster(t testing.TB, out []byte) *cluster {
	c := &cluster{td: propTrustDomain, gateway: propGateway, enrolled: map[string]bool{}, waypoints: map[string]map[string]string{}}
	for _, doc := range bytes.Split(out, []byte("\n---\n")) {
		var o obj
		if err := sigsyaml.Unmarshal(doc, &o); err != nil {
			t.Fatal(err)
		}
		ns := str(o, "metadata", "namespace")
		switch str(o, "kind") {
		case "Namespace":
			c.enrolled[str(o, "metadata", "name")] = labels(o, "metadata", "labels")["istio.io/dataplane-mode"] == "ambient"
		case "Deployment":
			w := workload{ns: ns, name: str(o, "metadata", "name"), sa: str(o, "spec", "template", "spec", "serviceAccountName"),
				labels: labels(o, "spec", "template", "metadata", "labels")}
			for _, ctr := range list(o, "spec", "template", "spec", "containers") {
				for _, p := range list(ctr, "ports") {
					w.ports = append(w.ports, fmt.Sprint(get(p, "containerPort")))
				}
			}
			c.workloads = append(c.workloads, w)
		case "Service":
			s := service{ns: ns, name: str(o, "metadata", "name"), labels: labels(o, "metadata", "labels"), selector: labels(o, "spec", "selector"), ports: map[string]string{}}
			for _, p := range list(o, "spec", "ports") {
				s.ports[fmt.Sprint(get(p, "targetPort"))] = fmt.Sprint(get(p, "port"))
			}
			c.services = append(c.services, s)
		case "Gateway":
			if str(o, "spec", "gatewayClassName") == "istio-waypoint" {
				l := labels(o, "metadata", "labels")
				l["gateway.networking.k8s.io/gateway-name"] = str(o, "metadata", "name")
				c.waypoints[ns+"/"+str(o, "metadata", "name")] = l
			}
		case "AuthorizationPolicy":
			c.policies = append(c.policies, parsePolicy(o))
		case "ServiceEntry":
			c.entries = append(c.entries, o)
		}
	}
	return c
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// istioMatch is Istio's string match: exact, "prefix*", "*suffix" or "*".
func istioMatch(pattern, v string) bool {
	switch {
	case pattern == "*":
		return v != ""
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(v, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(v, strings.TrimPrefix(pattern, "*"))
	}
	return pattern == v
}

func anyMatch(patterns []string, v string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return istioMatch(p, v) })
}

type request struct {
	principal, port, method, path string
	l7                            bool // evaluated by a waypoint, which reads HTTP
}

func (r prule) matches(q request) bool {
	if r.unknown {
		return false
	}
	fromOK := len(r.from) == 0
	for _, src := range r.from {
		_, rest, _ := strings.Cut(q.principal, "/ns/")
		ns, _, _ := strings.Cut(rest, "/")
		fromOK = fromOK || !src.unknown &&
			(!src.hasPrincipals || anyMatch(src.principals, q.principal)) &&
			(!src.hasNS || q.principal != "" && anyMatch(src.namespaces, ns))
	}
	if !fromOK {
		return false
	}
	toOK := len(r.to) == 0
	for _, op := range r.to {
		// ztunnel cannot read methods or paths: such ALLOW rules never match.
		toOK = toOK || !op.unknown &&
			(!op.hasPorts || slices.Contains(op.ports, q.port)) &&
			(!op.hasMethods || q.l7 && slices.Contains(op.methods, q.method)) &&
			(!op.hasPaths || q.l7 && anyMatch(op.paths, q.path))
	}
	return toOK
}

// decide applies ALLOW semantics: no applicable policy allows everything,
// otherwise some rule of some policy must match.
func decide(t testing.TB, policies []*policy, q request) bool {
	if len(policies) == 0 {
		return true
	}
	for _, p := range policies {
		if p.action != "" && p.action != "ALLOW" {
			t.Fatalf("unexpected action %s in %s", p.action, p.name)
		}
		for _, r := range p.rules {
			if r.matches(q) {
				return true
			}
		}
	}
	return false
}

// ztunnelPolicies are the policies ztunnel applies to a pod: root-namespace
// and own-namespace policies without targetRefs whose selector (if any)
// matches.
func (c *cluster) ztunnelPolicies(ns string, podLabels map[string]string) []*policy {
	var out []*policy
	for _, p := range c.policies {
		if (p.ns != ns && p.ns != propRoot) || len(p.targetRefs) > 0 {
			continue
		}
		if p.selector != nil && !selects(p.selector, podLabels) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// waypointPolicies are the policies a waypoint applies to traffic for the
// target (kind Service or ServiceEntry, name) in ns.
func (c *cluster) waypointPolicies(ns, kind, group, name, waypoint string) []*policy {
	var out []*policy
	for _, p := range c.policies {
		for _, ref := range p.targetRefs {
			if p.ns == ns && ref.kind == kind && (ref.group == group || (kind == "Service" && ref.group == "core")) && ref.name == name ||
				p.ns == ns && ref.kind == "Gateway" && ref.name == waypoint ||
				p.ns == propRoot && ref.kind == "GatewayClass" && ref.name == "istio-waypoint" {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// reaches reports whether ztunnel in front of waypoint ns/name admits
// caller's HBONE (multi-cluster: the caller cluster's waypoint).
func (c *cluster) reaches(t testing.TB, ns, name, caller string) bool {
	l, ok := c.waypoints[ns+"/"+name]
	return ok && c.enrolled[ns] && decide(t, c.ztunnelPolicies(ns, l), request{principal: caller, port: "15008"})
}

// podAdmits reports whether ztunnel admits principal straight to w's port.
func (c *cluster) podAdmits(t testing.TB, w workload, principal, port string) bool {
	return c.enrolled[w.ns] && decide(t, c.ztunnelPolicies(w.ns, w.labels), request{principal: principal, port: port})
}

func (c *cluster) identity(w workload) string {
	if !c.enrolled[w.ns] {
		return "" // outside the mesh: no identity
	}
	return c.td + "/ns/" + w.ns + "/sa/" + w.sa
}

// allowed computes every allowed inbound request and egress connection.
func (c *cluster) allowed(t testing.TB) (inbound, egress map[string]bool) {
	inbound, egress = map[string]bool{}, map[string]bool{}
	callers := append([]string{c.gateway, c.td + "/ns/intruder/sa/intruder", ""}, c.extra...)
	for _, w := range c.workloads {
		callers = append(callers, c.identity(w))
	}
	slices.Sort(callers)
	callers = slices.Compact(callers)
	// A caller reaches a waypoint if ztunnel in front of it admits HBONE.
	reach := map[string]bool{}
	toWaypoint := func(ns, name, caller string) bool {
		k := ns + "/" + name + "|" + caller
		if v, ok := reach[k]; ok {
			return v
		}
		l, ok := c.waypoints[ns+"/"+name]
		v := ok && c.enrolled[ns] && decide(t, c.ztunnelPolicies(ns, l), request{principal: caller, port: "15008"})
		reach[k] = v
		return v
	}
	add := func(caller string, w workload, port, m, p string) {
		inbound[strings.Join([]string{caller, w.ns + "/" + w.name, port, m, p}, "|")] = true
	}
	for _, w := range c.workloads {
		if !c.enrolled[w.ns] {
			t.Errorf("namespace %s of %s/%s is not enrolled: its pods are unprotected", w.ns, w.ns, w.name)
			continue
		}
		ports := append(slices.Clone(w.ports), "1") // plus a port nobody declared
		pod := c.ztunnelPolicies(w.ns, w.labels)
		type front struct {
			service
			waypoint string
			l7       []*policy
		}
		var fronts []front
		for _, s := range c.services {
			if wp := s.labels["istio.io/use-waypoint"]; s.ns == w.ns && len(s.selector) > 0 && selects(s.selector, w.labels) && wp != "" {
				fronts = append(fronts, front{s, wp, c.waypointPolicies(s.ns, "Service", "", s.name, wp)})
			}
		}
		for _, caller := range callers {
			for _, port := range ports {
				if decide(t, pod, request{principal: caller, port: port}) {
					// ztunnel admits the caller straight to the pod: any request.
					for _, m := range propMethods {
						for _, p := range propPaths {
							add(caller, w, port, m, p)
						}
					}
					continue
				}
				// Otherwise only through a Service routed to a waypoint.
				for _, f := range fronts {
					sport, ok := f.ports[port]
					if !ok || !toWaypoint(f.ns, f.waypoint, caller) ||
						!decide(t, pod, request{principal: c.td + "/ns/" + f.ns + "/sa/" + f.waypoint, port: port}) {
						continue
					}
					for _, m := range propMethods {
						for _, p := range propPaths {
							if decide(t, f.l7, request{principal: caller, port: sport, method: m, path: p, l7: true}) {
								add(caller, w, port, m, p)
							}
						}
					}
				}
			}
		}
	}
	// Egress: a caller's traffic to a host goes through the ServiceEntries
	// visible in its namespace.
	for _, se := range c.entries {
		sens, name := str(se, "metadata", "namespace"), str(se, "metadata", "name")
		export := strs(se, "spec", "exportTo")
		hosts := strs(se, "spec", "addresses")
		if len(hosts) == 0 {
			hosts = strs(se, "spec", "hosts")
		}
		wp := labels(se, "metadata", "labels")["istio.io/use-waypoint"]
		var pols []*policy
		if wp != "" {
			pols = c.waypointPolicies(sens, "ServiceEntry", "networking.istio.io", name, wp)
		}
		var ports []string
		for _, p := range list(se, "spec", "ports") {
			ports = append(ports, fmt.Sprint(get(p, "number")))
		}
		for _, w := range c.workloads {
			caller := c.identity(w)
			if caller == "" || sens != w.ns && len(export) > 0 && !slices.Contains(export, "*") && !slices.Contains(export, w.ns) {
				continue // exported elsewhere only ("." is its own namespace)
			}
			for _, port := range append(ports, "1") {
				if !slices.Contains(ports, port) {
					continue // the entry does not cover the port
				}
				ok := true // not mediated by a waypoint: nothing checks it
				if wp != "" {
					ok = toWaypoint(sens, wp, caller) && decide(t, pols, request{principal: caller, port: port, l7: true, method: "GET", path: "/"})
				}
				if ok {
					for _, host := range hosts {
						egress[strings.Join([]string{caller, host, port}, "|")] = true
					}
				}
			}
		}
	}
	return inbound, egress
}

// ---- the property ----

func TestMeshSoundness(t *testing.T) {
	seeds := 50
	if testing.Short() {
		seeds = 8
	}
	if s := os.Getenv("MESH_SEEDS"); s != "" {
		seeds, _ = strconv.Atoi(s)
	}
	largest := 0
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x1a77))
		g := genGraph(rng, 200+rng.IntN(60))
		largest = max(largest, len(g.services))
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			out, results, failed := renderStream(t, g.yaml(t), "input.yaml")
			if failed {
				t.Fatalf("render failed:\n%s", results)
			}
			c := parseCluster(t, out)
			checkPrincipals(t, c)
			wantIn, wantEg := g.want()
			gotIn, gotEg := c.allowed(t)
			diff(t, "inbound", gotIn, wantIn)
			diff(t, "egress", gotEg, wantEg)
			t.Logf("%d services in %d namespaces: %d allowed requests, %d egress grants, %d AuthorizationPolicies",
				len(g.services), len(g.namespaces), len(wantIn), len(wantEg), len(c.policies))
		})
	}
	t.Logf("%d graphs, largest %d services", seeds, largest)
}

// checkPrincipals: every principal the render emits is an exact identity
// of the trust domain; a pattern would widen a policy beyond its edges.
func checkPrincipals(t testing.TB, c *cluster) {
	for _, p := range c.policies {
		for _, rule := range p.rules {
			for _, src := range rule.from {
				for _, pr := range src.principals {
					parts := strings.Split(pr, "/")
					if strings.Contains(pr, "*") || len(parts) != 5 || parts[0] != propTrustDomain || parts[1] != "ns" || parts[3] != "sa" {
						t.Errorf("%s admits %q, not an exact principal", p.name, pr)
					}
				}
				if src.hasNS || src.unknown {
					t.Errorf("%s admits sources by more than principal", p.name)
				}
			}
		}
	}
}

func diff(t testing.TB, what string, got, want map[string]bool) {
	var over, missing []string
	for k := range got {
		if !want[k] {
			over = append(over, k)
		}
	}
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(over)
	slices.Sort(missing)
	if len(over) > 0 {
		t.Errorf("%d %s requests over-permitted, e.g. %q", len(over), what, over[:min(5, len(over))])
	}
	if len(missing) > 0 {
		t.Errorf("%d %s requests missing, e.g. %q", len(missing), what, missing[:min(5, len(missing))])
	}
}
