package describe

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Pictures group services by cluster and namespace, draw bilateral
// agreements as solid edges and one-sided or dangling declarations as
// dashed red edges labelled with what is missing, and show ingress
// hostnames, external egress and L7 rules.

type group struct {
	label    string
	services []Service
}

func (m Model) groups() []group {
	var out []group
	at := map[string]int{}
	for _, s := range m.Services {
		label := s.Namespace
		if s.Cluster != "" {
			label = s.Cluster + " / " + s.Namespace
		}
		i, ok := at[label]
		if !ok {
			i = len(out)
			at[label] = i
			out = append(out, group{label: label})
		}
		out[i].services = append(out[i].services, s)
	}
	slices.SortStableFunc(out, func(a, b group) int { return cmp.Compare(a.label, b.label) })
	return out
}

func nodeLabel(s Service, newline string) string {
	label := s.Name
	if len(s.Ports) > 0 {
		label += newline + strings.Join(s.Ports, " ")
	}
	switch {
	case s.Remote:
		label += newline + "(remote)"
	case s.Render != "" && s.Member:
		label += newline + "(mesh member, render " + s.Render + ")"
	case s.Render != "":
		label += newline + "(render " + s.Render + ")"
	case s.Member:
		label += newline + "(mesh member)"
	case !s.Rendered:
		label += newline + "(not in render)"
	}
	if s.AcceptsAnyDeclaredCaller {
		label += newline + "inbound: any declared caller"
	}
	return label
}

func edgeLabel(e Edge) string {
	switch e.Kind {
	case OneSided:
		return "denied: missing " + e.Missing
	case Dangling:
		return e.Missing
	case Remote:
		return "cross-cluster"
	}
	return strings.Join(e.Rules, "; ")
}

// Mermaid renders the model as a Mermaid flowchart (GitHub renders these).
func (m Model) Mermaid() string {
	var b strings.Builder
	b.WriteString("graph LR\n")
	ids := map[string]string{}
	mid := func(s string) string {
		if v, ok := ids[s]; ok {
			return v
		}
		v := "n" + strconv.Itoa(len(ids))
		ids[s] = v
		return v
	}
	for _, g := range m.groups() {
		fmt.Fprintf(&b, "  subgraph %s[%q]\n", mid("group:"+g.label), g.label)
		for _, s := range g.services {
			fmt.Fprintf(&b, "    %s[%q]\n", mid(s.ID), nodeLabel(s, "<br/>"))
		}
		b.WriteString("  end\n")
	}
	var red []int
	link := 0
	for _, s := range m.Services {
		if s.Hostname != "" {
			label := "https://" + s.Hostname
			if s.TLS == "passthrough" {
				label += " (passthrough)"
			}
			if s.JWT {
				label += " + JWT"
			}
			fmt.Fprintf(&b, "  %s([%q]) --> %s\n", mid("host:"+s.Hostname), label, mid(s.ID))
			link++
		}
		for _, e := range s.Egress {
			fmt.Fprintf(&b, "  %s --> %s{{%q}}\n", mid(s.ID), mid("egress:"+e), e)
			link++
		}
	}
	for _, e := range m.Edges {
		label := edgeLabel(e)
		arrow := "-->"
		if e.Kind != Agreement {
			arrow = "-.->"
			red = append(red, link)
		}
		if label != "" {
			fmt.Fprintf(&b, "  %s %s|%q| %s\n", mid(e.From), arrow, label, mid(e.To))
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", mid(e.From), arrow, mid(e.To))
		}
		link++
	}
	for _, i := range red {
		fmt.Fprintf(&b, "  linkStyle %d stroke:#d33,color:#d33\n", i)
	}
	// Another render's services and members: dashed.
	other := false
	for _, s := range m.Services {
		if s.Render != "" {
			fmt.Fprintf(&b, "  class %s otherRender\n", mid(s.ID))
			other = true
		}
	}
	if other {
		b.WriteString("  classDef otherRender stroke-dasharray: 5 5\n")
	}
	return b.String()
}

// DOT renders the model as a Graphviz digraph.
func (m Model) DOT() string {
	var b strings.Builder
	b.WriteString("digraph lattice {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for i, g := range m.groups() {
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n    style=dashed;\n", i, quote(g.label))
		for _, s := range g.services {
			style := ""
			switch {
			case s.Render != "":
				style = ", style=\"rounded,dashed\"" // another render's
			case !s.Rendered:
				style = ", style=\"rounded,dotted\""
			}
			fmt.Fprintf(&b, "    %s [label=%s%s];\n", quote(s.ID), quote(nodeLabel(s, "\n")), style)
		}
		b.WriteString("  }\n")
	}
	for _, s := range m.Services {
		if s.Hostname != "" {
			label := "https://" + s.Hostname
			if s.TLS == "passthrough" {
				label += "\n(passthrough)"
			}
			if s.JWT {
				label += "\n+ JWT"
			}
			fmt.Fprintf(&b, "  %s [label=%s, shape=house];\n  %s -> %s;\n", quote("host:"+s.Hostname), quote(label), quote("host:"+s.Hostname), quote(s.ID))
		}
		for _, e := range s.Egress {
			fmt.Fprintf(&b, "  %s [label=%s, shape=hexagon];\n  %s -> %s;\n", quote("egress:"+e), quote(e), quote(s.ID), quote("egress:"+e))
		}
	}
	for _, e := range m.Edges {
		attrs := []string{}
		if l := edgeLabel(e); l != "" {
			attrs = append(attrs, "label="+quote(l))
		}
		if e.Kind != Agreement {
			attrs = append(attrs, "style=dashed", "color=\"#dd3333\"", "fontcolor=\"#dd3333\"")
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", quote(e.From), quote(e.To), strings.Join(attrs, ", "))
	}
	b.WriteString("}\n")
	return b.String()
}

// JSON renders the model for tools.
func (m Model) JSON() (string, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	return string(data) + "\n", err
}

func quote(s string) string {
	return "\"" + strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "\n", "\\n").Replace(s) + "\""
}
