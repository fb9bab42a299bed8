package v1alpha1

import (
	"slices"
	"testing"
)

func TestValidateMeshMember(t *testing.T) {
	platform := &Platform{}
	DefaultPlatform(platform)
	cases := []struct {
		name   string
		reason string
		edit   func(*MeshMember)
		want   []string // field paths with errors
	}{
		{"valid caller", "a member that only calls needs nothing but its name", func(m *MeshMember) {}, nil},
		{"valid callee", "a member that accepts callers names its pods and ports", func(m *MeshMember) {
			m.Spec.Selector = map[string]string{"app.kubernetes.io/name": "postgresql"}
			m.Spec.Ports = []int32{5432}
			m.Spec.Inbound = []MemberPeer{{Name: "api", Namespace: "shop"}, {Name: "*"}}
		}, nil},
		{"no name", "services declare the member by name", func(m *MeshMember) { m.Name = "" }, []string{"metadata.name"}},
		{"no namespace", "the identity needs the namespace", func(m *MeshMember) { m.Namespace = "" }, []string{"metadata.namespace"}},
		{"account", "the account is part of a principal, so a DNS label", func(m *MeshMember) { m.Spec.ServiceAccount = "a/b" }, []string{"spec.serviceAccount"}},
		{"cluster", "a member is declared in its own cluster's render", func(m *MeshMember) { m.Spec.Cluster = "east" }, []string{"spec.cluster"}},
		{"this cluster", "naming this render's cluster is the default", func(m *MeshMember) { m.Spec.Cluster = DefaultClusterName }, nil},
		{"inbound without selector", "the policy admitting callers selects the member's pods", func(m *MeshMember) {
			m.Spec.Inbound = []MemberPeer{{Name: "api", Namespace: "shop"}}
		}, []string{"spec.selector"}},
		{"bad selector", "label keys and values are checked", func(m *MeshMember) {
			m.Spec.Selector = map[string]string{"-bad": "x y"}
			m.Spec.Inbound = []MemberPeer{{Name: "api", Namespace: "shop"}}
		}, []string{"spec.selector[-bad]", "spec.selector[-bad]"}},
		{"ports without inbound", "ports restrict callers; without inbound they mean nothing", func(m *MeshMember) { m.Spec.Ports = []int32{80} }, []string{"spec.ports"}},
		{"bad ports", "ports are container ports, once each", func(m *MeshMember) {
			m.Spec.Selector = map[string]string{"app": "x"}
			m.Spec.Inbound = []MemberPeer{{Name: "api", Namespace: "shop"}}
			m.Spec.Ports = []int32{0, 80, 80, 70000}
		}, []string{"spec.ports[0]", "spec.ports[2]", "spec.ports[3]"}},
		{"wildcard outbound", `"*" only accepts callers`, func(m *MeshMember) { m.Spec.Outbound = []MemberPeer{{Name: "*", Namespace: "shop"}} }, []string{"spec.outbound[0].name"}},
		{"peers", "peers are DNS labels, declared once", func(m *MeshMember) {
			m.Spec.Outbound = []MemberPeer{{Name: "api", Namespace: "shop"}, {Name: "api", Namespace: "shop"}, {Name: "", Namespace: "shop"}, {Name: "API", Namespace: "Shop"}}
		}, []string{"spec.outbound[1]", "spec.outbound[2].name", "spec.outbound[3].name", "spec.outbound[3].namespace"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &MeshMember{}
			m.Name, m.Namespace = "postgres", "data"
			tc.edit(m)
			DefaultMeshMember(m)
			var got []string
			for _, e := range ValidateMeshMember(m, platform) {
				got = append(got, e.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\nerrors on %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestDefaultMeshMember(t *testing.T) {
	m := &MeshMember{}
	m.Name, m.Namespace = "vmagent", "monitoring"
	m.Spec.Outbound = []MemberPeer{{Name: "api", Namespace: "shop"}, {Name: "agent"}}
	DefaultMeshMember(m)
	if m.Spec.ServiceAccount != "vmagent" || m.Spec.Outbound[1].Namespace != "monitoring" || m.Spec.Outbound[0].Namespace != "shop" {
		t.Errorf("defaults: account %q, peers %+v", m.Spec.ServiceAccount, m.Spec.Outbound)
	}
	DefaultMeshMember(m)
	if m.Spec.ServiceAccount != "vmagent" {
		t.Error("defaulting is idempotent")
	}
}
