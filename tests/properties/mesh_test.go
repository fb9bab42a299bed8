// Mesh soundness property: for random service graphs, the traffic the
// emitted Istio objects allow is exactly the traffic both sides agreed to.
//
// Two independent computations meet at the end:
//
//   - want: the bilateral agreements, computed from the generator's own
//     model of what each spec declares (not from pkg/graph);
//   - got: tests/istiosem, an evaluator of Istio ambient semantics that
//     reads only the rendered output — AuthorizationPolicies, plus what
//     decides where they apply: Namespace enrollment labels, Deployments
//     (pod labels and ServiceAccount = identity), Services (ports,
//     istio.io/use-waypoint), waypoint Gateways and ServiceEntries.
//
// Every (caller identity, callee, port, method, path) and every
// (caller identity, external host, port) is evaluated; the sets must be
// equal: nothing over-permitted, nothing missing.
//
// Package properties holds the tests of what holds for every input rather
// than for one case: mesh and fleet soundness on random service graphs,
// hostile inputs, a failed render returning its input.
package properties

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
	"github.com/lattice-dev/lattice/tests/istiosem"
)

const (
	propTrustDomain = "mesh.test"
	propGateway     = propTrustDomain + "/ns/edge/sa/edge-proxy"
	propIntruder    = propTrustDomain + "/ns/intruder/sa/intruder"
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
	return harness.YAMLStream(t, docs)
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

// ---- the property ----

func TestMeshSoundness(t *testing.T) {
	seeds := seedCount(50, 8, "MESH_SEEDS")
	largest := 0
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x1a77))
		g := genGraph(rng, 200+rng.IntN(60))
		largest = max(largest, len(g.services))
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			out, results, failed := harness.RenderStream(t, g.yaml(t), "input.yaml")
			if failed {
				t.Fatalf("render failed:\n%s", results)
			}
			m := istiosem.New(propTrustDomain)
			if err := m.Load(out); err != nil {
				t.Fatal(err)
			}
			checkPolicies(t, m)
			checkEnrolled(t, m)
			wantIn, wantEg := g.want()
			gotIn := m.Inbound(callers(m, propGateway, propIntruder, ""), propMethods, propPaths)
			diff(t, "inbound", gotIn, wantIn)
			diff(t, "egress", m.Egress(), wantEg)
			t.Logf("%d services in %d namespaces: %d allowed requests, %d egress grants, %d AuthorizationPolicies",
				len(g.services), len(g.namespaces), len(wantIn), len(wantEg), len(m.Policies()))
		})
	}
	t.Logf("%d graphs, largest %d services", seeds, largest)
}

// callers are the identities to try: every workload's, plus extra (the
// gateway, an intruder, and "" for a caller outside the mesh).
func callers(m *istiosem.Mesh, extra ...string) []string {
	out := slices.Clone(extra)
	for _, w := range m.Workloads() {
		out = append(out, m.Identity(w))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkPolicies: lattice emits only ALLOW policies, and every principal
// they name is an exact identity of the trust domain; a pattern would
// widen a policy beyond its edges.
func checkPolicies(t testing.TB, m *istiosem.Mesh) {
	for _, p := range m.Policies() {
		if p.Action != "" && p.Action != "ALLOW" {
			t.Errorf("%s/%s: unexpected action %s", p.Namespace, p.Name, p.Action)
		}
		for _, rule := range p.Rules {
			for _, src := range rule.From {
				for _, pr := range src.Principals {
					parts := strings.Split(pr, "/")
					if strings.Contains(pr, "*") || len(parts) != 5 || parts[0] != m.TrustDomain || parts[1] != "ns" || parts[3] != "sa" {
						t.Errorf("%s admits %q, not an exact principal", p.Name, pr)
					}
				}
				if src.HasNamespaces || src.Unknown {
					t.Errorf("%s admits sources by more than principal", p.Name)
				}
			}
		}
	}
}

// checkEnrolled: every workload's namespace is in the mesh; a pod outside
// it would be unprotected.
func checkEnrolled(t testing.TB, m *istiosem.Mesh) {
	for _, w := range m.Workloads() {
		if !m.Enrolled(w.Namespace) {
			t.Errorf("namespace %s of %s is not enrolled: its pods are unprotected", w.Namespace, w.Ref())
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
