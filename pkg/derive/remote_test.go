package derive

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	istiosecurityv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/kinds"
)

// inv is an inventory entry of another cluster: "ns/name", then
// "exported", "waypoint", "out:ns/name" or "in:cluster/ns/name[:METHOD]".
func inv(ref string, spec ...string) v1alpha1.InventoryService {
	ns, name, _ := strings.Cut(ref, "/")
	s := v1alpha1.InventoryService{Namespace: ns, Name: name, Ports: []v1alpha1.InventoryPort{{Name: "http", Port: 80, TargetPort: 8080, Protocol: "TCP"}}}
	for _, p := range spec {
		switch p {
		case "exported":
			s.Exported = true
			continue
		case "waypoint":
			s.Waypoint = true
			continue
		}
		dir, peer, _ := strings.Cut(p, ":")
		peer, method, _ := strings.Cut(peer, ":")
		parts := strings.Split(peer, "/")
		ip := v1alpha1.InventoryPeer{Namespace: parts[len(parts)-2], Name: parts[len(parts)-1]}
		if len(parts) == 3 {
			ip.Cluster = parts[0]
		}
		if method != "" {
			ip.Rules = []v1alpha1.L7Rule{{Methods: []string{method}}}
		}
		if dir == "out" {
			s.Outbound = append(s.Outbound, ip)
		} else {
			s.Inbound = append(s.Inbound, ip)
		}
	}
	return s
}

// fleetGraph builds the graph of local cluster `local` (trust domain td)
// with the given local services, exports and remote clusters.
func fleetGraph(local, td string, exports []string, services []*v1alpha1.LatticeService, remotes ...graph.Cluster) *graph.Graph {
	here := graph.Cluster{Name: local, TrustDomain: td, Network: local, Gateway: &v1alpha1.EastWestGateway{Address: "gw." + local, Port: 15008}}
	for _, s := range services {
		here.Services = append(here.Services, v1alpha1.InventoryService{Namespace: s.Namespace, Name: s.Name, Exported: slices.Contains(exports, s.Namespace+"/"+s.Name)})
	}
	return graph.BuildFleet(services, &graph.Fleet{Local: local, Clusters: append([]graph.Cluster{here}, remotes...)})
}

func remoteCluster(name, td string, port int32, services ...v1alpha1.InventoryService) graph.Cluster {
	return graph.Cluster{Name: name, TrustDomain: td, Network: "net-" + name, Gateway: &v1alpha1.EastWestGateway{Address: "gw." + name, Port: port}, Services: services}
}

// summary names every object "Kind ns/name" with what the case checks.
func summary(d []Derived) []string {
	var out []string
	for _, o := range d {
		obj := o.Object
		k, _ := kinds.Of(obj) // TypeMeta is set by Service and Shared, not the deriver
		s := k.Kind + " " + obj.GetNamespace() + "/" + obj.GetName()
		switch x := obj.(type) {
		case *corev1.Service:
			var labels []string
			for _, k := range []string{"istio.io/global", "mesh.example/scope", LabelUseWaypoint, LabelRemoteCluster} {
				if v, ok := x.Labels[k]; ok {
					labels = append(labels, k+"="+v)
				}
			}
			s += " selector=" + strings.Join(sortedPairs(x.Spec.Selector), ",") + " labels=" + strings.Join(labels, ",")
			for _, p := range x.Spec.Ports {
				s += " " + p.Name + ":" + itoa(p.Port) + "->" + p.TargetPort.String()
			}
		case *istiosecurityv1.AuthorizationPolicy:
			s += " " + strings.Join(admitted(x), " ")
			for _, r := range x.Spec.TargetRefs {
				s += " ->" + r.Kind + "/" + r.Name
			}
		case *istionetworkingv1.ServiceEntry:
			for _, ep := range x.Spec.Endpoints {
				s += " " + ep.Address + ":" + itoa(int32(ep.Ports["http"]))
			}
		case *gwv1.Gateway:
			s += " " + string(x.Spec.GatewayClassName)
		}
		out = append(out, s)
	}
	return out
}

func sortedPairs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func problems(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		kind := "error"
		if p.Warning {
			kind = "warning"
		}
		out = append(out, kind+": "+p.Message)
	}
	return out
}

// TestRemoteCallerSide: what the caller's cluster derives for an active
// cross-cluster edge, in ambient (default) and sidecar mode.
func TestRemoteCallerSide(t *testing.T) {
	outb := func(ns string) v1alpha1.Resource {
		return v1alpha1.Resource{Direction: v1alpha1.DirectionOutbound, Namespace: ns}
	}
	checkout := meshService("commerce/checkout", map[string]int32{"http": 8080}, map[string]v1alpha1.Resource{"payments": outb("")})
	shop := meshService("shop/web", nil, map[string]v1alpha1.Resource{"payments": outb("commerce")})
	plain := inv("commerce/payments", "exported", "in:east/commerce/checkout")
	l7 := inv("commerce/payments", "exported", "waypoint", "in:east/commerce/checkout:POST")
	cases := []struct {
		name, reason string
		platform     func(*v1alpha1.PlatformSpec)
		services     []*v1alpha1.LatticeService
		td           string
		remotes      []graph.Cluster
		namespaces   []string
		want         []string // summary lines that must be present
		absent       []string // kinds (or name prefixes) that must not be present
		problems     []string // substrings, in order
	}{
		{
			name:     "direct callee",
			reason:   "a selector-less global copy with the callee's ports makes the name resolve and route; no sidecar-era objects",
			services: []*v1alpha1.LatticeService{checkout},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, plain)},
			want:     []string{"Service commerce/payments selector= labels=istio.io/global=true,lattice.dev/remote-cluster=west http:80->8080"},
			absent:   []string{"ServiceEntry", "DestinationRule", "Gateway", "AuthorizationPolicy commerce/allow-l7-to"},
		},
		{
			name:     "callee bound to its waypoint",
			reason:   "Istio binds a global service through the local copy: same waypoint name here, and this cluster's waypoint enforces the callee's rules for this cluster's callers",
			services: []*v1alpha1.LatticeService{checkout},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, l7)},
			want: []string{
				"Service commerce/payments selector= labels=istio.io/global=true,istio.io/use-waypoint=commerce-waypoint,lattice.dev/remote-cluster=west http:80->8080",
				"Gateway commerce/commerce-waypoint istio-waypoint",
				"AuthorizationPolicy commerce/allow-l7-to-" + Hash("west", "commerce", "payments") + " cluster.local/ns/commerce/sa/checkout:POST: ->Service/payments",
			},
		},
		{
			name:   "platform's global selector",
			reason: "the labels are what the platform's MeshConfig serviceScopeConfigs selects",
			platform: func(s *v1alpha1.PlatformSpec) {
				s.Mesh.MultiCluster.GlobalServiceSelector = map[string]string{"mesh.example/scope": "global"}
			},
			services: []*v1alpha1.LatticeService{checkout},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, plain)},
			want:     []string{"Service commerce/payments selector= labels=mesh.example/scope=global,lattice.dev/remote-cluster=west http:80->8080"},
		},
		{
			name:     "caller in another namespace, namespace missing",
			reason:   "the copy lives in the callee's namespace, which must exist on this cluster",
			services: []*v1alpha1.LatticeService{shop},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, inv("commerce/payments", "exported", "in:east/shop/web"))},
			want:     []string{"Service commerce/payments selector= labels=istio.io/global=true,lattice.dev/remote-cluster=west http:80->8080"},
			absent:   []string{"Namespace"},
			problems: []string{"warning: namespace commerce is not in this render"},
		},
		{
			name:     "caller in another namespace, managed namespaces",
			reason:   "with spec.mesh.manageNamespaces the namespace is derived",
			platform: func(s *v1alpha1.PlatformSpec) { s.Mesh.ManageNamespaces = true },
			services: []*v1alpha1.LatticeService{shop},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, inv("commerce/payments", "exported", "in:east/shop/web"))},
			want:     []string{"Namespace /commerce"},
		},
		{
			name:     "one-sided",
			reason:   "no agreement, no copy",
			services: []*v1alpha1.LatticeService{checkout},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, inv("commerce/payments", "exported"))},
			absent:   []string{"Service commerce/payments"},
		},
		{
			name:     "federated trust domains",
			reason:   "ztunnel accepts peers of its own trust domain only: the render says the agreement carries no traffic",
			services: []*v1alpha1.LatticeService{checkout},
			td:       "east.example",
			remotes:  []graph.Cluster{remoteCluster("west", "west.example", 15008, plain)},
			want:     []string{"Service commerce/payments selector= labels=istio.io/global=true,lattice.dev/remote-cluster=west http:80->8080"},
			problems: []string{"warning: this cluster (trust domain east.example) and cluster west (trust domain west.example) have agreements (commerce/checkout → west/commerce/payments), but Istio ambient carries no call between different trust domains"},
		},
		{
			name:     "one name on two clusters",
			reason:   "Istio merges the global copies of one namespace/name: two callees of one name cannot be told apart, so no copy and an error",
			services: []*v1alpha1.LatticeService{meshService("commerce/checkout", nil, map[string]v1alpha1.Resource{"a": {Direction: v1alpha1.DirectionOutbound, ID: "payments", Cluster: "west"}, "b": {Direction: v1alpha1.DirectionOutbound, ID: "payments", Cluster: "south"}})},
			remotes: []graph.Cluster{
				remoteCluster("west", "cluster.local", 15008, plain),
				remoteCluster("south", "cluster.local", 15008, plain),
			},
			absent:   []string{"Service commerce/payments"},
			problems: []string{"error: this cluster calls commerce/payments on clusters south and west", "error: this cluster calls commerce/payments on clusters south and west"},
		},
		{
			name:     "exported by two clusters",
			reason:   "a second export of the name may receive this cluster's calls (Istio merges global copies)",
			services: []*v1alpha1.LatticeService{meshService("commerce/checkout", nil, map[string]v1alpha1.Resource{"payments": {Direction: v1alpha1.DirectionOutbound, Cluster: "west"}})},
			remotes: []graph.Cluster{
				remoteCluster("west", "cluster.local", 15008, inv("commerce/payments", "exported", "in:east/commerce/checkout")),
				remoteCluster("south", "cluster.local", 15008, inv("commerce/payments", "exported")),
			},
			want:     []string{"Service commerce/payments selector= labels=istio.io/global=true,lattice.dev/remote-cluster=west http:80->8080"},
			problems: []string{"warning: commerce/payments is exported by cluster west and by south"},
		},
		{
			name:     "sidecar mode",
			reason:   "mode: sidecar keeps the sidecar-era ServiceEntry and DestinationRule, and says when the gateway port is ambient's",
			platform: func(s *v1alpha1.PlatformSpec) { s.Mesh.MultiCluster.Mode = v1alpha1.MultiClusterSidecar },
			services: []*v1alpha1.LatticeService{checkout},
			remotes:  []graph.Cluster{remoteCluster("west", "cluster.local", 15008, l7)},
			want:     []string{"ServiceEntry commerce/" + remoteName(graph.Ref{Cluster: "west", Namespace: "commerce", Name: "payments"}) + " gw.west:15008", "DestinationRule commerce/" + remoteName(graph.Ref{Cluster: "west", Namespace: "commerce", Name: "payments"})},
			absent:   []string{"Service commerce/payments", "Gateway"},
			problems: []string{"warning: Platform spec.mesh.multiCluster.mode is sidecar, which routes to the east-west gateway's AUTO_PASSTHROUGH listener, but the Fleet gives cluster west's gateway port 15008"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			td := c.td
			if td == "" {
				td = "cluster.local"
			}
			p := meshPlatform(func(s *v1alpha1.PlatformSpec) {
				s.Cluster.Name, s.Cluster.TrustDomain = "east", td
				if c.platform != nil {
					c.platform(s)
				}
			})
			g := fleetGraph("east", td, nil, c.services, c.remotes...)
			nss := map[string]bool{}
			for _, s := range c.services {
				nss[s.Namespace] = true
			}
			in := SharedInput{Platform: p, Graph: g, Namespaces: nss}
			got := summary(Shared(in))
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: missing %q in\n%s", c.reason, w, strings.Join(got, "\n"))
				}
			}
			for _, a := range c.absent {
				for _, line := range got {
					if strings.HasPrefix(line, a) {
						t.Errorf("%s: unexpected %q", c.reason, line)
					}
				}
			}
			var ps []string
			for _, pr := range problems(Check(in)) {
				if !strings.Contains(pr, "does not declare") && !strings.Contains(pr, "does not accept") {
					ps = append(ps, pr)
				}
			}
			if len(ps) != len(c.problems) {
				t.Fatalf("%s: problems\n%s\nwant %q", c.reason, strings.Join(ps, "\n"), c.problems)
			}
			for i, want := range c.problems {
				if !strings.HasPrefix(ps[i], want) {
					t.Errorf("%s: problem %d\n%s\nwant prefix %q", c.reason, i, ps[i], want)
				}
			}
		})
	}
}

// TestRemoteCalleeSide: what the callee's cluster derives for callers on
// another cluster: a global Service, the waypoint binding every cluster
// shares, the caller cluster's waypoint admitted to the pods, and the
// sidecar-era east-west gateway admission.
func TestRemoteCalleeSide(t *testing.T) {
	in := func(cluster string, rules ...v1alpha1.L7Rule) v1alpha1.Resource {
		return v1alpha1.Resource{Direction: v1alpha1.DirectionInbound, Cluster: cluster, Rules: rules}
	}
	post := v1alpha1.L7Rule{Methods: []string{"POST"}}
	cases := []struct {
		name, reason string
		mode         string
		td, eastTD   string
		exports      []string
		res          map[string]v1alpha1.Resource
		callers      []v1alpha1.InventoryService
		labels       []string // Service labels that must be present ("k=v") or absent ("!k")
		policies     map[string][]string
		baseline     []string // names of the baseline's objects
	}{
		{
			name:     "remote caller makes the Service global",
			reason:   "only a service with a cross-cluster agreement is global",
			exports:  []string{"commerce/payments"},
			res:      map[string]v1alpha1.Resource{"checkout": in("east")},
			callers:  []v1alpha1.InventoryService{inv("commerce/checkout", "out:west/commerce/payments")},
			labels:   []string{"istio.io/global=true", "!" + LabelUseWaypoint},
			policies: map[string][]string{"allow-to": {"cluster.local/ns/commerce/sa/checkout@8080"}},
			baseline: []string{"default", "mesh-default-deny", "waypoint-default-deny"},
		},
		{
			name:     "no agreement, not global",
			reason:   "exported without a remote caller: stays local",
			exports:  []string{"commerce/payments"},
			res:      map[string]v1alpha1.Resource{"checkout": in("east")},
			callers:  []v1alpha1.InventoryService{inv("commerce/checkout")},
			labels:   []string{"!istio.io/global"},
			policies: map[string][]string{"allow-to": nil},
		},
		{
			name:    "exported with L7 rules: bound, caller cluster's waypoint admitted",
			reason:  "the caller cluster's identically named waypoint applies the rules and reaches the pods with its identity (one principal with a shared root)",
			exports: []string{"commerce/payments"},
			res:     map[string]v1alpha1.Resource{"checkout": in("east", post)},
			callers: []v1alpha1.InventoryService{inv("commerce/checkout", "out:west/commerce/payments")},
			labels:  []string{"istio.io/global=true", LabelUseWaypoint + "=commerce-waypoint"},
			policies: map[string][]string{
				"allow-to":    nil,
				"allow-wp-to": {"cluster.local/ns/commerce/sa/commerce-waypoint@8080"},
				"allow-l7-to": {"cluster.local/ns/commerce/sa/checkout:POST:"},
			},
		},
		{
			name:    "federated: the caller cluster's waypoint in its trust domain",
			reason:  "principals name the caller's cluster's trust domain, the waypoint's too",
			td:      "west.example",
			eastTD:  "east.example",
			exports: []string{"commerce/payments"},
			res:     map[string]v1alpha1.Resource{"checkout": in("east", post)},
			callers: []v1alpha1.InventoryService{inv("commerce/checkout", "out:west/commerce/payments")},
			labels:  []string{"istio.io/global=true", LabelUseWaypoint + "=commerce-waypoint"},
			policies: map[string][]string{
				"allow-to":    nil,
				"allow-wp-to": {"east.example/ns/commerce/sa/commerce-waypoint@8080", "west.example/ns/commerce/sa/commerce-waypoint@8080"},
				"allow-l7-to": {"east.example/ns/commerce/sa/checkout:POST:"},
			},
		},
		{
			name:    "exported with L7 rules, caller not agreed yet",
			reason:  "the binding follows the declaration, as the inventory's waypoint flag does, so every cluster binds alike",
			exports: []string{"commerce/payments"},
			res:     map[string]v1alpha1.Resource{"checkout": in("east", post)},
			callers: []v1alpha1.InventoryService{inv("commerce/checkout")},
			labels:  []string{"!istio.io/global", LabelUseWaypoint + "=commerce-waypoint"},
			policies: map[string][]string{
				"allow-to":    nil,
				"allow-wp-to": {"cluster.local/ns/commerce/sa/commerce-waypoint@8080"},
				"allow-l7-to": nil,
			},
		},
		{
			name:     "sidecar mode",
			reason:   "no global label; the baseline admits the classic east-west gateway's passthrough port (it cannot see identities)",
			mode:     v1alpha1.MultiClusterSidecar,
			exports:  []string{"commerce/payments"},
			res:      map[string]v1alpha1.Resource{"checkout": in("east")},
			callers:  []v1alpha1.InventoryService{inv("commerce/checkout", "out:west/commerce/payments")},
			labels:   []string{"!istio.io/global"},
			policies: map[string][]string{"allow-to": {"cluster.local/ns/commerce/sa/checkout@8080"}},
			baseline: []string{"default", "mesh-default-deny", "waypoint-default-deny", "allow-eastwest-gateway :* ports 15008"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			td, eastTD := c.td, c.eastTD
			if td == "" {
				td, eastTD = "cluster.local", "cluster.local"
			}
			p := meshPlatform(func(s *v1alpha1.PlatformSpec) {
				s.Cluster.Name, s.Cluster.TrustDomain = "west", td
				s.Mesh.Baseline = true
				if c.mode != "" {
					s.Mesh.MultiCluster.Mode = c.mode
				}
			})
			payments := meshService("commerce/payments", map[string]int32{"http": 8080}, c.res)
			g := fleetGraph("west", td, c.exports, []*v1alpha1.LatticeService{payments}, remoteCluster("east", eastTD, 15008, c.callers...))
			out, errs := Service(Input{Service: payments, Platform: p, Graph: g})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var svc *corev1.Service
			got := map[string][]string{}
			for _, d := range out {
				switch x := d.Object.(type) {
				case *corev1.Service:
					svc = x
				case *istiosecurityv1.AuthorizationPolicy:
					got[x.Name[:strings.LastIndex(x.Name, "-")]] = admitted(x)
				}
			}
			for _, l := range c.labels {
				if k, ok := strings.CutPrefix(l, "!"); ok {
					if _, has := svc.Labels[k]; has {
						t.Errorf("%s: Service has %s", c.reason, k)
					}
					continue
				}
				k, v, _ := strings.Cut(l, "=")
				if svc.Labels[k] != v {
					t.Errorf("%s: Service labels %v, want %s", c.reason, svc.Labels, l)
				}
			}
			if len(got) != len(c.policies) {
				t.Errorf("%s: policies %v, want %v", c.reason, got, c.policies)
			}
			for name, want := range c.policies {
				if !slices.Equal(got[name], want) {
					t.Errorf("%s: %s admits %q, want %q", c.reason, name, got[name], want)
				}
			}
			if c.baseline != nil {
				var names []string
				for _, d := range baseline(SharedInput{Platform: p, Graph: g}) {
					name := d.Object.GetName()
					if ap, ok := d.Object.(*istiosecurityv1.AuthorizationPolicy); ok && ap.Spec.Selector != nil && ap.Spec.Selector.MatchLabels[LabelEastWestGateway] == "eastwestgateway" {
						name += " :* ports " + strings.Join(ap.Spec.Rules[0].To[0].Operation.Ports, ",")
					}
					names = append(names, name)
				}
				if !slices.Equal(names, c.baseline) {
					t.Errorf("%s: baseline %q, want %q", c.reason, names, c.baseline)
				}
			}
		})
	}
}
