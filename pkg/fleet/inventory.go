package fleet

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// FileName is the inventory `lattice fleet inventory` writes into every
// cluster directory; each cluster's kustomization lists it as a resource.
const FileName = "fleet-inventory.yaml"

// InventoryName is the inventory's metadata.name.
const InventoryName = "fleet"

// LocalConfig keeps the inventory out of kustomize's output and marks it
// for kpt as configuration, not an object to apply.
const LocalConfig = "config.kubernetes.io/local-config"

// Inventory is the FleetInventory of a defaulted, valid fleet, given each
// cluster's defaulted and valid services by cluster name. It is a pure
// function of its input: clusters and services sorted by name, no time
// stamp, so regenerating an unchanged fleet gives the same bytes.
func Inventory(f *v1alpha1.Fleet, services map[string][]*v1alpha1.LatticeService) *v1alpha1.FleetInventory {
	inv := &v1alpha1.FleetInventory{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindFleetInventory},
		ObjectMeta: metav1.ObjectMeta{Name: InventoryName, Annotations: map[string]string{LocalConfig: "true"}},
	}
	for _, c := range f.Spec.Clusters {
		inv.Spec.Clusters = append(inv.Spec.Clusters, Summarize(c, services[c.Name]))
	}
	slices.SortFunc(inv.Spec.Clusters, func(a, b v1alpha1.InventoryCluster) int { return cmp.Compare(a.Name, b.Name) })
	return inv
}

// ValidateInventory checks an inventory as a render reads it. It is
// generated, so a problem here means it was edited by hand or written by
// another lattice.
func ValidateInventory(inv *v1alpha1.FleetInventory) field.ErrorList {
	errs := validateClusters(inv.Spec.Clusters, "lattice fleet inventory", "inventory")
	for i, c := range inv.Spec.Clusters {
		for j, s := range c.Services {
			if s.Digest != "" {
				errs = append(errs, field.Forbidden(field.NewPath("spec", "clusters").Index(i).Child("services").Index(j).Child("digest"), "only a render's view of a ServiceDirectory holds digests; run `lattice fleet inventory` instead of editing the inventory"))
			}
		}
		if len(c.Names)+len(c.ExportedNames) > 0 {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "clusters").Index(i).Child("names"), "only a render's view of a ServiceDirectory lists names; run `lattice fleet inventory` instead of editing the inventory"))
		}
	}
	return errs
}

// validateClusters checks the clusters of an inventory or a directory; cmd
// is the command that writes it, noun what it is.
func validateClusters(clusters []v1alpha1.InventoryCluster, cmd, noun string) field.ErrorList {
	var errs field.ErrorList
	cp := field.NewPath("spec", "clusters")
	regen := "run `" + cmd + "` instead of editing the " + noun
	if len(clusters) == 0 {
		article := "a "
		if strings.IndexByte("aeiou", noun[0]) >= 0 {
			article = "an "
		}
		errs = append(errs, field.Required(cp, article+noun+" lists the fleet's clusters; run `"+cmd+"` instead of editing it"))
	}
	seen := map[string]int{}
	for i, c := range clusters {
		p := cp.Index(i)
		errs = append(errs, checkCluster(p, c.Name, c.TrustDomain, i, seen, regen)...)
		if c.Network == "" {
			errs = append(errs, field.Required(p.Child("network"), regen))
		}
		exports := len(c.ExportedNames) > 0
		svcs := map[string]int{}
		for j, s := range c.Services {
			sp := p.Child("services").Index(j)
			exports = exports || s.Exported
			key := s.Namespace + "/" + s.Name
			if first, dup := svcs[key]; dup {
				errs = append(errs, field.Duplicate(sp, key))
				errs[len(errs)-1].Detail = fmt.Sprintf("%s is already spec.clusters[%d].services[%d]; %s", key, i, first, regen)
			}
			svcs[key] = j
		}
		if exports && (c.EastWestGateway == nil || c.EastWestGateway.Address == "" || c.EastWestGateway.Port == 0) {
			errs = append(errs, field.Required(p.Child("eastWestGateway"), "a cluster that exports services needs its east-west gateway address and port; set them in the Fleet and run `"+cmd+"`"))
		}
	}
	return errs
}

// Mismatch is a way the inventory disagrees with the render that reads it.
type Mismatch struct {
	// Service is "namespace/name" when one service differs.
	Service string
	// Field is the Platform field at fault when the cluster itself does
	// not match (spec.cluster.name, spec.cluster.trustDomain).
	Field   string
	Message string
}

// Check compares the inventory with the render of cluster: the cluster is
// in the fleet with this trust domain, and the inventory records exactly
// the render's services with their current ports and declarations. This
// is what makes both sides of every cross-cluster agreement come from one
// commit: an inventory regenerated from another commit than the
// services it is rendered with fails here (and in `lattice fleet check`).
func Check(inv *v1alpha1.FleetInventory, cluster, trustDomain string, services []*v1alpha1.LatticeService) []Mismatch {
	return CheckRender(FromInventory(inv), cluster, trustDomain, services, nil, nil, "lattice fleet inventory").Mismatches
}

// Diff names the parts of two entries of one service that differ, or "".
// Either may be a view's digest of its ports and declarations (Digest).
func Diff(a, b v1alpha1.InventoryService) string {
	// Compared as the inventory is written (omitempty): an empty list and
	// an absent one are the same. (Every render compares each of its
	// services: no JSON on the way.)
	var parts []string
	if a.Digest != "" || b.Digest != "" {
		da, db := strings.Fields(cmp.Or(a.Digest, Digest(a))), strings.Fields(cmp.Or(b.Digest, Digest(b)))
		for i, name := range []string{"ports", "outbound declarations", "inbound declarations"} {
			if i >= len(da) || i >= len(db) || da[i] != db[i] {
				parts = append(parts, name)
			}
		}
	} else {
		if !slices.Equal(a.Ports, b.Ports) {
			parts = append(parts, "ports")
		}
		if !slices.EqualFunc(a.Outbound, b.Outbound, samePeer) {
			parts = append(parts, "outbound declarations")
		}
		if !slices.EqualFunc(a.Inbound, b.Inbound, samePeer) || !slices.EqualFunc(a.AnyCallerRules, b.AnyCallerRules, sameRule) || a.AcceptsAnyDeclaredCaller != b.AcceptsAnyDeclaredCaller {
			parts = append(parts, "inbound declarations")
		}
	}
	if a.Exported != b.Exported {
		parts = append(parts, "exported")
	}
	if a.Waypoint != b.Waypoint {
		parts = append(parts, "waypoint")
	}
	if a.Member != b.Member || a.ServiceAccount != b.ServiceAccount || a.Identity != b.Identity && a.Identity != "" && b.Identity != "" {
		parts = append(parts, "identity")
	}
	if a.Render != b.Render {
		parts = append(parts, "render "+cmp.Or(a.Render, `""`)+" -> "+cmp.Or(b.Render, `""`))
	}
	return strings.Join(parts, ", ")
}

// Digest fingerprints an entry's ports, outbound and inbound declarations
// (the parts Diff names), each as the first 12 hex digits of the SHA-256
// of its JSON, "-" when empty. A view carries it for the render's own
// services instead of the parts: a third to half of a view was the
// render's own contract, which the render has in its input.
func Digest(s v1alpha1.InventoryService) string {
	in := struct {
		Inbound []v1alpha1.InventoryPeer `json:"inbound,omitempty"`
		Rules   []v1alpha1.L7Rule        `json:"anyCallerRules,omitempty"`
		Any     bool                     `json:"acceptsAnyDeclaredCaller,omitempty"`
	}{s.Inbound, s.AnyCallerRules, s.AcceptsAnyDeclaredCaller}
	parts := []any{s.Ports, s.Outbound, in}
	empty := []bool{len(s.Ports) == 0, len(s.Outbound) == 0, len(s.Inbound)+len(s.AnyCallerRules) == 0 && !s.AcceptsAnyDeclaredCaller}
	var b strings.Builder
	for i, name := range []string{"ports", "outbound", "inbound"} {
		h := "-"
		if !empty[i] {
			data, _ := json.Marshal(parts[i]) // plain structs: cannot fail
			sum := sha256.Sum256(data)
			h = hex.EncodeToString(sum[:6])
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name + ":" + h)
	}
	return b.String()
}

func samePeer(a, b v1alpha1.InventoryPeer) bool {
	return a.Cluster == b.Cluster && a.Namespace == b.Namespace && a.Name == b.Name && slices.EqualFunc(a.Rules, b.Rules, sameRule)
}

func sameRule(x, y v1alpha1.L7Rule) bool {
	return slices.Equal(x.Methods, y.Methods) && slices.Equal(x.Paths, y.Paths)
}

// Graph is the inventory as the service graph takes it, for a render of
// cluster local.
func Graph(inv *v1alpha1.FleetInventory, local string) *graph.Fleet {
	f := &graph.Fleet{Local: local}
	for _, c := range inv.Spec.Clusters {
		f.Clusters = append(f.Clusters, graph.Cluster{Name: c.Name, TrustDomain: c.TrustDomain, Network: c.Network, Gateway: c.EastWestGateway, Services: c.Services})
	}
	return f
}

// Changes lists, one line each, how inventory b differs from a: clusters
// and services added (+), removed (-) or changed (~).
func Changes(a, b *v1alpha1.FleetInventory) []string {
	var out []string
	clusters := func(inv *v1alpha1.FleetInventory) map[string]v1alpha1.InventoryCluster {
		m := map[string]v1alpha1.InventoryCluster{}
		for _, c := range inv.Spec.Clusters {
			m[c.Name] = c
		}
		return m
	}
	ca, cb := clusters(a), clusters(b)
	var names []string
	for n := range ca {
		names = append(names, n)
	}
	for n := range cb {
		if _, ok := ca[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		x, inA := ca[name]
		y, inB := cb[name]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("+ cluster %s (%d services)", name, len(y.Services)))
			continue
		case !inB:
			out = append(out, fmt.Sprintf("- cluster %s", name))
			continue
		}
		if x.TrustDomain != y.TrustDomain {
			out = append(out, fmt.Sprintf("~ cluster %s: trust domain %s -> %s", name, x.TrustDomain, y.TrustDomain))
		}
		if x.Network != y.Network {
			out = append(out, fmt.Sprintf("~ cluster %s: network %s -> %s", name, x.Network, y.Network))
		}
		gw := func(g *v1alpha1.EastWestGateway) string {
			if g == nil {
				return "none"
			}
			return fmt.Sprintf("%s:%d", g.Address, g.Port)
		}
		if gw(x.EastWestGateway) != gw(y.EastWestGateway) {
			out = append(out, fmt.Sprintf("~ cluster %s: east-west gateway %s -> %s", name, gw(x.EastWestGateway), gw(y.EastWestGateway)))
		}
		sa, sb := map[string]v1alpha1.InventoryService{}, map[string]v1alpha1.InventoryService{}
		var keys []string
		for _, s := range x.Services {
			sa[s.Namespace+"/"+s.Name] = s
			keys = append(keys, s.Namespace+"/"+s.Name)
		}
		for _, s := range y.Services {
			k := s.Namespace + "/" + s.Name
			sb[k] = s
			if _, ok := sa[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			s, inA := sa[k]
			t, inB := sb[k]
			switch {
			case !inA:
				out = append(out, fmt.Sprintf("+ %s %s", name, k))
			case !inB:
				out = append(out, fmt.Sprintf("- %s %s", name, k))
			default:
				if d := Diff(s, t); d != "" {
					out = append(out, fmt.Sprintf("~ %s %s: %s", name, k, d))
				}
			}
		}
	}
	return out
}
