package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// TestErrorCatalogInSync writes docs/errors.md: every distinct error and
// warning the golden cases (testdata/<case>/results.txt) and the bad-input
// corpus (testdata/bad/<case>/expected.txt, both modes' stderr) produce,
// grouped by the field they concern, with every case that shows it. Every
// lattice message ends with what to do, so the catalogue doubles as the
// list of fixes; a new message appears here as soon as a test case
// exercises it, and every bad input appears at least once.
func TestErrorCatalogInSync(t *testing.T) {
	golden, _ := filepath.Glob(filepath.Join("testdata", "*", "results.txt"))
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*", "expected.txt"))
	if len(golden) == 0 || len(bad) == 0 {
		t.Fatalf("found %d results.txt and %d bad expected.txt files; the catalogue needs both", len(golden), len(bad))
	}
	// caseName is how the catalogue names a case: its directory under
	// tests/golden/testdata.
	caseName := func(file string) string {
		rel, _ := filepath.Rel("testdata", filepath.Dir(file))
		return filepath.ToSlash(rel)
	}
	// One entry per (severity, field shape, message shape): names, numbers
	// and quoted values vary between cases, the advice does not.
	quoted := regexp.MustCompile(`"[^"]*"|'[^']*'|\b[0-9]+\b`)
	location := regexp.MustCompile(` \([^()]*(:[0-9]+|document [0-9]+)\)$`)
	index := regexp.MustCompile(`\[[^\]]*\]`)
	object := regexp.MustCompile(`^[A-Z][A-Za-z]* \S+$`) // "Kind ns/name"
	type entry struct {
		severity, field, message string
		cases                    []string
	}
	byKey := map[string]*entry{}
	var entries []*entry
	listed := map[string]bool{}
	for _, f := range slices.Concat(golden, bad) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := caseName(f)
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			sev, rest, ok := strings.Cut(line, ": ")
			if !ok || (sev != "error" && sev != "warning") {
				continue // expected.txt's "$ lattice …" and "exit N" lines
			}
			rest = location.ReplaceAllString(rest, "")
			field, msg := "", rest
			// "Kind ns/name: field: message" or "Kind ns/name: message".
			if parts := strings.SplitN(rest, ": ", 3); len(parts) == 3 && object.MatchString(parts[0]) && !strings.Contains(parts[1], " ") {
				field, msg = parts[1], parts[2]
			} else if len(parts) >= 2 && object.MatchString(parts[0]) {
				msg = strings.Join(parts[1:], ": ")
			}
			shape := index.ReplaceAllString(field, "[…]")
			key := sev + "|" + shape + "|" + quoted.ReplaceAllString(msg, "_")
			e := byKey[key]
			if e == nil {
				e = &entry{severity: sev, field: shape, message: msg}
				byKey[key] = e
				entries = append(entries, e)
			}
			if !slices.Contains(e.cases, name) {
				e.cases = append(e.cases, name)
			}
			listed[name] = true
		}
	}
	for _, f := range bad {
		if name := caseName(f); !listed[name] {
			t.Errorf("%s: no error line in %s, so docs/errors.md cannot list it; every bad input must fail with a message", name, f)
		}
	}
	slices.SortStableFunc(entries, func(a, b *entry) int {
		return strings.Compare(a.severity+a.field+a.message, b.severity+b.field+b.message)
	})
	var b strings.Builder
	b.WriteString("# Error and warning catalogue\n\n")
	b.WriteString("<!-- Generated from tests/golden/testdata by `go test ./tests/golden -run ErrorCatalog -update`; do not edit. -->\n\n")
	b.WriteString("Every message lattice prints names the object, the field and what to do. This page lists each\n")
	b.WriteString("distinct message the test suite produces, with the test cases that show it in context\n")
	b.WriteString("(`tests/golden/testdata/<case>/input.yaml`; `bad/…` cases are the bad-input corpus, whose\n")
	b.WriteString("`expected.txt` holds the binary's whole output). See [troubleshooting.md](troubleshooting.md) for\n")
	b.WriteString("problems that show up outside lattice (in kustomize, Argo CD, Flux or the cluster).\n")
	for _, sev := range []string{"error", "warning"} {
		fmt.Fprintf(&b, "\n## %ss\n\n| Field | Message and fix | Cases |\n|---|---|---|\n", strings.ToUpper(sev[:1])+sev[1:])
		for _, e := range entries {
			if e.severity != sev {
				continue
			}
			field := "—"
			if e.field != "" {
				field = "`" + e.field + "`"
			}
			cases := "`" + strings.Join(e.cases, "`, `") + "`"
			fmt.Fprintf(&b, "| %s | %s | %s |\n", field, strings.ReplaceAll(e.message, "|", "\\|"), cases)
		}
	}
	doc := b.String()
	for _, f := range bad {
		if name := caseName(f); !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/errors.md leaves out the bad input %s", name)
		}
	}
	harness.CheckFile(t, filepath.Join(harness.RepoRoot(), "docs", "errors.md"), []byte(doc))
}
