package describe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
)

// TestExplainColumnsAlign: every row of a section starts its second column
// at the same offset, also when a principal (the gateway's SPIFFE name) is
// wider than the default column.
func TestExplainColumnsAlign(t *testing.T) {
	var items []krm.Item
	for _, f := range []string{"namespace", "checkout", "payments", "cart", "catalog", "frontend", "vmagent", "platform"} {
		file := filepath.Join("..", "..", "examples", "commerce", f+".yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		its, err := krm.ParseStream(data, file)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, its...)
	}
	out := render.Render(items, nil, render.Stream)
	if out.Failed {
		t.Fatalf("render failed: %s", render.Format(out.Results))
	}
	text, err := Explain(out, "commerce", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	// column is where the second column starts: after the first run of
	// two or more spaces past the indent, or after the first single space
	// when the first column is the widest.
	second := func(line string, skip int) int {
		rest := line[2:]
		for range skip {
			i := strings.IndexByte(rest, ' ')
			rest = strings.TrimLeft(rest[i:], " ")
		}
		return len(line) - len(rest)
	}
	sections := map[string][]string{}
	var cur string
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "":
		case !strings.HasPrefix(line, "  "):
			cur = line
		default:
			sections[cur] = append(sections[cur], line)
		}
	}
	wide := false
	for _, sec := range []struct {
		name string
		cols int
	}{{"May be called by", 1}, {"May call", 1}, {"Derived objects", 1}, {"Derived objects", 2}} {
		rows := sections[sec.name]
		if len(rows) < 2 {
			t.Fatalf("section %q has %d rows:\n%s", sec.name, len(rows), text)
		}
		for _, r := range rows[1:] {
			if got, want := second(r, sec.cols), second(rows[0], sec.cols); got != want {
				t.Errorf("%s: column %d at %d, want %d:\n%s\n%s", sec.name, sec.cols+1, got, want, rows[0], r)
			}
		}
		for _, r := range rows {
			wide = wide || strings.HasPrefix(r, "  cluster.local/ns/gateway-system/sa/")
		}
	}
	if !wide {
		t.Errorf("no row has the gateway's principal, the case this test is about:\n%s", text)
	}
	if a, b := second(sections["May be called by"][0], 1), second(sections["May call"][0], 1); a != b {
		t.Errorf("callers' column at %d, callees' at %d", a, b)
	}
}
