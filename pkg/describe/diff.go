package describe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Report is the difference between two renders, security first.
type Report struct {
	// Access lists changes to who may reach what: callers, hostnames,
	// external egress. Lines start with + (granted) or - (revoked).
	Access []string
	// Objects lists added, removed and changed objects with their diffs.
	Objects []string
}

// NewAccess reports whether the change grants access that did not exist.
func (r Report) NewAccess() bool {
	for _, a := range r.Access {
		if strings.HasPrefix(a, "+") {
			return true
		}
	}
	return false
}

// Text renders the report.
func (r Report) Text() string {
	var b strings.Builder
	b.WriteString("Security-relevant changes\n")
	if len(r.Access) == 0 {
		b.WriteString("  none\n")
	}
	for _, a := range r.Access {
		b.WriteString("  " + a + "\n")
	}
	b.WriteString("\nObject changes\n")
	if len(r.Objects) == 0 {
		b.WriteString("  none\n")
	}
	for _, o := range r.Objects {
		b.WriteString(o)
		if !strings.HasSuffix(o, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Diff compares the render before (old) and after (new) a change.
func Diff(old, new *render.Output) (Report, error) {
	var r Report
	om, nm := Build(old), Build(new)
	r.Access = append(r.Access, setDiff(access(om), access(nm))...)

	oo, err := objects(old)
	if err != nil {
		return r, err
	}
	no, err := objects(new)
	if err != nil {
		return r, err
	}
	ids := sorted.Keys(oo)
	for id := range no {
		if _, ok := oo[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		a, b := oo[id], no[id]
		switch {
		case a == b:
			continue
		case a == "":
			r.Objects = append(r.Objects, "+ "+id)
		case b == "":
			r.Objects = append(r.Objects, "- "+id)
		default:
			d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(a), B: difflib.SplitLines(b), FromFile: "before", ToFile: "after", Context: 2})
			r.Objects = append(r.Objects, "~ "+id+"\n"+indent(d))
		}
	}
	return r, nil
}

// access is one line per grant, comparable across renders.
func access(m Model) map[string]bool {
	out := map[string]bool{}
	for _, e := range m.Edges {
		if e.Kind == Agreement {
			line := fmt.Sprintf("caller %s may call %s", e.From, e.To)
			if len(e.Rules) > 0 {
				line += " (" + strings.Join(e.Rules, "; ") + ")"
			}
			out[line] = true
		}
	}
	for _, s := range m.Services {
		if s.Hostname != "" {
			out[fmt.Sprintf("hostname %s routes to %s (tls %s)", s.Hostname, s.ID, s.TLS)] = true
		}
		for _, e := range s.Egress {
			out[fmt.Sprintf("egress %s may reach %s", s.ID, e)] = true
		}
	}
	return out
}

func setDiff(old, new map[string]bool) []string {
	var out []string
	for _, k := range sorted.Keys(new) {
		if !old[k] {
			out = append(out, "+ "+k)
		}
	}
	for _, k := range sorted.Keys(old) {
		if !new[k] {
			out = append(out, "- "+k)
		}
	}
	return out
}

func objects(out *render.Output) (map[string]string, error) {
	res := map[string]string{}
	for _, it := range out.Items {
		text, err := it.Text()
		if err != nil {
			return nil, err
		}
		node := it.Node
		if node == nil {
			parsed, err := krm.ParseStream([]byte(text), "")
			if err != nil {
				return nil, err
			}
			if len(parsed) != 1 {
				return nil, fmt.Errorf("an output object encoded as %d documents", len(parsed))
			}
			node = parsed[0].Node
		}
		res[krm.NodeMeta(node).APIVersion+" "+krm.NodeMeta(node).String()] = text
	}
	return res, nil
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	return b.String()
}
