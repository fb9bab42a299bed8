package derive

import (
	"testing"

	networkingv1 "istio.io/api/networking/v1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// fleetGraph is the graph of cluster east, whose shop/web calls pay/api on
// cluster west (exported, accepting shop/web from east when inbound).
func fleetGraph(gateway string, inbound bool, ports ...v1alpha1.InventoryPort) *graph.Graph {
	web := meshService("shop/web", nil, map[string]v1alpha1.Resource{"api": {Direction: v1alpha1.DirectionOutbound, Namespace: "pay", Cluster: "west"}})
	callee := v1alpha1.InventoryService{Namespace: "pay", Name: "api", Exported: true, Ports: ports}
	if inbound {
		callee.Inbound = []v1alpha1.InventoryPeer{{Cluster: "east", Namespace: "shop", Name: "web"}}
	}
	return graph.BuildFleet([]*v1alpha1.LatticeService{web}, &graph.Fleet{Local: "east", Clusters: []graph.Cluster{
		{Name: "east", TrustDomain: "east.example", Network: "net-east", Gateway: &v1alpha1.EastWestGateway{Address: "198.51.100.1", Port: 15443},
			Services: []v1alpha1.InventoryService{{Namespace: "shop", Name: "web", Outbound: []v1alpha1.InventoryPeer{{Cluster: "west", Namespace: "pay", Name: "api"}}}}},
		{Name: "west", TrustDomain: "west.example", Network: "net-west", Gateway: &v1alpha1.EastWestGateway{Address: gateway, Port: 15443},
			Services: []v1alpha1.InventoryService{callee}},
	}})
}

func TestRemoteServices(t *testing.T) {
	name := "xc-" + Hash("west", "pay", "api")
	meta := metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{LabelName: name, LabelManagedBy: ManagedBy, LabelRemoteCluster: "west"}}
	entry := func(address string, resolution networkingv1.ServiceEntry_Resolution, ports ...*networkingv1.ServicePort) *istionetworkingv1.ServiceEntry {
		se := &istionetworkingv1.ServiceEntry{TypeMeta: metav1.TypeMeta{APIVersion: "networking.istio.io/v1", Kind: "ServiceEntry"}, ObjectMeta: meta}
		se.Spec.Hosts = []string{"api.pay.svc.cluster.local"}
		se.Spec.Location = networkingv1.ServiceEntry_MESH_INTERNAL
		se.Spec.Ports = ports
		se.Spec.Resolution = resolution
		ep := &networkingv1.WorkloadEntry{Address: address, Network: "net-west", Ports: map[string]uint32{}}
		for _, p := range ports {
			ep.Ports[p.Name] = 15443
		}
		se.Spec.Endpoints = []*networkingv1.WorkloadEntry{ep}
		se.Spec.ExportTo = []string{"."}
		se.Spec.SubjectAltNames = []string{"spiffe://west.example/ns/pay/sa/api"}
		return se
	}
	dr := &istionetworkingv1.DestinationRule{TypeMeta: metav1.TypeMeta{APIVersion: "networking.istio.io/v1", Kind: "DestinationRule"}, ObjectMeta: meta}
	dr.Spec.Host = "api.pay.svc.cluster.local"
	dr.Spec.ExportTo = []string{"."}
	dr.Spec.TrafficPolicy = &networkingv1.TrafficPolicy{Tls: &networkingv1.ClientTLSSettings{Mode: networkingv1.ClientTLSSettings_ISTIO_MUTUAL}}
	derived := func(se *istionetworkingv1.ServiceEntry) []Derived {
		return []Derived{{Object: se, Sources: []string{"shop/web"}, Reason: "spec.workload.resources"}, {Object: dr, Sources: []string{"shop/web"}, Reason: "spec.workload.resources"}}
	}
	grpc := v1alpha1.InventoryPort{Name: "grpc-api", Port: 9090, TargetPort: 9090, Protocol: "TCP"}
	dns := v1alpha1.InventoryPort{Name: "dns", Port: 53, TargetPort: 53, Protocol: "UDP"}
	cases := map[string]struct {
		reason string
		g      *graph.Graph
		want   []Derived
	}{
		"agreement": {
			reason: "per caller namespace and remote callee: a MESH_INTERNAL entry for the callee's host through the callee cluster's east-west gateway (every port to its mTLS port), pinning the callee's SPIFFE identity, and an ISTIO_MUTUAL DestinationRule; the port protocol comes from the port name; UDP ports are left out",
			g:      fleetGraph("203.0.113.10", true, grpc, dns),
			want:   derived(entry("203.0.113.10", networkingv1.ServiceEntry_STATIC, &networkingv1.ServicePort{Number: 9090, Name: "grpc-api", Protocol: "GRPC"})),
		},
		"gateway hostname": {
			reason: "a gateway given by name resolves by DNS",
			g:      fleetGraph("ew.west.example.com", true, grpc),
			want:   derived(entry("ew.west.example.com", networkingv1.ServiceEntry_DNS, &networkingv1.ServicePort{Number: 9090, Name: "grpc-api", Protocol: "GRPC"})),
		},
		"one-sided": {
			reason: "without the callee's consent there is no agreement and no route",
			g:      fleetGraph("203.0.113.10", false, grpc),
		},
		"udp only": {
			reason: "a callee with no TCP port gets no route (checkRemote warns)",
			g:      fleetGraph("203.0.113.10", true, dns),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if d := diff(tc.want, remoteServices(SharedInput{Platform: meshPlatform(nil), Graph: tc.g})); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
	t.Run("checkRemote", func(t *testing.T) {
		want := []Problem{{Source: "shop/web", Field: "spec.workload.resources", Warning: true,
			Message: "pay/api on cluster west has no TCP port, so no route to it is derived and the agreement carries no traffic; give it a TCP port (the mesh carries TCP only)"}}
		if d := diff(want, checkRemote(SharedInput{Platform: meshPlatform(nil), Graph: fleetGraph("203.0.113.10", true, dns)})); d != "" {
			t.Errorf("a remote callee without a TCP port is a warning on each caller (-want +got):\n%s", d)
		}
	})
}
