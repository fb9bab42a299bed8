package properties

// MeshMembers across renders (docs/mesh-members.md, docs/teams.md): the
// random graphs of TestTeamsSoundness with members added (workloads
// lattice does not derive, declaring calls to services and callers they
// accept, some running as another account than their name), services
// declaring them inbound and outbound, everything dealt at random into k
// renders. Over the union of every render's output the AuthorizationPolicies
// of services and members are exactly one render's of the whole graph; a
// directory whose other renders' member entries are stale never admits a
// principal the callee's own spec does not.

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/tests/internal/harness"
)

type mMember struct {
	ns, name, sa string
	out, in      []string // peers' refs
	wildcard     bool
}

// addMembers adds n members to g, with declarations both ways (bilateral,
// one-sided, wildcard), and the services' side of some of them.
func addMembers(rng *rand.Rand, g *mGraph, n int) []*mMember {
	var ms []*mMember
	for i := range n {
		m := &mMember{ns: g.namespaces[rng.IntN(len(g.namespaces))], name: fmt.Sprintf("member-%d", i)}
		m.sa = m.name
		if rng.IntN(3) == 0 {
			m.sa = fmt.Sprintf("member-%d-sa", i)
		}
		ms = append(ms, m)
	}
	declare := func(s *mService, m *mMember, dir string) {
		r := map[string]any{"type": "service", "direction": dir, "id": m.name}
		if m.ns != s.ns {
			r["namespace"] = m.ns
		}
		s.res[fmt.Sprintf("mem-%s-%s", dir, m.name)] = r
	}
	for _, m := range ms {
		for range 1 + rng.IntN(6) {
			s := g.services[rng.IntN(len(g.services))]
			switch rng.IntN(6) {
			case 0: // the member calls, one-sided
				m.out = append(m.out, s.ref())
			case 1: // the service admits, one-sided
				declare(s, m, v1alpha1.DirectionInbound)
			case 2: // the service calls, one-sided (or a wildcard member)
				declare(s, m, v1alpha1.DirectionOutbound)
			case 3: // the member admits, one-sided
				m.in = append(m.in, s.ref())
			default: // both ways agreed
				m.out, m.in = append(m.out, s.ref()), append(m.in, s.ref())
				declare(s, m, v1alpha1.DirectionBoth)
			}
		}
		m.wildcard = rng.IntN(4) == 0
		if rng.IntN(3) == 0 { // members agree with members
			o := ms[rng.IntN(len(ms))]
			if o != m {
				m.out, o.in = append(m.out, o.ns+"/"+o.name), append(o.in, m.ns+"/"+m.name)
			}
		}
		slices.Sort(m.out)
		m.out = slices.Compact(m.out)
		slices.Sort(m.in)
		m.in = slices.Compact(m.in)
	}
	return ms
}

func (m *mMember) doc() map[string]any {
	peers := func(refs []string, wildcard bool) []any {
		var out []any
		for _, r := range refs {
			ns, name, _ := strings.Cut(r, "/")
			out = append(out, map[string]any{"name": name, "namespace": ns})
		}
		if wildcard {
			out = append(out, map[string]any{"name": "*"})
		}
		return out
	}
	spec := map[string]any{"serviceAccount": m.sa}
	if len(m.out) > 0 {
		spec["outbound"] = peers(m.out, false)
	}
	if len(m.in) > 0 || m.wildcard {
		spec["inbound"] = peers(m.in, m.wildcard)
		spec["selector"] = map[string]any{"app": m.name}
		spec["ports"] = []any{9100}
	}
	return map[string]any{"apiVersion": "lattice.dev/v1alpha1", "kind": "MeshMember",
		"metadata": map[string]any{"name": m.name, "namespace": m.ns}, "spec": spec}
}

// membersYAML is the graph's stream with the members' documents.
func membersYAML(t testing.TB, g *mGraph, ms []*mMember) []byte {
	var docs []any
	for _, m := range ms {
		docs = append(docs, m.doc())
	}
	return append(append(g.yaml(t), "---\n"...), harness.YAMLStream(t, docs)...)
}

// ownPolicies are the AuthorizationPolicies a service or member owns
// (allow-to, allow-l7-to, allow-wp-to), by namespace/name, without
// annotations. An object emitted twice must be emitted alike.
func ownPolicies(t testing.TB, streams ...[]byte) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, s := range streams {
		for _, doc := range docSplit.Split(string(s), -1) {
			var o struct {
				Kind     string         `json:"kind"`
				Metadata map[string]any `json:"metadata"`
				Spec     any            `json:"spec"`
			}
			if err := sigsyaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatal(err)
			}
			name, _ := o.Metadata["name"].(string)
			if o.Kind != "AuthorizationPolicy" || !strings.HasPrefix(name, "allow-to-") && !strings.HasPrefix(name, "allow-l7-to-") && !strings.HasPrefix(name, "allow-wp-to-") {
				continue
			}
			key := fmt.Sprint(o.Metadata["namespace"], "/", name)
			if prev, dup := out[key]; dup && !reflect.DeepEqual(prev, o.Spec) {
				t.Errorf("%s is emitted twice with different content", key)
			}
			out[key] = o.Spec
		}
	}
	return out
}

func renderOne(t testing.TB, in []byte) []byte {
	t.Helper()
	out, results, failed := harness.RenderStream(t, in, "all.yaml")
	if failed {
		t.Fatalf("one render of everything failed:\n%s", results)
	}
	return out
}

func TestTeamsMembersSoundness(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		for _, k := range []int{1, 2, 3, 5, 8} {
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(k)+0x3e3b))
			g := genGraph(rng, 30+rng.IntN(30))
			ms := addMembers(rng, g, 3+rng.IntN(5))
			t.Run(fmt.Sprintf("seed-%d/renders-%d", seed, k), func(t *testing.T) {
				t.Parallel()
				all := membersYAML(t, g, ms)
				want := ownPolicies(t, renderOne(t, all))
				streams := splitStream(t, rng, all, k)
				_, d := teamsDirectory(t, streams)
				got := ownPolicies(t, renderTeams(t, streams, d))
				diffPolicies(t, got, want)
			})
		}
	}
}

// TestTeamsStaleMembersFailSafe: the other renders' member entries claim
// calls, callers and wildcards their members do not declare; no render
// admits a principal beyond what its callees' own specs admit (the bound:
// one render where every service and member declares every other
// outbound). The render's own entries are current.
func TestTeamsStaleMembersFailSafe(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 3
	}
	for seed := range seeds {
		k := 2 + seed%5
		rng := rand.New(rand.NewPCG(uint64(seed), 0x5a1e))
		g := genGraph(rng, 30+rng.IntN(20))
		ms := addMembers(rng, g, 3+rng.IntN(4))
		t.Run(fmt.Sprintf("seed-%d/renders-%d", seed, k), func(t *testing.T) {
			t.Parallel()
			all := membersYAML(t, g, ms)
			streams := splitStream(t, rng, all, k)
			_, clean := teamsDirectory(t, streams)
			edited := cloneDirectory(clean)
			var refs []v1alpha1.InventoryPeer
			for _, s := range clean.Spec.Clusters[0].Services {
				refs = append(refs, v1alpha1.InventoryPeer{Namespace: s.Namespace, Name: s.Name})
			}
			for j := range edited.Spec.Clusters[0].Services {
				s := &edited.Spec.Clusters[0].Services[j]
				if !s.Member || rng.IntN(3) == 0 {
					continue
				}
				// Claims every call and every caller.
				s.Outbound, s.Inbound, s.AcceptsAnyDeclaredCaller = slices.Clone(refs), slices.Clone(refs), true
			}
			var outs [][]byte
			for r := range streams {
				d := ownCurrent(edited, clean, renderName(r))
				outs = append(outs, renderTeams(t, streams[r:r+1], renamed(d, renderName(r), renderName(0))))
			}
			got := principals(t, ownPolicies(t, outs...))
			bound := principals(t, ownPolicies(t, renderOne(t, everyoneCalls(t, g, ms))))
			var over []string
			for key, ps := range got {
				for p := range ps {
					if !bound[key][p] {
						over = append(over, key+" admits "+p)
					}
				}
			}
			slices.Sort(over)
			if len(over) > 0 {
				t.Errorf("%d principals admitted beyond the callees' own specs, e.g. %q", len(over), over[:min(5, len(over))])
			}
		})
	}
}

// everyoneCalls is the graph where every service and member declares
// every other one outbound: what each callee's own spec admits.
func everyoneCalls(t testing.TB, g *mGraph, ms []*mMember) []byte {
	all := &mGraph{byRef: g.byRef, namespaces: g.namespaces}
	var refs []string
	for _, s := range g.services {
		refs = append(refs, s.ref())
	}
	for _, m := range ms {
		refs = append(refs, m.ns+"/"+m.name)
	}
	for _, s := range g.services {
		c := *s
		c.res = maps.Clone(s.res)
		for i, r := range refs {
			ns, name, _ := strings.Cut(r, "/")
			c.res[fmt.Sprintf("every-%d", i)] = map[string]any{"type": "service", "direction": "outbound", "namespace": ns, "id": name}
		}
		all.services = append(all.services, &c)
	}
	var mm []*mMember
	for _, m := range ms {
		c := *m
		c.out = slices.DeleteFunc(slices.Clone(refs), func(r string) bool { return r == m.ns+"/"+m.name })
		mm = append(mm, &c)
	}
	return membersYAML(t, all, mm)
}

// principals are the principals each policy admits.
func principals(t testing.TB, policies map[string]any) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for key, spec := range policies {
		b, err := sigsyaml.Marshal(spec)
		if err != nil {
			t.Fatal(err)
		}
		out[key] = map[string]bool{}
		for _, m := range principalRE.FindAllStringSubmatch(string(b), -1) {
			out[key][m[1]] = true
		}
	}
	return out
}

func diffPolicies(t testing.TB, got, want map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			t.Errorf("missing %s", k)
		} else if !reflect.DeepEqual(g, want[k]) {
			gy, _ := sigsyaml.Marshal(g)
			wy, _ := sigsyaml.Marshal(want[k])
			t.Errorf("%s differs:\n%s\nwant\n%s", k, gy, wy)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("extra %s", k)
		}
	}
}

// splitStream deals the stream's LatticeServices and MeshMembers at
// random into k renders (every render gets one), as splitRenders deals
// services: the other documents go to every render, a Namespace to the
// renders with a service or member in it.
func splitStream(t testing.TB, rng *rand.Rand, all []byte, k int) [][]byte {
	docs := docSplit.Split(string(all), -1)
	streams := make([][]string, k)
	owner := map[string]int{}
	uses := map[string]map[int]bool{}
	n := 0
	for _, d := range docs {
		if !strings.Contains(d, "kind: LatticeService") && !strings.Contains(d, "kind: MeshMember") {
			continue
		}
		r := rng.IntN(k)
		if n < k {
			r = n
		}
		n++
		ns := nsRE.FindStringSubmatch(d)
		if ns == nil {
			t.Fatalf("no namespace in\n%s", d)
		}
		owner[d] = r
		if uses[ns[1]] == nil {
			uses[ns[1]] = map[int]bool{}
		}
		uses[ns[1]][r] = true
	}
	for _, d := range docs {
		if r, ok := owner[d]; ok {
			streams[r] = append(streams[r], d)
			continue
		}
		if strings.Contains(d, "kind: Namespace") {
			name := nameRE.FindStringSubmatch(d)
			for r := range streams {
				if name != nil && uses[name[1]][r] {
					streams[r] = append(streams[r], d)
				}
			}
			continue
		}
		for r := range streams {
			streams[r] = append(streams[r], d)
		}
	}
	out := make([][]byte, k)
	for r, ds := range streams {
		out[r] = []byte(strings.Join(ds, "---\n"))
	}
	return out
}

var (
	nsRE        = regexp.MustCompile(`(?m)^  namespace: (\S+)$`)
	nameRE      = regexp.MustCompile(`(?m)^  name: (\S+)$`)
	principalRE = regexp.MustCompile(`(` + regexp.QuoteMeta(propTrustDomain) + `/ns/[a-z0-9.-]+/sa/[a-z0-9.-]+)`)
)
