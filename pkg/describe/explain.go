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

	// Callers and callees share one column: a principal (the gateway's
	// SPIFFE name) or host is often wider than a namespace/name.
	var callers, callees [][2]string
	for _, e := range out.Graph.Callers(ref) {
		callers = append(callers, [2]string{e.From.String(), fmt.Sprintf("%s (both sides declare it: %s outbound %q, %s inbound %q)", ruleText(rules(e.Rules)), e.From.Name, e.CallerKey, name, e.CalleeKey)})
	}
	if self.Hostname != "" {
		callers = append(callers, [2]string{m.Gateway, "any request (the platform gateway, for ingress " + self.Hostname + ")"})
	}
	for _, e := range out.Graph.Callees(ref) {
		callees = append(callees, [2]string{e.To.String(), ruleText(rules(e.Rules))})
	}
	for _, eg := range self.Egress {
		callees = append(callees, [2]string{eg, "external endpoint"})
	}
	width := columnWidth(28, callers, callees)

	b.WriteString("May be called by\n")
	writeRows(&b, width, callers)
	if len(callers) == 0 {
		b.WriteString("  nobody: default-deny applies to every caller\n")
	}

	b.WriteString("\nMay call\n")
	writeRows(&b, width, callees)
	if len(callees) == 0 {
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
	var kinds, objects [][2]string // kind and object columns, and the rest
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
		kinds = append(kinds, [2]string{gvk.Kind})
		objects = append(objects, [2]string{obj, "from " + from})
	}
	kindWidth, objWidth := columnWidth(24, kinds), columnWidth(40, objects)
	for i := range kinds {
		fmt.Fprintf(&b, "  %-*s %-*s %s\n", kindWidth, kinds[i][0], objWidth, objects[i][0], objects[i][1])
	}
	return b.String(), nil
}

// columnWidth is the width of a first column: at least min, and as wide as
// its longest entry, so the second column lines up in every row.
func columnWidth(min int, tables ...[][2]string) int {
	w := min
	for _, rows := range tables {
		for _, r := range rows {
			w = max(w, len(r[0]))
		}
	}
	return w
}

func writeRows(b *strings.Builder, width int, rows [][2]string) {
	for _, r := range rows {
		fmt.Fprintf(b, "  %-*s %s\n", width, r[0], r[1])
	}
}

func ruleText(r []string) string {
	if len(r) == 0 {
		return "any request on its ports"
	}
	return strings.Join(r, "; ")
}
