// Package istiosem evaluates Istio ambient-mode authorization over rendered
// Kubernetes objects: may this caller identity send this request to this
// workload? The property tests (tests/properties) use it as the judge of
// lattice's output, independent of how lattice computed it: it reads only
// the objects and knows nothing about LatticeServices.
//
// Load the objects (Load or Add), then ask Allowed for one request, or
// Inbound and Egress for every request of a set; CrossInbound judges calls
// between two clusters of a multi-network mesh (multinetwork.go). The
// semantics modelled (and pinned by istiosem_test.go and
// multinetwork_test.go):
//
//   - Enrollment: a pod is in the mesh when its Namespace has the label
//     istio.io/dataplane-mode=ambient. Its identity is
//     <trust domain>/ns/<namespace>/sa/<serviceAccountName>; a pod outside
//     the mesh has none ("") and nothing enforces policy in front of it.
//   - ztunnel enforces, on the destination pod, the AuthorizationPolicies
//     of the pod's namespace and of the root namespace that have no
//     targetRefs and whose selector (if any) matches the pod's labels. It
//     sees only L4: the peer identity and the destination (container)
//     port.
//   - A waypoint enforces the policies attached to it by targetRefs: the
//     Service or ServiceEntry (same namespace), the waypoint Gateway
//     itself, or GatewayClass istio-waypoint (root namespace). Traffic
//     reaches it through a Service labelled istio.io/use-waypoint, or a
//     ServiceEntry so labelled; the caller must first pass the waypoint
//     pod's own ztunnel (HBONE, port 15008), and the waypoint, with its
//     own identity (service account = Gateway name), must pass the
//     destination pod's ztunnel. The waypoint sees HTTP: methods, paths,
//     and the Service port.
//   - A pod is reachable by every route at once: straight to the pod IP
//     (ztunnel only) and through each waypoint in front of it. A request
//     is allowed if some route allows it.
//   - Evaluation order at each enforcement point: CUSTOM is not modelled
//     (a CUSTOM policy that matches denies: fail closed); any matching DENY
//     rule denies; then, if ALLOW policies apply, one of their rules must
//     match; with none, the request is allowed. AUDIT has no effect.
//   - Where HTTP is not visible (ztunnel, or a plain TCP request), an
//     ALLOW rule that names methods or paths never matches, and a DENY rule
//     that names them matches on its other fields alone (Istio drops what
//     it cannot enforce in the direction that denies more). Fields and
//     conditions the evaluator does not model (when, notPrincipals, hosts,
//     ...) are treated the same way: fail closed.
//   - String matching is Istio's: exact, "prefix*", "*suffix", or "*"
//     (any non-empty value). A namespaces source needs an identity.
//
// A Mesh is not safe for concurrent use.
package istiosem

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

// HBONEPort is the port ztunnel accepts mesh traffic on.
const HBONEPort = "15008"

// Mesh is one cluster's rendered objects as Istio ambient sees them.
type Mesh struct {
	// TrustDomain is the cluster's SPIFFE trust domain, e.g. cluster.local.
	TrustDomain string
	// RootNamespace is Istio's root namespace, whose policies without a
	// selector apply mesh-wide. New sets istio-system.
	RootNamespace string

	enrolled  map[string]bool
	workloads []Workload
	services  []Service
	waypoints map[string]map[string]string // ns/name -> pod labels
	policies  []*Policy
	entries   []obj
	reach     map[string]bool // ns/waypoint|caller -> passes its ztunnel
}

// New returns an empty mesh of the trust domain.
func New(trustDomain string) *Mesh {
	return &Mesh{TrustDomain: trustDomain, RootNamespace: "istio-system",
		enrolled: map[string]bool{}, waypoints: map[string]map[string]string{}}
}

// Workload is a Deployment's pods.
type Workload struct {
	Namespace, Name, ServiceAccount string
	Labels                          map[string]string // pod template labels
	Ports                           []string          // container ports
}

// Ref is namespace/name.
func (w Workload) Ref() string { return w.Namespace + "/" + w.Name }

// Policy is an AuthorizationPolicy as the evaluator reads it.
type Policy struct {
	Name, Namespace string
	Action          string            // "" means ALLOW
	Selector        map[string]string // nil: no selector
	TargetRefs      []TargetRef
	Rules           []Rule
}

// TargetRef is one entry of spec.targetRefs. The singular spec.targetRef
// is read as Kind "unsupported" (attached to nothing the evaluator knows).
type TargetRef struct{ Group, Kind, Name string }

// Rule is one entry of spec.rules. Unknown: it has a when condition.
type Rule struct {
	From    []Source // nil: any source
	To      []Operation
	Unknown bool
}

// Source is rules[].from[].source. Unknown: a field not modelled.
type Source struct {
	Principals, Namespaces       []string
	HasPrincipals, HasNamespaces bool
	Unknown                      bool
}

// Operation is rules[].to[].operation. Unknown: a field not modelled.
type Operation struct {
	Ports, Methods, Paths          []string
	HasPorts, HasMethods, HasPaths bool
	Unknown                        bool
}

// Request is what the caller sends. An empty Method is a plain TCP
// connection (no HTTP for a waypoint to read).
type Request struct{ Method, Path string }

// Service is a Kubernetes Service as the evaluator reads it.
type Service struct {
	Namespace, Name string
	Labels          map[string]string
	Selector        map[string]string // empty: a selector-less Service
	Ports           map[string]string // target port -> service port
}

// Waypoint is the istio.io/use-waypoint label, "" for none.
func (s Service) Waypoint() string { return s.Labels["istio.io/use-waypoint"] }

// Global reports the istio.io/global label: the Service is one service
// across the clusters of a multi-network mesh.
func (s Service) Global() bool { return s.Labels["istio.io/global"] == "true" }

// Load adds every object of a YAML stream ("---" separated).
func (m *Mesh) Load(stream []byte) error {
	for i, doc := range bytes.Split(stream, []byte("\n---\n")) {
		var o obj
		if err := sigsyaml.Unmarshal(doc, &o); err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		m.Add(o)
	}
	return nil
}

// Add adds one object (as decoded from YAML or JSON). Kinds that do not
// bear on authorization are ignored.
func (m *Mesh) Add(o map[string]any) {
	ns := str(o, "metadata", "namespace")
	switch str(o, "kind") {
	case "Namespace":
		m.enrolled[str(o, "metadata", "name")] = labels(o, "metadata", "labels")["istio.io/dataplane-mode"] == "ambient"
	case "Deployment":
		w := Workload{Namespace: ns, Name: str(o, "metadata", "name"), ServiceAccount: str(o, "spec", "template", "spec", "serviceAccountName"),
			Labels: labels(o, "spec", "template", "metadata", "labels")}
		for _, ctr := range list(o, "spec", "template", "spec", "containers") {
			for _, p := range list(ctr, "ports") {
				w.Ports = append(w.Ports, fmt.Sprint(get(p, "containerPort")))
			}
		}
		m.workloads = append(m.workloads, w)
	case "Service":
		s := Service{Namespace: ns, Name: str(o, "metadata", "name"), Labels: labels(o, "metadata", "labels"), Selector: labels(o, "spec", "selector"), Ports: map[string]string{}}
		for _, p := range list(o, "spec", "ports") {
			s.Ports[fmt.Sprint(get(p, "targetPort"))] = fmt.Sprint(get(p, "port"))
		}
		m.services = append(m.services, s)
	case "Gateway":
		if str(o, "spec", "gatewayClassName") == "istio-waypoint" {
			l := labels(o, "metadata", "labels")
			l["gateway.networking.k8s.io/gateway-name"] = str(o, "metadata", "name")
			m.waypoints[ns+"/"+str(o, "metadata", "name")] = l
		}
	case "AuthorizationPolicy":
		m.policies = append(m.policies, parsePolicy(o))
	case "ServiceEntry":
		m.entries = append(m.entries, o)
	}
	m.reach = nil
}

// Workloads are the Deployments loaded, in load order.
func (m *Mesh) Workloads() []Workload { return m.workloads }

// Services are the Services loaded, in load order.
func (m *Mesh) Services() []Service { return m.services }

// Policies are the AuthorizationPolicies loaded, in load order.
func (m *Mesh) Policies() []*Policy { return m.policies }

// Enrolled reports whether the namespace's pods are in the mesh.
func (m *Mesh) Enrolled(ns string) bool { return m.enrolled[ns] }

// Identity is the workload's SPIFFE identity without the spiffe://
// scheme, "" outside the mesh.
func (m *Mesh) Identity(w Workload) string {
	if !m.enrolled[w.Namespace] {
		return ""
	}
	return m.TrustDomain + "/ns/" + w.Namespace + "/sa/" + w.ServiceAccount
}

// Allowed reports whether caller (an identity as Identity spells it, ""
// for a caller outside the mesh) may send req to port (a container port)
// of the workload callee (namespace/name), and why.
func (m *Mesh) Allowed(caller, callee, port string, req Request) (bool, string) {
	i := slices.IndexFunc(m.workloads, func(w Workload) bool { return w.Ref() == callee })
	if i < 0 {
		return false, "no Deployment " + callee
	}
	w := m.workloads[i]
	if !m.enrolled[w.Namespace] {
		return true, "namespace " + w.Namespace + " is not in the mesh: nothing enforces policy"
	}
	d := m.dest(w)
	v := evaluate(d.pod, call{principal: caller, port: port})
	if v.allowed {
		return true, "ztunnel admits the caller straight to the pod: " + v.String()
	}
	why := []string{"ztunnel denies a direct connection: " + v.String()}
	for _, f := range d.fronts {
		sport, ok := f.Ports[port]
		if !ok {
			continue
		}
		route := "through waypoint " + f.Namespace + "/" + f.waypoint + " for Service " + f.Name
		if !m.toWaypoint(f.Namespace, f.waypoint, caller) {
			why = append(why, route+": the waypoint's ztunnel refuses the caller")
			continue
		}
		if v := evaluate(d.pod, call{principal: m.waypointIdentity(f.Namespace, f.waypoint), port: port}); !v.allowed {
			why = append(why, route+": the pod's ztunnel refuses the waypoint: "+v.String())
			continue
		}
		v := evaluate(f.l7, call{principal: caller, port: sport, method: req.Method, path: req.Path, l7: req.Method != ""})
		if v.allowed {
			return true, route + ": " + v.String()
		}
		why = append(why, route+": "+v.String())
	}
	return false, strings.Join(why, "; ")
}

// Inbound enumerates Allowed: every (caller, workload, port, method, path)
// it allows, as "caller|namespace/name|port|method|path" keys, for each
// caller given, each workload loaded, its container ports plus port 1 (a
// port nobody declared), and each method and path. A connection ztunnel
// admits straight to the pod allows every method and path.
func (m *Mesh) Inbound(callers, methods, paths []string) map[string]bool {
	out := map[string]bool{}
	add := func(caller string, w Workload, port, method, path string) {
		out[strings.Join([]string{caller, w.Ref(), port, method, path}, "|")] = true
	}
	for _, w := range m.workloads {
		enforced := m.enrolled[w.Namespace]
		d := m.dest(w)
		for _, caller := range callers {
			for _, port := range append(slices.Clone(w.Ports), "1") {
				if !enforced || evaluate(d.pod, call{principal: caller, port: port}).allowed {
					for _, method := range methods {
						for _, path := range paths {
							add(caller, w, port, method, path)
						}
					}
					continue
				}
				for _, f := range d.fronts {
					sport, ok := f.Ports[port]
					if !ok || !m.toWaypoint(f.Namespace, f.waypoint, caller) ||
						!evaluate(d.pod, call{principal: m.waypointIdentity(f.Namespace, f.waypoint), port: port}).allowed {
						continue
					}
					for _, method := range methods {
						for _, path := range paths {
							if evaluate(f.l7, call{principal: caller, port: sport, method: method, path: path, l7: method != ""}).allowed {
								add(caller, w, port, method, path)
							}
						}
					}
				}
			}
		}
	}
	return out
}

// Egress enumerates the external connections allowed: "caller|host|port"
// for each mesh workload, through each ServiceEntry visible in its
// namespace (exportTo), each address (or host, without addresses) and
// port of the entry. An entry labelled istio.io/use-waypoint is mediated
// by that waypoint's policies (a GET / request); one without a waypoint
// is not checked by anything.
func (m *Mesh) Egress() map[string]bool {
	out := map[string]bool{}
	for _, se := range m.entries {
		sens, name := str(se, "metadata", "namespace"), str(se, "metadata", "name")
		export := strs(se, "spec", "exportTo")
		hosts := strs(se, "spec", "addresses")
		if len(hosts) == 0 {
			hosts = strs(se, "spec", "hosts")
		}
		wp := labels(se, "metadata", "labels")["istio.io/use-waypoint"]
		var pols []*Policy
		if wp != "" {
			pols = m.waypointPolicies(sens, "ServiceEntry", "networking.istio.io", name, wp)
		}
		var ports []string
		for _, p := range list(se, "spec", "ports") {
			ports = append(ports, fmt.Sprint(get(p, "number")))
		}
		for _, w := range m.workloads {
			caller := m.Identity(w)
			if caller == "" || sens != w.Namespace && len(export) > 0 && !slices.Contains(export, "*") && !slices.Contains(export, w.Namespace) {
				continue // exported elsewhere only ("." is its own namespace)
			}
			for _, port := range ports {
				if wp != "" && (!m.toWaypoint(sens, wp, caller) ||
					!evaluate(pols, call{principal: caller, port: port, l7: true, method: "GET", path: "/"}).allowed) {
					continue
				}
				for _, host := range hosts {
					out[strings.Join([]string{caller, host, port}, "|")] = true
				}
			}
		}
	}
	return out
}

// dest is what stands in front of one workload.
type dest struct {
	pod    []*Policy // enforced by ztunnel on the pod
	fronts []front   // Services that route to a waypoint
}

type front struct {
	Service
	waypoint string
	l7       []*Policy
}

func (m *Mesh) dest(w Workload) dest {
	d := dest{pod: m.ztunnelPolicies(w.Namespace, w.Labels)}
	for _, s := range m.services {
		if wp := s.Waypoint(); s.Namespace == w.Namespace && len(s.Selector) > 0 && selects(s.Selector, w.Labels) && wp != "" {
			d.fronts = append(d.fronts, front{s, wp, m.waypointPolicies(s.Namespace, "Service", "", s.Name, wp)})
		}
	}
	return d
}

func (m *Mesh) waypointIdentity(ns, name string) string {
	return m.TrustDomain + "/ns/" + ns + "/sa/" + name
}

// toWaypoint reports whether the caller passes the ztunnel in front of the
// waypoint's pods (HBONE). A waypoint that is not loaded, or not in the
// mesh, cannot be reached.
func (m *Mesh) toWaypoint(ns, name, caller string) bool {
	k := ns + "/" + name + "|" + caller
	if v, ok := m.reach[k]; ok {
		return v
	}
	l, ok := m.waypoints[ns+"/"+name]
	v := ok && m.enrolled[ns] && evaluate(m.ztunnelPolicies(ns, l), call{principal: caller, port: HBONEPort}).allowed
	if m.reach == nil {
		m.reach = map[string]bool{}
	}
	m.reach[k] = v
	return v
}

// ztunnelPolicies are the policies ztunnel applies to a pod: root-namespace
// and own-namespace policies without targetRefs whose selector (if any)
// matches.
func (m *Mesh) ztunnelPolicies(ns string, podLabels map[string]string) []*Policy {
	var out []*Policy
	for _, p := range m.policies {
		if (p.Namespace != ns && p.Namespace != m.RootNamespace) || len(p.TargetRefs) > 0 {
			continue
		}
		if p.Selector != nil && !selects(p.Selector, podLabels) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// waypointPolicies are the policies a waypoint applies to traffic for the
// target (kind Service or ServiceEntry, name) in ns.
func (m *Mesh) waypointPolicies(ns, kind, group, name, waypoint string) []*Policy {
	var out []*Policy
	for _, p := range m.policies {
		for _, ref := range p.TargetRefs {
			if p.Namespace == ns && ref.Kind == kind && (ref.Group == group || (kind == "Service" && ref.Group == "core")) && ref.Name == name ||
				p.Namespace == ns && ref.Kind == "Gateway" && ref.Name == waypoint ||
				p.Namespace == m.RootNamespace && ref.Kind == "GatewayClass" && ref.Name == "istio-waypoint" {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// call is one request at one enforcement point. l7: the point reads HTTP.
type call struct {
	principal, port, method, path string
	l7                            bool
}

// verdict is an enforcement point's decision and the policy rule behind
// it (nil when no rule decided).
type verdict struct {
	allowed bool
	policy  *Policy
	rule    int
	why     string
}

func (v verdict) String() string {
	if v.policy == nil {
		return v.why
	}
	return fmt.Sprintf("%s (%s %s/%s rule %d)", v.why, action(v.policy), v.policy.Namespace, v.policy.Name, v.rule)
}

func action(p *Policy) string {
	if p.Action == "" {
		return "ALLOW"
	}
	return p.Action
}

// evaluate applies Istio's order at one enforcement point: CUSTOM, DENY,
// then ALLOW.
func evaluate(policies []*Policy, q call) verdict {
	if len(policies) == 0 {
		return verdict{allowed: true, why: "no policy applies"}
	}
	for _, act := range []string{"CUSTOM", "DENY"} {
		for _, p := range policies {
			if action(p) != act {
				continue
			}
			for i, r := range p.Rules {
				if r.matches(q, false) {
					return verdict{policy: p, rule: i, why: "a " + act + " rule matches"}
				}
			}
		}
	}
	anyAllow := false
	for _, p := range policies {
		if action(p) != "ALLOW" {
			continue
		}
		anyAllow = true
		for i, r := range p.Rules {
			if r.matches(q, true) {
				return verdict{allowed: true, policy: p, rule: i, why: "an ALLOW rule matches"}
			}
		}
	}
	if !anyAllow {
		return verdict{allowed: true, why: "no ALLOW policy applies and no DENY rule matches"}
	}
	return verdict{why: "ALLOW policies apply and none of their rules matches"}
}

// matches: what the rule cannot judge (HTTP without l7, unknown fields)
// makes an ALLOW rule fail and a DENY rule match, so either way the
// request is refused.
func (r Rule) matches(q call, allow bool) bool {
	if r.Unknown {
		return !allow
	}
	fromOK := len(r.From) == 0
	for _, src := range r.From {
		_, rest, _ := strings.Cut(q.principal, "/ns/")
		ns, _, _ := strings.Cut(rest, "/")
		fromOK = fromOK || (src.Unknown && !allow) || !src.Unknown &&
			(!src.HasPrincipals || anyMatch(src.Principals, q.principal)) &&
			(!src.HasNamespaces || q.principal != "" && anyMatch(src.Namespaces, ns))
	}
	if !fromOK {
		return false
	}
	blind := func(has bool) bool { return !has || !q.l7 && !allow }
	toOK := len(r.To) == 0
	for _, op := range r.To {
		toOK = toOK || (op.Unknown && !allow) || !op.Unknown &&
			(!op.HasPorts || slices.Contains(op.Ports, q.port)) &&
			(blind(op.HasMethods) || q.l7 && slices.Contains(op.Methods, q.method)) &&
			(blind(op.HasPaths) || q.l7 && anyMatch(op.Paths, q.path))
	}
	return toOK
}

func parsePolicy(o obj) *Policy {
	p := &Policy{Name: str(o, "metadata", "name"), Namespace: str(o, "metadata", "namespace"), Action: str(o, "spec", "action")}
	if sel := get(o, "spec", "selector"); sel != nil {
		p.Selector = labels(sel, "matchLabels")
	}
	for _, r := range list(o, "spec", "targetRefs") {
		p.TargetRefs = append(p.TargetRefs, TargetRef{str(r, "group"), str(r, "kind"), str(r, "name")})
	}
	if get(o, "spec", "targetRef") != nil {
		p.TargetRefs = append(p.TargetRefs, TargetRef{Kind: "unsupported"})
	}
	for _, r := range list(o, "spec", "rules") {
		pr := Rule{Unknown: get(r, "when") != nil}
		for _, f := range list(r, "from") {
			var src Source
			m, ok := get(f, "source").(obj)
			src.Unknown = !ok || len(f.(obj)) != 1
			for k := range m {
				switch k {
				case "principals":
					src.Principals, src.HasPrincipals = strs(f, "source", k), true
				case "namespaces":
					src.Namespaces, src.HasNamespaces = strs(f, "source", k), true
				default:
					src.Unknown = true
				}
			}
			pr.From = append(pr.From, src)
		}
		for _, t := range list(r, "to") {
			var op Operation
			m, ok := get(t, "operation").(obj)
			op.Unknown = !ok || len(t.(obj)) != 1
			for k := range m {
				switch k {
				case "ports":
					op.Ports, op.HasPorts = strs(t, "operation", k), true
				case "methods":
					op.Methods, op.HasMethods = strs(t, "operation", k), true
				case "paths":
					op.Paths, op.HasPaths = strs(t, "operation", k), true
				default:
					op.Unknown = true
				}
			}
			pr.To = append(pr.To, op)
		}
		p.Rules = append(p.Rules, pr)
	}
	return p
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// istioMatch is Istio's string match: exact, "prefix*", "*suffix" or "*"
// (any non-empty value).
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

// obj is a decoded object; the accessors below read paths of it, giving
// zero values where a path is missing or of another type.
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
