package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/lattice-dev/lattice/pkg/sorted"
)

// DefaultMeshMember fills the member's unset fields.
func DefaultMeshMember(m *MeshMember) {
	if m.Spec.ServiceAccount == "" {
		m.Spec.ServiceAccount = m.Name
	}
	for _, peers := range [][]MemberPeer{m.Spec.Outbound, m.Spec.Inbound} {
		for i := range peers {
			if peers[i].Namespace == "" {
				peers[i].Namespace = m.Namespace
			}
		}
	}
}

// ValidateMeshMember checks a defaulted MeshMember. Every name becomes part
// of a principal or a policy, so each is a DNS label: a member cannot name
// an identity pattern.
func ValidateMeshMember(m *MeshMember, p *Platform) field.ErrorList {
	var errs field.ErrorList
	md := field.NewPath("metadata")
	if m.Name == "" {
		errs = append(errs, field.Required(md.Child("name"), "every MeshMember needs a name: the name LatticeServices declare it by"))
	} else {
		errs = append(errs, dnsLabel(md.Child("name"), m.Name)...)
	}
	if m.Namespace == "" {
		errs = append(errs, field.Required(md.Child("namespace"), "the namespace the workload runs in; set metadata.namespace in the file or with kustomize's namespace: field"))
	} else {
		errs = append(errs, dnsLabel(md.Child("namespace"), m.Namespace)...)
	}
	spec := field.NewPath("spec")
	if m.Spec.ServiceAccount != "" {
		errs = append(errs, dnsLabel(spec.Child("serviceAccount"), m.Spec.ServiceAccount)...)
	}
	if c := m.Spec.Cluster; c != "" && p != nil && c != p.Spec.Cluster.Name {
		errs = append(errs, field.Invalid(spec.Child("cluster"), c, fmt.Sprintf(
			"this render is cluster %q; a member is declared in the render of the cluster it runs on (omit cluster: for this one)", p.Spec.Cluster.Name)))
	}
	if len(m.Spec.Inbound) > 0 && len(m.Spec.Selector) == 0 {
		errs = append(errs, field.Required(spec.Child("selector"), "a member that accepts callers needs its pods' labels, e.g. selector: {app.kubernetes.io/name: "+m.Name+"}: the AuthorizationPolicy admitting its callers selects them"))
	}
	for _, k := range sorted.Keys(m.Spec.Selector) {
		sp := spec.Child("selector").Key(k)
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(sp, k, "is not a valid label key: "+msg))
		}
		for _, msg := range validation.IsValidLabelValue(m.Spec.Selector[k]) {
			errs = append(errs, field.Invalid(sp, m.Spec.Selector[k], "is not a valid label value: "+msg))
		}
	}
	if len(m.Spec.Ports) > 0 && len(m.Spec.Inbound) == 0 {
		errs = append(errs, field.Forbidden(spec.Child("ports"), "ports restrict inbound callers; declare inbound, or remove ports"))
	}
	seenPort := map[int32]bool{}
	for i, port := range m.Spec.Ports {
		pp := spec.Child("ports").Index(i)
		switch {
		case port < 1 || port > 65535:
			errs = append(errs, field.Invalid(pp, port, "must be a container port between 1 and 65535"))
		case seenPort[port]:
			errs = append(errs, field.Duplicate(pp, port))
		}
		seenPort[port] = true
	}
	errs = append(errs, validatePeers(m.Spec.Outbound, false, spec.Child("outbound"))...)
	errs = append(errs, validatePeers(m.Spec.Inbound, true, spec.Child("inbound"))...)
	return errs
}

func validatePeers(peers []MemberPeer, inbound bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[MemberPeer]bool{}
	for i, peer := range peers {
		pp := path.Index(i)
		switch {
		case peer.Name == "":
			errs = append(errs, field.Required(pp.Child("name"), "the LatticeService or MeshMember's name"))
		case peer.Name == "*" && !inbound:
			errs = append(errs, field.Invalid(pp.Child("name"), peer.Name, `"*" accepts callers (inbound only); an outbound declaration names the service it calls`))
		case peer.Name != "*":
			errs = append(errs, dnsLabel(pp.Child("name"), peer.Name)...)
		}
		if peer.Namespace != "" {
			errs = append(errs, dnsLabel(pp.Child("namespace"), peer.Namespace)...)
		}
		if seen[peer] {
			errs = append(errs, field.Duplicate(pp, peer.Namespace+"/"+peer.Name))
		}
		seen[peer] = true
	}
	return errs
}
