// Package owners checks the rule that makes many renders one mesh: every
// object of a cluster has one owner (docs/ownership.md). One render checks
// itself (pkg/render's collisions); this package compares the finished
// renders of a whole repository or fleet, as `lattice check --all` runs
// them, and reports what two renders would both apply to one cluster: the
// same object (group, kind, namespace, name), one hostname, one mesh
// identity, two protocols for one external host and port. It does no I/O.
package owners

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Render is one finished render: its root (as the user named it), its
// input and its output. A failed render has no objects to compare.
type Render struct {
	Root  string
	Items []krm.Item
	Out   *render.Output
}

// Problem is one cross-render finding, reported At a FILE:LINE of the
// later render (the first render's location is in the message).
type Problem struct {
	At      string
	Message string
}

// emitter is one render's claim on a key.
type emitter struct {
	root    string
	what    string // what in that render made it: "LatticeService shop/api", "Namespace store", ...
	at      string // FILE:LINE of that
	content string
}

func (e emitter) String() string { return fmt.Sprintf("%s (%s, %s)", e.root, e.what, e.at) }

type claims map[string][]emitter

func (c claims) add(key string, e emitter) {
	for _, have := range c[key] {
		if have.root == e.root {
			return // one render's own duplicates are its own check
		}
	}
	c[key] = append(c[key], e)
}

// Check compares renders and returns every conflict, sorted.
func Check(renders []Render) []Problem {
	objects, hosts, identities, egress := claims{}, claims{}, claims{}, claims{}
	for _, r := range renders {
		if r.Out == nil || r.Out.Failed || r.Out.Platform == nil {
			continue
		}
		cluster := r.Out.Platform.Spec.Cluster.Name
		ix := newIndex(r)
		for _, d := range r.Out.Derived {
			e := emitter{root: r.Root}
			e.what, e.at = ix.origin(d)
			data, err := krm.Encode(d.Object)
			if err != nil {
				e.content = "unencodable: " + err.Error()
			} else {
				e.content = string(data)
			}
			m := metaOf(d)
			objects.add(cluster+"\x00"+objectKey(m), e)
			switch obj := d.Object.(type) {
			case *gwv1.ListenerSet:
				for _, l := range obj.Spec.Listeners {
					if l.Hostname != nil {
						hosts.add(cluster+"\x00"+string(*l.Hostname), e)
					}
				}
			case *istionetworkingv1.ServiceEntry:
				if obj.Labels[derive.LabelUseWaypoint] == "" || len(obj.Spec.Hosts) == 0 {
					continue // not an egress entry (a cross-cluster route)
				}
				for _, p := range obj.Spec.Ports {
					k := cluster + "\x00" + obj.Namespace + "\x00" + obj.Spec.Hosts[0] + ":" + strconv.Itoa(int(p.Number))
					pe := e
					pe.content = p.Protocol
					egress.add(k, pe)
				}
			}
		}
		for _, it := range r.Items {
			n := it.Node
			group, _, _ := strings.Cut(n.GetApiVersion(), "/")
			switch {
			case group == v1alpha1.Group && n.GetKind() == v1alpha1.KindMeshMember:
				m, errs := krm.DecodeMeshMember(n)
				if len(errs) > 0 {
					continue
				}
				v1alpha1.DefaultMeshMember(m)
				identities.add(cluster+"\x00"+m.Namespace+"/"+m.Spec.ServiceAccount,
					emitter{root: r.Root, what: "MeshMember " + m.Namespace + "/" + m.Name, at: where(it)})
				continue
			case group == v1alpha1.Group || n.GetAnnotations()[krm.LocalConfigAnnotation] == "true":
				continue // rendered to nothing
			case n.GetKind() == "Kustomization" || n.GetKind() == "Kptfile":
				continue
			}
			if _, derived := n.GetAnnotations()[derive.AnnotationSource]; derived {
				continue // a kept output of an earlier render, derived again above
			}
			m := krm.NodeMeta(n)
			objects.add(cluster+"\x00"+objectKey(m), emitter{root: r.Root, what: "hand-written", at: where(it), content: n.MustString()})
		}
		for _, n := range r.Out.Graph.Nodes() {
			if it, ok := ix.items["LatticeService "+n.Ref.String()]; ok {
				identities.add(cluster+"\x00"+n.Ref.String(), emitter{root: r.Root, what: "LatticeService " + n.Ref.String(), at: where(it)})
			}
		}
	}

	var out []Problem
	report := func(c claims, msg func(key string, es []emitter) string) {
		for _, key := range sorted.Keys(c) {
			es := c[key]
			if len(es) < 2 {
				continue
			}
			out = append(out, Problem{At: es[1].at, Message: msg(key, es)})
		}
	}
	report(objects, func(key string, es []emitter) string {
		cluster, obj, _ := strings.Cut(key, "\x00")
		if sameService(es) {
			return "" // one service in two renders: reported once, as an identity
		}
		how := "identically: two GitOps applications applying one object fight over it, and the first to prune it deletes it from under the other"
		for _, e := range es[1:] {
			if e.content != es[0].content {
				how = "with different content: whichever syncs last wins"
				break
			}
		}
		return fmt.Sprintf("%s is emitted by %d renders of cluster %s, %s; %s. Every object has one owner (docs/ownership.md): keep it in one render",
			obj, len(es), cluster, list(es), how)
	})
	report(hosts, func(key string, es []emitter) string {
		cluster, host, _ := strings.Cut(key, "\x00")
		if sameService(es) {
			return ""
		}
		return fmt.Sprintf("hostname %s is claimed by %d renders of cluster %s, %s; a hostname belongs to one service, which owns its certificate and listener: pick another hostname for one of them",
			host, len(es), cluster, list(es))
	})
	report(identities, func(key string, es []emitter) string {
		cluster, id, _ := strings.Cut(key, "\x00")
		return fmt.Sprintf("the workload running as %s (namespace/service account) on cluster %s is declared by %d renders, %s; a workload is declared once, by its owner, and only that render emits its objects and policies",
			id, cluster, len(es), list(es))
	})
	report(egress, func(key string, es []emitter) string {
		parts := strings.Split(key, "\x00")
		var protos []string
		for _, e := range es {
			protos = append(protos, e.content)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(protos)))) == 1 {
			return ""
		}
		return fmt.Sprintf("external endpoint %s in namespace %s of cluster %s is declared with protocols %s by %s; Istio merges a namespace's entries for one host, and a port has one protocol: use the same scheme",
			parts[2], parts[1], parts[0], strings.Join(protos, " and "), list(es))
	})
	out = slices.DeleteFunc(out, func(p Problem) bool { return p.Message == "" })
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Message, b.Message)) })
	return out
}

// sameService reports whether every claim comes from one LatticeService.
func sameService(es []emitter) bool {
	for _, e := range es {
		if !strings.HasPrefix(e.what, "LatticeService ") || e.what != es[0].what {
			return false
		}
	}
	return true
}

func list(es []emitter) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	if len(s) == 2 {
		return s[0] + " and " + s[1]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func objectKey(m krm.Meta) string {
	group, _, ok := strings.Cut(m.APIVersion, "/")
	if !ok {
		group = "core"
	}
	name := m.Name
	if m.Namespace != "" {
		name = m.Namespace + "/" + m.Name
	}
	return m.Kind + "." + group + " " + name
}

func metaOf(d derive.Derived) krm.Meta {
	gvk := d.Object.GetObjectKind().GroupVersionKind()
	return krm.Meta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: d.Object.GetNamespace(), Name: d.Object.GetName()}
}

// index finds the input item behind a derived object.
type index struct {
	items    map[string]krm.Item // "Kind namespace/name" of lattice sources, "Namespace name", "Platform"
	platform krm.Item
}

func newIndex(r Render) index {
	ix := index{items: map[string]krm.Item{}}
	for _, it := range r.Items {
		n := it.Node
		switch {
		case n.GetApiVersion() == v1alpha1.APIVersion && n.GetKind() == v1alpha1.KindPlatform:
			if ix.platform.Node == nil {
				ix.platform = it
			}
		case n.GetApiVersion() == v1alpha1.APIVersion:
			ix.items[n.GetKind()+" "+n.GetNamespace()+"/"+n.GetName()] = it
		case n.GetApiVersion() == "v1" && n.GetKind() == "Namespace":
			ix.items["Namespace "+n.GetName()] = it
		}
	}
	return ix
}

// origin says what in the render derived d, and where it is written.
func (ix index) origin(d derive.Derived) (what, at string) {
	switch {
	case strings.HasPrefix(d.Owner, "Namespace "):
		if it, ok := ix.items[d.Owner]; ok {
			return d.Owner, where(it)
		}
	case strings.HasPrefix(d.Owner, "MeshMember "):
		if it, ok := ix.items[d.Owner]; ok {
			return d.Owner, where(it)
		}
	case strings.HasPrefix(d.Owner, "Platform "):
		return d.Owner, cmp.Or(where(ix.platform), "the default Platform")
	}
	if len(d.Sources) > 0 {
		what = "LatticeService " + d.Sources[0]
		if it, ok := ix.items[what]; ok {
			return what, where(it)
		}
		return what, "?"
	}
	return cmp.Or(d.Owner, "?"), "?"
}

// where is FILE:LINE of an item (FILE for a file without line numbers).
func where(it krm.Item) string {
	switch {
	case it.Node == nil:
		return ""
	case it.File == "":
		return krm.NodeMeta(it.Node).String()
	case it.Lines:
		return it.File + ":" + strconv.Itoa(it.LineOffset+it.Node.YNode().Line)
	}
	return it.File
}
