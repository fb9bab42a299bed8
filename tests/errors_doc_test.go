package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestErrorCatalogInSync writes docs/errors.md: every distinct error and
// warning the golden and bad-input cases produce, grouped by the field they
// concern, with the case that shows it. Every lattice message ends with what
// to do, so the catalogue doubles as the list of fixes; a new message
// appears here as soon as a test case exercises it.
func TestErrorCatalogInSync(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "results.txt"))
	more, _ := filepath.Glob(filepath.Join("testdata", "bad", "*", "results.txt"))
	files = append(files, more...)
	slices.Sort(files)
	if len(files) == 0 {
		t.Fatal("no results.txt files")
	}
	// One entry per (severity, field shape, message shape): names, numbers
	// and quoted values vary between cases, the advice does not.
	quoted := regexp.MustCompile(`"[^"]*"|'[^']*'|\b[0-9]+\b`)
	location := regexp.MustCompile(` \([^()]*(:[0-9]+|document [0-9]+)\)$`)
	type entry struct{ severity, field, message, example string }
	seen := map[string]bool{}
	var entries []entry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			sev, rest, ok := strings.Cut(line, ": ")
			if !ok || (sev != "error" && sev != "warning") {
				continue
			}
			rest = location.ReplaceAllString(rest, "")
			field, msg := "", rest
			// "Kind ns/name: field: message" or "Kind ns/name: message".
			if parts := strings.SplitN(rest, ": ", 3); len(parts) == 3 && strings.Contains(parts[0], " ") && !strings.Contains(parts[1], " ") {
				field, msg = parts[1], parts[2]
			} else if len(parts) >= 2 && strings.Contains(parts[0], " ") {
				msg = strings.Join(parts[1:], ": ")
			}
			shape := regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(field, "[…]")
			key := sev + "|" + shape + "|" + quoted.ReplaceAllString(msg, "_")
			if seen[key] {
				continue
			}
			seen[key] = true
			entries = append(entries, entry{sev, shape, msg, filepath.Base(filepath.Dir(f))})
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		return strings.Compare(a.severity+a.field+a.message, b.severity+b.field+b.message)
	})
	var b strings.Builder
	b.WriteString("# Error and warning catalogue\n\n")
	b.WriteString("<!-- Generated from tests/testdata by `go test ./tests -run ErrorCatalog -update`; do not edit. -->\n\n")
	b.WriteString("Every message lattice prints names the object, the field and what to do. This page lists each\n")
	b.WriteString("distinct message the test suite produces, with the test case that shows it in context\n")
	b.WriteString("(`tests/testdata/<case>/input.yaml`). See [troubleshooting.md](troubleshooting.md) for problems\n")
	b.WriteString("that show up outside lattice (in kustomize, Argo CD, Flux or the cluster).\n")
	for _, sev := range []string{"error", "warning"} {
		fmt.Fprintf(&b, "\n## %ss\n\n| Field | Message and fix | Case |\n|---|---|---|\n", strings.ToUpper(sev[:1])+sev[1:])
		for _, e := range entries {
			if e.severity != sev {
				continue
			}
			field := "—"
			if e.field != "" {
				field = "`" + e.field + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` |\n", field, strings.ReplaceAll(e.message, "|", "\\|"), e.example)
		}
	}
	checkFile(t, filepath.Join(repoRoot, "docs", "errors.md"), []byte(b.String()))
}
