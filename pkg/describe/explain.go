package describe

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/render"
)

// Explain answers, in plain text, what lattice derived for one service and
// why, who may call it and whom it may call.
func Explain(out *render.Output, ns, name string) (string, error) {
	if out.Graph == nil {
		return "", fmt.Errorf("the render failed; fix its errors first")
	}
	ref := graph.Ref{Namespace: ns, Name: name}
	n := out.Graph.Node(ref)
	if n == nil {
		var have []string
		for _, n := range out.Graph.Nodes() {
			have = append(have, n.Ref.String())
		}
		return "", fmt.Errorf("no LatticeService %s/%s in the render (have: %s)", ns, name, strings.Join(have, ", "))
	}
	td := out.Platform.Spec.Cluster.TrustDomain
	m := Build(out)
	var self Service
	for _, s := range m.Services {
		if s.ID == ref.String() {
			self = s
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", ref)
	fmt.Fprintf(&b, "Identity\n  runs as ServiceAccount %s/%s\n  mesh principal %s/ns/%s/sa/%s\n\n", ns, name, td, ns, name)

	b.WriteString("May be called by\n")
	callers := 0
	for _, e := range out.Graph.Callers(ref) {
		fmt.Fprintf(&b, "  %-28s %s (both sides declare it: %s outbound %q, %s inbound %q)\n", e.From, ruleText(rules(e.Rules)), e.From.Name, e.CallerKey, name, e.CalleeKey)
		callers++
	}
	if self.Hostname != "" {
		fmt.Fprintf(&b, "  %-28s any request (the platform gateway, for ingress %s)\n", m.Gateway, self.Hostname)
		callers++
	}
	if callers == 0 {
		b.WriteString("  nobody: default-deny applies to every caller\n")
	}

	b.WriteString("\nMay call\n")
	callees := 0
	for _, e := range out.Graph.Callees(ref) {
		fmt.Fprintf(&b, "  %-28s %s\n", e.To, ruleText(rules(e.Rules)))
		callees++
	}
	for _, eg := range self.Egress {
		fmt.Fprintf(&b, "  %-28s external endpoint\n", eg)
		callees++
	}
	if callees == 0 {
		b.WriteString("  nothing\n")
	}

	var open []string
	for _, f := range out.Graph.Findings {
		if f.On == ref || f.Peer == ref {
			open = append(open, "  "+cmp.Or(f.Message, f.Peer.String()))
		}
	}
	if len(open) > 0 {
		b.WriteString("\nDeclarations without their other half (traffic denied)\n")
		slices.Sort(open)
		b.WriteString(strings.Join(slices.Compact(open), "\n") + "\n")
	}

	b.WriteString("\nDerived objects\n")
	for _, d := range out.Summary()[ref.String()] {
		gvk := d.Object.GetObjectKind().GroupVersionKind()
		obj := d.Object.GetName()
		if d.Object.GetNamespace() != "" {
			obj = d.Object.GetNamespace() + "/" + obj
		}
		from := cmp.Or(d.Reason, "the service")
		if others := slices.DeleteFunc(slices.Clone(d.Sources), func(s string) bool { return s == ref.String() }); len(others) > 0 {
			// A namespace's waypoint may serve thousands: name a few.
			if len(others) > 3 {
				others = append(others[:3:3], fmt.Sprintf("%d more", len(others)-3))
			}
			from += " (shared with " + strings.Join(others, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %-24s %-40s from %s\n", gvk.Kind, obj, from)
	}
	return b.String(), nil
}

func ruleText(r []string) string {
	if len(r) == 0 {
		return "any request on its ports"
	}
	return strings.Join(r, "; ")
}
