package fleet

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// The directory of service contracts (docs/teams.md). A cluster is
// rendered by several renders (one per team: an Argo CD Application, a
// Flux Kustomization, a repository); the ServiceDirectory records every
// service's contract with the render that owns it, so a render matches
// agreements with services of other renders, on its own cluster or on
// another, exactly as one render of everything would. The FleetInventory
// is the special case of one render per cluster, and a FleetInventory
// reads as a directory whose clusters each have one unnamed render.
//
// A contract records what leaves its render: declarations whose peer is
// not a service of the same render (others are nobody else's business, so
// changing them never makes another render's copy stale), and — when
// another render could call the service (the cluster has several renders,
// or the service is exported) — its ports, inbound declarations and
// wildcard.

// DirectoryCommand builds and refreshes the directory.
const DirectoryCommand = "lattice directory build"

// ViewFileName is the file `lattice directory build` writes into every
// render root: the render's view of the directory, which its kustomization
// lists as a resource.
const ViewFileName = "service-directory.yaml"

// DirectoryName is the metadata.name of every directory, view and contract.
const DirectoryName = "services"

// Render is one render's input to the directory: the services of a render
// root, or the entries of a contract published by the team's repository.
type Render struct {
	Cluster string
	Name    string
	// Services are the render's defaulted and valid LatticeServices.
	Services []*v1alpha1.LatticeService
	// Members are the render's defaulted and valid MeshMembers: their
	// contracts let services of the cluster's other renders admit and call
	// them (mesh-members.md).
	Members []*v1alpha1.MeshMember
	// Contract are the entries of a published contract (ContractOf), used
	// when Services and Members are nil.
	Contract []v1alpha1.InventoryService
	// From says where the render came from, for errors.
	From string
}

// peerSkip reports whether a declared peer stays inside the render that
// declares it: it resolves to the declaring cluster (named, or not named
// and the cluster runs it) and either the render runs it or the cluster
// does not (a dangling local peer is nobody else's business either).
// inCluster nil means "not known" (a contract, written before the
// cluster's other renders are known): only the render decides.
func peerSkip(cluster string, p v1alpha1.InventoryPeer, inRender, inCluster func(string) bool) bool {
	k := p.Namespace + "/" + p.Name
	if inCluster == nil {
		return (p.Cluster == cluster || p.Cluster == "") && inRender(k)
	}
	local := p.Cluster == cluster || p.Cluster == "" && inCluster(k)
	return local && (inRender(k) || !inCluster(k))
}

// Entry is one service's contract in a directory: full is whether another
// render may call it (the cluster has several renders, or it is exported),
// which adds its ports, inbound declarations and wildcard. td is the
// cluster's trust domain.
func Entry(s *v1alpha1.LatticeService, cluster, td, render string, exported, full bool, inRender, inCluster func(string) bool) v1alpha1.InventoryService {
	out := contract(s, exported, full, func(p v1alpha1.InventoryPeer) bool { return peerSkip(cluster, p, inRender, inCluster) })
	out.Render, out.Identity = render, Identity(td, s.Namespace, s.Name)
	return out
}

// MemberEntry is one MeshMember's contract in a directory. A member is
// matched on its own cluster only (its peers name no cluster), so its
// declarations of services of its own render, or of nothing on the
// cluster, stay in its render like a service's; full (the cluster has
// several renders) adds its inbound declarations and wildcard. Its
// identity is its ServiceAccount's, which is recorded when it is not the
// member's name.
func MemberEntry(m *v1alpha1.MeshMember, td, render string, full bool, inRender, inCluster func(string) bool) v1alpha1.InventoryService {
	out := v1alpha1.InventoryService{Namespace: m.Namespace, Name: m.Name, Render: render, Member: true,
		Identity: Identity(td, m.Namespace, m.Spec.ServiceAccount)}
	if m.Spec.ServiceAccount != m.Name {
		out.ServiceAccount = m.Spec.ServiceAccount
	}
	skip := func(p v1alpha1.MemberPeer) bool {
		k := p.Namespace + "/" + p.Name
		return inRender(k) || inCluster != nil && !inCluster(k)
	}
	for _, p := range m.Spec.Outbound {
		if !skip(p) {
			out.Outbound = append(out.Outbound, v1alpha1.InventoryPeer{Namespace: p.Namespace, Name: p.Name})
		}
	}
	for _, p := range m.Spec.Inbound {
		switch {
		case !full:
		case p.Name == "*":
			out.AcceptsAnyDeclaredCaller = true
		case !skip(p):
			out.Inbound = append(out.Inbound, v1alpha1.InventoryPeer{Namespace: p.Namespace, Name: p.Name})
		}
	}
	sortPeers(out.Outbound)
	out.Outbound = slices.CompactFunc(out.Outbound, samePeer)
	sortPeers(out.Inbound)
	out.Inbound = slices.CompactFunc(out.Inbound, samePeer)
	return out
}

// Identity is a service's principal as Istio policies name it.
func Identity(td, ns, name string) string { return td + "/ns/" + ns + "/sa/" + name }

func names(services []*v1alpha1.LatticeService, members []*v1alpha1.MeshMember) map[string]bool {
	m := make(map[string]bool, len(services)+len(members))
	for _, s := range services {
		m[s.Namespace+"/"+s.Name] = true
	}
	for _, x := range members {
		m[x.Namespace+"/"+x.Name] = true
	}
	return m
}

// ContractOf is a render's contract, as its team's CI publishes it: one
// cluster, the render's services and members with everything that leaves
// the render (the cluster's other renders and the Fleet's exports are not
// known yet; Directory settles both).
func ContractOf(cluster, td, render string, services []*v1alpha1.LatticeService, members []*v1alpha1.MeshMember) *v1alpha1.ServiceDirectory {
	mine := names(services, members)
	in := func(k string) bool { return mine[k] }
	c := v1alpha1.InventoryCluster{Name: cluster, TrustDomain: td, Network: cluster, Renders: []string{render}}
	for _, s := range services {
		e := Entry(s, cluster, td, render, false, true, in, nil)
		// Whether it exports is the Fleet's word (settle): record what
		// an export would bind.
		e.Waypoint = s.Spec.Workload.Service != nil && len(s.Spec.Workload.Service.Ports) > 0 && v1alpha1.RestrictsInbound(s)
		c.Services = append(c.Services, e)
	}
	for _, m := range members {
		c.Services = append(c.Services, MemberEntry(m, td, render, true, in, nil))
	}
	sortServices(c.Services)
	d := newDirectory()
	d.Spec.Render, d.Spec.Contract = render, true
	d.Spec.Clusters = []v1alpha1.InventoryCluster{c}
	return d
}

func newDirectory() *v1alpha1.ServiceDirectory {
	return &v1alpha1.ServiceDirectory{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindServiceDirectory},
		ObjectMeta: metav1.ObjectMeta{Name: DirectoryName, Annotations: map[string]string{LocalConfig: "true"}},
	}
}

func sortServices(ss []v1alpha1.InventoryService) {
	slices.SortFunc(ss, func(a, b v1alpha1.InventoryService) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
}

// Directory builds the ServiceDirectory of a defaulted, valid fleet from
// every render. A service defined by two renders of one cluster is an
// error (its policies would have two owners). It is a pure function of its
// input: sorted, no time stamp.
func Directory(f *v1alpha1.Fleet, renders []Render) (*v1alpha1.ServiceDirectory, []string) {
	var errs []string
	d := newDirectory()
	for _, c := range f.Spec.Clusters {
		var rs []Render
		for _, r := range renders {
			if r.Cluster == c.Name {
				rs = append(rs, r)
			}
		}
		full := len(rs) > 1
		owner := map[string]Render{}
		for _, r := range rs {
			for _, k := range renderNames(r) {
				if prev, dup := owner[k]; dup {
					errs = append(errs, fmt.Sprintf("cluster %s: %s is defined by render %s (%s) and by render %s (%s); each service belongs to one render", c.Name, k, prev.Name, prev.From, r.Name, r.From))
					continue
				}
				owner[k] = r
			}
		}
		inCluster := func(k string) bool { _, ok := owner[k]; return ok }
		out := v1alpha1.InventoryCluster{Name: c.Name, TrustDomain: c.TrustDomain, Network: c.Network, EastWestGateway: c.EastWestGateway}
		for _, r := range rs {
			out.Renders = append(out.Renders, r.Name)
		}
		slices.Sort(out.Renders)
		for _, r := range rs {
			if r.Services != nil || r.Members != nil {
				mine := names(r.Services, r.Members)
				in := func(k string) bool { return mine[k] }
				for _, s := range r.Services {
					if owner[s.Namespace+"/"+s.Name].Name == r.Name {
						out.Services = append(out.Services, Entry(s, c.Name, c.TrustDomain, r.Name, Exported(c, s.Namespace, s.Name), full || Exported(c, s.Namespace, s.Name), in, inCluster))
					}
				}
				for _, m := range r.Members {
					if owner[m.Namespace+"/"+m.Name].Name == r.Name {
						out.Services = append(out.Services, MemberEntry(m, c.TrustDomain, r.Name, full, in, inCluster))
					}
				}
				continue
			}
			for _, e := range r.Contract {
				if owner[e.Namespace+"/"+e.Name].Name == r.Name {
					out.Services = append(out.Services, settle(e, c, r.Name, full, inCluster))
				}
			}
		}
		sortServices(out.Services)
		d.Spec.Clusters = append(d.Spec.Clusters, out)
	}
	slices.SortFunc(d.Spec.Clusters, func(a, b v1alpha1.InventoryCluster) int { return cmp.Compare(a.Name, b.Name) })
	return d, errs
}

func renderNames(r Render) []string {
	var out []string
	for _, s := range r.Services {
		out = append(out, s.Namespace+"/"+s.Name)
	}
	for _, m := range r.Members {
		out = append(out, m.Namespace+"/"+m.Name)
	}
	for _, e := range r.Contract {
		out = append(out, e.Namespace+"/"+e.Name)
	}
	return out
}

// settle turns a contract's entry into the directory's: the Fleet's export,
// the cluster's trust domain, and what the cluster's other renders decide
// (Entry with the cluster known gives the same entry from the spec).
func settle(e v1alpha1.InventoryService, c v1alpha1.FleetCluster, render string, full bool, inCluster func(string) bool) v1alpha1.InventoryService {
	e.Render, e.Identity = render, Identity(c.TrustDomain, e.Namespace, e.Account())
	if e.Member {
		// Matched on its own cluster only (MemberEntry).
		e.Exported, e.Waypoint, e.Ports = false, false, nil
	} else {
		e.Exported = Exported(c, e.Namespace, e.Name)
	}
	keep := func(ps []v1alpha1.InventoryPeer) []v1alpha1.InventoryPeer {
		var out []v1alpha1.InventoryPeer
		for _, p := range ps {
			if (p.Cluster == c.Name || e.Member) && !inCluster(p.Namespace+"/"+p.Name) {
				continue
			}
			out = append(out, p)
		}
		return out
	}
	e.Outbound = keep(e.Outbound)
	e.Inbound = keep(e.Inbound)
	if !full && !e.Exported {
		e.Ports, e.Inbound, e.AcceptsAnyDeclaredCaller, e.AnyCallerRules = nil, nil, false, nil
	}
	if !e.Exported {
		e.Waypoint = false
	}
	return e
}

// ValidateDirectory checks a directory, a view or a contract as a render
// or `lattice directory build` reads it.
func ValidateDirectory(d *v1alpha1.ServiceDirectory) field.ErrorList {
	errs := validateClusters(d.Spec.Clusters, DirectoryCommand, "directory")
	cp := field.NewPath("spec", "clusters")
	for i, c := range d.Spec.Clusters {
		for j, s := range c.Services {
			sp := cp.Index(i).Child("services").Index(j)
			if !slices.Contains(c.Renders, s.Render) {
				errs = append(errs, field.Invalid(sp.Child("render"), s.Render, "every service of a directory names one of its cluster's renders; run `"+DirectoryCommand+"` instead of editing the directory"))
			}
			if want := Identity(c.TrustDomain, s.Namespace, s.Account()); s.Identity != "" && s.Identity != want {
				errs = append(errs, field.Invalid(sp.Child("identity"), s.Identity, "the identity of "+s.Namespace+"/"+s.Name+" on cluster "+c.Name+" is "+want+"; run `"+DirectoryCommand+"` instead of editing the directory"))
			}
			errs = append(errs, validateMemberEntry(sp, s)...)
			if s.Digest != "" && (!validDigest(s.Digest) || d.Spec.Render == "" || s.Render != d.Spec.Render ||
				len(s.Ports)+len(s.Outbound)+len(s.Inbound)+len(s.AnyCallerRules) > 0 || s.AcceptsAnyDeclaredCaller) {
				errs = append(errs, field.Invalid(sp.Child("digest"), s.Digest, "a digest stands for the ports and declarations of a view's own services, as `"+DirectoryCommand+"` writes it; run it instead of editing the directory"))
			}
		}
	}
	errs = append(errs, validateNames(d)...)
	if d.Spec.Contract && len(d.Spec.Clusters) != 1 {
		errs = append(errs, field.Invalid(cp, len(d.Spec.Clusters), "a contract is one render of one cluster; write it with `lattice directory contract`"))
	}
	return errs
}

// validDigest: "ports:<12 hex digits or -> outbound:… inbound:…" (Digest).
func validDigest(d string) bool {
	f := strings.Fields(d)
	for i, name := range []string{"ports", "outbound", "inbound"} {
		h, ok := "", false
		if i < len(f) {
			h, ok = strings.CutPrefix(f[i], name+":")
		}
		if _, err := hex.DecodeString(h); !ok || h != "-" && (len(h) != 12 || err != nil || h != strings.ToLower(h)) {
			return false
		}
	}
	return len(f) == 3 && d == strings.Join(f, " ")
}

// validateMemberEntry checks what a member's entry cannot hold: a member
// has no ports, no L7 rules and no export, and its peers are on its own
// cluster (mesh-members.md); only a member runs as another account than
// its name.
func validateMemberEntry(sp *field.Path, s v1alpha1.InventoryService) field.ErrorList {
	regen := "; run `" + DirectoryCommand + "` instead of editing the directory"
	if !s.Member {
		if s.ServiceAccount != "" {
			return field.ErrorList{field.Forbidden(sp.Child("serviceAccount"), "a LatticeService runs as its own name; only a member (member: true) records its account"+regen)}
		}
		return nil
	}
	var errs field.ErrorList
	if len(s.Ports) > 0 || s.Exported || s.Waypoint || len(s.AnyCallerRules) > 0 {
		errs = append(errs, field.Forbidden(sp, "a MeshMember's entry has no ports, export, waypoint or L7 rules"+regen))
	}
	for _, ps := range [][]v1alpha1.InventoryPeer{s.Outbound, s.Inbound} {
		for _, p := range ps {
			if p.Cluster != "" || len(p.Rules) > 0 {
				errs = append(errs, field.Forbidden(sp, "a MeshMember's peers are on its own cluster and carry no L7 rules"+regen))
				return errs
			}
		}
	}
	return errs
}

// FromInventory reads a FleetInventory as the directory it is: every
// cluster one unnamed render.
func FromInventory(inv *v1alpha1.FleetInventory) *v1alpha1.ServiceDirectory {
	d := newDirectory()
	d.ObjectMeta = inv.ObjectMeta
	d.Spec.Clusters = inv.Spec.Clusters
	return d
}

// RenderCheck is what a render learns from comparing the directory with its
// own services: the render it is, and every way the directory is stale.
type RenderCheck struct {
	// Render is the directory's name for this render ("" for a
	// FleetInventory, or when none of its services is recorded).
	Render     string
	Mismatches []Mismatch
}

// CheckRender compares the directory with one render of cluster. The
// render is the one spec.render names (a view), or the render most of its
// services are recorded in. Every own service must be recorded, in this
// render, with its current contract; every service recorded for this
// render must be in it; the same for its MeshMembers. skip are services of
// the render that failed validation: not compared, and not reported
// missing. cmd is the command that refreshes the directory.
func CheckRender(d *v1alpha1.ServiceDirectory, cluster, trustDomain string, services []*v1alpha1.LatticeService, members []*v1alpha1.MeshMember, skip map[string]bool, cmd string) RenderCheck {
	if cmd != DirectoryCommand {
		members = nil // a FleetInventory carries no members: they are matched in their own render only
	}
	var c *v1alpha1.InventoryCluster
	var clusterNames []string
	for i := range d.Spec.Clusters {
		clusterNames = append(clusterNames, d.Spec.Clusters[i].Name)
		if d.Spec.Clusters[i].Name == cluster {
			c = &d.Spec.Clusters[i]
		}
	}
	noun, short := "service directory", "directory"
	if cmd != DirectoryCommand {
		noun, short = "fleet inventory", "inventory"
	}
	if c == nil {
		return RenderCheck{Mismatches: []Mismatch{{Field: "spec.cluster.name", Message: fmt.Sprintf("%q is not a cluster of the %s (it has %s); set the Platform's spec.cluster.name to this cluster's name in the Fleet", cluster, noun, strings.Join(clusterNames, ", "))}}}
	}
	if c.TrustDomain != trustDomain {
		return RenderCheck{Mismatches: []Mismatch{{Field: "spec.cluster.trustDomain", Message: fmt.Sprintf("%q, but the fleet gives cluster %s the trust domain %q; principals on the other clusters would not match this cluster's identities. Make the Platform and the Fleet agree", trustDomain, cluster, c.TrustDomain)}}}
	}
	recorded := make(map[string]*v1alpha1.InventoryService, len(c.Services))
	for i := range c.Services {
		s := &c.Services[i]
		recorded[s.Namespace+"/"+s.Name] = s
	}
	// Which render this is.
	mine := d.Spec.Render
	if mine == "" {
		count := map[string]int{}
		for _, s := range services {
			if e := recorded[s.Namespace+"/"+s.Name]; e != nil {
				count[e.Render]++
			}
		}
		for _, m := range members {
			if e := recorded[m.Namespace+"/"+m.Name]; e != nil {
				count[e.Render]++
			}
		}
		best := -1
		for _, r := range sorted.Keys(count) {
			if count[r] > best {
				mine, best = r, count[r]
			}
		}
	}
	// A view holds some of the cluster's services; the cluster's list of
	// renders says whether another render may call them.
	full := len(c.Renders) > 1
	where := "cluster " + cluster
	if mine != "" {
		where = "render " + mine + " of cluster " + cluster
	}
	stale := func(svc, what string) Mismatch {
		return Mismatch{Service: svc, Message: fmt.Sprintf("the %s is stale for %s (%s); run `%s` and commit the result with the change", noun, where, what, cmd)}
	}
	own := names(services, members)
	inRender := func(k string) bool { return own[k] || skip[k] }
	inCluster := func(k string) bool { return inRender(k) || recorded[k] != nil && recorded[k].Render != mine }
	if !full {
		inCluster = inRender // one render: the cluster is the render
	}
	out := RenderCheck{Render: mine}
	for _, s := range services {
		key := s.Namespace + "/" + s.Name
		have := recorded[key]
		switch {
		case have == nil:
			out.Mismatches = append(out.Mismatches, stale(key, key+" is new"))
		case have.Render != mine:
			out.Mismatches = append(out.Mismatches, stale(key, key+" is recorded in render "+have.Render))
		default:
			want := Entry(s, cluster, trustDomain, have.Render, have.Exported, full || have.Exported, inRender, inCluster)
			want.Identity = have.Identity // a FleetInventory records none
			if diff := Diff(*have, want); diff != "" {
				out.Mismatches = append(out.Mismatches, stale(key, key+" changed: "+diff))
			}
		}
	}
	for _, m := range members {
		key := m.Namespace + "/" + m.Name
		have := recorded[key]
		switch {
		case have == nil:
			out.Mismatches = append(out.Mismatches, stale(key, "MeshMember "+key+" is new"))
		case have.Render != mine:
			out.Mismatches = append(out.Mismatches, stale(key, "MeshMember "+key+" is recorded in render "+have.Render))
		default:
			want := MemberEntry(m, trustDomain, have.Render, full, inRender, inCluster)
			if diff := Diff(*have, want); diff != "" {
				out.Mismatches = append(out.Mismatches, stale(key, "MeshMember "+key+" changed: "+diff))
			}
		}
	}
	for _, s := range c.Services {
		if key := s.Namespace + "/" + s.Name; s.Render == mine && !own[key] && !skip[key] {
			out.Mismatches = append(out.Mismatches, stale("", key+" is in the "+short+" but not in this render"))
		}
	}
	return out
}

// View is the part of directory d that render (of cluster) needs, with
// spec.render set. A render of its view derives and reports exactly what a
// render of the whole directory would, at a cost that grows with its own
// services and their peers, not with the fleet: the view resolves names
// the way the graph does (pkg/graph/fleet.go) and keeps
//
//   - the render's own services, their ports and declarations as a Digest
//     (CheckRender compares it; nothing else reads them from a view);
//   - for each peer they declare, the service it resolves to, and by name
//     only (the cluster's Names or ExportedNames: no ports, no
//     declarations) every other candidate that makes it ambiguous or
//     unexported;
//   - every service that declares one of them outbound and resolves to it
//     (a caller), with the names its own resolution looks at;
//   - the names of the services that share a caller's identity (one trust
//     domain).
//
// It leaves out what no render reads: identities (the graph derives
// principals from the trust domain; CheckRender takes the recorded one),
// and the ports of other renders' services it does not call. A view is
// read by every render on every commit and its size is most of what a
// render with a view costs over one without (BENCHMARKS.md, issue 14);
// TestViewRendersLikeWholeDirectory holds a render of its view to the
// render of the whole directory.
func View(d *v1alpha1.ServiceDirectory, cluster, render string) *v1alpha1.ServiceDirectory {
	return NewViews(d).View(cluster, render)
}

// viewKey is a service of a cluster.
type viewKey struct {
	cluster string
	ref
}

// Views makes the views of one directory: its index is built once, so
// every render's view costs its own services and their peers.
type Views struct {
	d     *v1alpha1.ServiceDirectory
	entry map[viewKey]*v1alpha1.InventoryService
	// at is each service's place in the directory: a view lists what it
	// keeps in directory order without visiting the rest.
	at     map[viewKey]viewAt
	byName map[ref][]viewKey // in directory order
	td     map[string]string
	// byRender lists each render's own services, in directory order.
	byRender map[viewKey][]viewKey // key: {cluster, ref{"", render}}
	// callers lists, per declared peer (the cluster as declared, "" for
	// none, and the name), the services whose outbound declarations name
	// it, in directory order.
	callers map[viewKey][]viewKey
}

// NewViews indexes d.
func NewViews(d *v1alpha1.ServiceDirectory) *Views {
	v := &Views{d: d, entry: map[viewKey]*v1alpha1.InventoryService{}, at: map[viewKey]viewAt{}, byName: map[ref][]viewKey{}, td: map[string]string{},
		byRender: map[viewKey][]viewKey{}, callers: map[viewKey][]viewKey{}}
	for i := range d.Spec.Clusters {
		c := &d.Spec.Clusters[i]
		v.td[c.Name] = c.TrustDomain
		for j := range c.Services {
			s := &c.Services[j]
			k := viewKey{c.Name, ref{s.Namespace, s.Name}}
			v.entry[k] = s
			v.at[k] = viewAt{i, j}
			if !s.Member { // a member is never another cluster's candidate
				v.byName[k.ref] = append(v.byName[k.ref], k)
			}
			rk := viewKey{c.Name, ref{"", s.Render}}
			v.byRender[rk] = append(v.byRender[rk], k)
			for _, p := range s.Outbound {
				r := viewKey{p.Cluster, ref{p.Namespace, p.Name}}
				if l := v.callers[r]; len(l) == 0 || l[len(l)-1] != k {
					v.callers[r] = append(l, k)
				}
			}
		}
	}
	return v
}

// View is the view of render of cluster (see the function View).
func (v *Views) View(cluster, render string) *v1alpha1.ServiceDirectory {
	type key = viewKey
	// full: services the render's agreements read; callee: those its
	// declarations resolve to as callees (it reads their ports); stub:
	// what name resolution reads.
	full, callee, stub := map[key]bool{}, map[key]bool{}, map[key]bool{}
	runs := func(c string, r ref) bool { return v.entry[key{c, r}] != nil }
	own := v.byRender[key{cluster, ref{"", render}}]
	mine := make(map[ref]bool, len(own))
	for _, k := range own {
		mine[k.ref] = true
		full[k] = true
	}
	// What a declaration of from's cluster resolves to; remote are the
	// callees on other clusters.
	remote := map[key]bool{}
	include := func(k key, isCallee bool) {
		full[k] = true
		callee[k] = callee[k] || isCallee
	}
	resolve := func(from string, p v1alpha1.InventoryPeer, isCallee bool) {
		r := ref{p.Namespace, p.Name}
		switch {
		case p.Cluster != "" && p.Cluster != from:
			if runs(p.Cluster, r) {
				include(key{p.Cluster, r}, isCallee)
				remote[key{p.Cluster, r}] = remote[key{p.Cluster, r}] || isCallee
			}
			if runs(from, r) {
				stub[key{from, r}] = true // shadowed
			}
		case runs(from, r):
			include(key{from, r}, isCallee) // the local service wins
		case p.Cluster == "":
			var cands []key
			for _, k := range v.byName[r] {
				if k.cluster == from {
					continue
				}
				stub[k] = true
				if !isCallee || v.entry[k].Exported {
					cands = append(cands, k)
				}
			}
			if len(cands) == 1 {
				include(cands[0], isCallee)
				remote[cands[0]] = remote[cands[0]] || isCallee
			}
		}
	}
	for _, k := range own {
		e := v.entry[k]
		at := func(p v1alpha1.InventoryPeer) v1alpha1.InventoryPeer {
			if e.Member {
				p.Cluster = cluster // a member's peers are on its cluster
			}
			return p
		}
		for _, p := range e.Outbound {
			resolve(cluster, at(p), true)
		}
		for _, p := range e.Inbound {
			resolve(cluster, at(p), false)
		}
	}
	// Callers: services of other renders that declare one of the render's
	// services outbound and resolve to it.
	var callers []key
	isCaller := map[key]bool{}
	caller := func(k key) {
		if k.cluster == cluster && v.entry[k].Render == render || isCaller[k] || v.entry[k].Member && k.cluster != cluster {
			return
		}
		full[k], isCaller[k] = true, true
		callers = append(callers, k)
	}
	for _, o := range own {
		// Declared with this cluster, or with none from this cluster or
		// from one that does not run the name.
		for _, k := range v.callers[key{cluster, o.ref}] {
			caller(k)
		}
		for _, k := range v.callers[key{"", o.ref}] {
			if k.cluster == cluster || !runs(k.cluster, o.ref) {
				caller(k)
			}
		}
	}
	// The cluster's other callers of the render's remote callees, with
	// the declarations that name each other: the render that emits a
	// remote callee's stub lists them all (pkg/derive/stub.go), and every
	// render decides which one that is alike. Stubs of every holder of
	// the callee's name let the graph resolve their declarations as their
	// own renders do.
	keep := map[key][]ref{}
	for _, x := range slices.SortedFunc(maps.Keys(remote), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.ns, b.ns), cmp.Compare(a.name, b.name))
	}) {
		if !remote[x] {
			continue
		}
		// Declared with no cluster or with x's, each caller once, in
		// directory order.
		var cs []key
		for _, k := range append(slices.Clone(v.callers[key{"", x.ref}]), v.callers[x]...) {
			if e := v.entry[k]; k.cluster == cluster && e.Render != render && !e.Member && !slices.Contains(cs, k) {
				cs = append(cs, k)
			}
		}
		slices.SortFunc(cs, func(a, b key) int { return v.at[a].compare(v.at[b]) })
		for _, k := range cs {
			full[k] = true
			keep[k] = append(keep[k], x.ref)
			keep[x] = append(keep[x], k.ref)
			for _, h := range v.byName[x.ref] {
				stub[h] = true
			}
		}
	}
	// What the included services' own resolution of a name it keeps (one
	// of this render, or a co-caller of a remote callee) looks at, and who
	// shares a caller's identity.
	for k := range full {
		if k.cluster == cluster {
			continue
		}
		s := v.entry[k]
		for _, ps := range [][]v1alpha1.InventoryPeer{s.Outbound, s.Inbound} {
			for _, p := range ps {
				r := ref{p.Namespace, p.Name}
				if !mine[r] && !slices.Contains(keep[k], r) || p.Cluster != "" {
					continue
				}
				for _, h := range v.byName[r] {
					stub[h] = true
				}
			}
		}
	}
	for _, k := range callers {
		for _, h := range v.byName[k.ref] {
			if v.td[h.cluster] == v.td[k.cluster] {
				stub[h] = true
			}
		}
	}
	// Every cluster, with what the view keeps of its services in
	// directory order.
	order := make([]viewAt, 0, len(full)+len(stub))
	for k := range full {
		order = append(order, v.at[k])
	}
	for k := range stub {
		if !full[k] {
			order = append(order, v.at[k])
		}
	}
	slices.SortFunc(order, viewAt.compare)
	out := newDirectory()
	out.Spec.Render = render
	out.Spec.Clusters = make([]v1alpha1.InventoryCluster, len(v.d.Spec.Clusters))
	for i, c := range v.d.Spec.Clusters {
		c.Services = nil
		out.Spec.Clusters[i] = c
	}
	for _, at := range order {
		c := &v.d.Spec.Clusters[at.cluster]
		s := c.Services[at.service]
		k := key{c.Name, ref{s.Namespace, s.Name}}
		switch {
		case s.Member && c.Name != cluster:
			continue // members are matched on their own cluster only
		case full[k] && c.Name == cluster && s.Render == render:
			// The render's own: what its staleness check compares.
			s.Identity, s.Digest = "", Digest(s)
			s.Ports, s.Outbound, s.Inbound, s.AnyCallerRules, s.AcceptsAnyDeclaredCaller = nil, nil, nil, nil, false
		case full[k]:
			// Another render's service: only its declarations that
			// name a service of this render matter here, and its
			// ports only if the render calls it.
			s.Outbound, s.Inbound = naming(s.Outbound, mine, keep[k]), naming(s.Inbound, mine, keep[k])
			s.Identity = ""
			if !callee[k] {
				s.Ports = nil
			}
		case s.Member:
			// A stub of a member (shadowed): an entry, as a name is
			// never a member.
			s = v1alpha1.InventoryService{Namespace: s.Namespace, Name: s.Name, Render: s.Render, Member: true}
		default:
			// A stub: what name resolution reads, one line (Names).
			oc := &out.Spec.Clusters[at.cluster]
			if s.Exported {
				oc.ExportedNames = append(oc.ExportedNames, s.Namespace+"/"+s.Name)
			} else {
				oc.Names = append(oc.Names, s.Namespace+"/"+s.Name)
			}
			continue
		}
		out.Spec.Clusters[at.cluster].Services = append(out.Spec.Clusters[at.cluster].Services, s)
	}
	return out
}

// WithNames is d with each cluster's Names and ExportedNames (a view's
// stubs) as entries of no render, with no ports and no declarations: what
// the graph and the changes of a view read. d itself is unchanged.
func WithNames(d *v1alpha1.ServiceDirectory) *v1alpha1.ServiceDirectory {
	out := *d
	out.Spec.Clusters = slices.Clone(d.Spec.Clusters)
	for i := range out.Spec.Clusters {
		c := &out.Spec.Clusters[i]
		if len(c.Names)+len(c.ExportedNames) == 0 {
			continue
		}
		c.Services = slices.Grow(slices.Clone(c.Services), len(c.Names)+len(c.ExportedNames))
		add := func(names []string, exported bool) {
			for _, n := range names {
				ns, name, _ := strings.Cut(n, "/")
				c.Services = append(c.Services, v1alpha1.InventoryService{Namespace: ns, Name: name, Exported: exported})
			}
		}
		add(c.Names, false)
		add(c.ExportedNames, true)
		c.Names, c.ExportedNames = nil, nil
	}
	return &out
}

// validateNames checks a view's Names and ExportedNames: "namespace/name",
// in a view only, never an entry's name too.
func validateNames(d *v1alpha1.ServiceDirectory) field.ErrorList {
	var errs field.ErrorList
	for i, c := range d.Spec.Clusters {
		seen := map[string]bool{}
		for _, s := range c.Services {
			seen[s.Namespace+"/"+s.Name] = true
		}
		for _, list := range []struct {
			field string
			names []string
		}{{"names", c.Names}, {"exportedNames", c.ExportedNames}} {
			for j, n := range list.names {
				p := field.NewPath("spec", "clusters").Index(i).Child(list.field).Index(j)
				ns, name, _ := strings.Cut(n, "/")
				switch {
				case d.Spec.Render == "" || d.Spec.Contract:
					errs = append(errs, field.Forbidden(p, "only a render's view lists names; run `"+DirectoryCommand+"` instead of editing the directory"))
				case len(validation.IsDNS1123Label(ns)) > 0 || len(validation.IsDNS1123Label(name)) > 0:
					errs = append(errs, field.Invalid(p, n, "a name is namespace/name; run `"+DirectoryCommand+"` instead of editing the directory"))
				case seen[n]:
					errs = append(errs, field.Duplicate(p, n))
					errs[len(errs)-1].Detail = n + " is listed twice on cluster " + c.Name + "; run `" + DirectoryCommand + "` instead of editing the directory"
				}
				seen[n] = true
			}
		}
	}
	return errs
}

// viewAt is a service's place in a directory: cluster and service index.
type viewAt struct{ cluster, service int }

func (a viewAt) compare(b viewAt) int {
	return cmp.Or(cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.service, b.service))
}

// ref is a namespace and name, on any cluster.
type ref struct{ ns, name string }

// naming are the peers named like a service in mine.
func naming(ps []v1alpha1.InventoryPeer, mine map[ref]bool, also []ref) []v1alpha1.InventoryPeer {
	var out []v1alpha1.InventoryPeer
	for _, p := range ps {
		if r := (ref{p.Namespace, p.Name}); mine[r] || slices.Contains(also, r) {
			out = append(out, p)
		}
	}
	return out
}

// DirectoryChanges lists, one line each, how directory b differs from a.
func DirectoryChanges(a, b *v1alpha1.ServiceDirectory) []string {
	wrap := func(d *v1alpha1.ServiceDirectory) *v1alpha1.FleetInventory {
		return &v1alpha1.FleetInventory{Spec: v1alpha1.FleetInventorySpec{Clusters: WithNames(d).Spec.Clusters}}
	}
	out := Changes(wrap(a), wrap(b))
	if a.Spec.Render != b.Spec.Render {
		out = append([]string{fmt.Sprintf("~ render %q -> %q", a.Spec.Render, b.Spec.Render)}, out...)
	}
	return out
}
