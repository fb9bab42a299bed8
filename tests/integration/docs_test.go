package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// TestGettingStartedMatchesExample keeps the five-minute guide honest: its
// YAML files are examples/getting-started (api.yaml after the fix the guide
// asks for), which the kustomize and API-server tiers render and dry-run.
func TestGettingStartedMatchesExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "docs", "getting-started.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)`([a-z.]+\\.yaml)`[^\\n]*\\n\\n```yaml\\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	seen := map[string]bool{}
	for _, b := range blocks {
		name, body := b[1], b[2]
		if seen[name] {
			continue
		}
		seen[name] = true
		if name == "api.yaml" {
			body += "    resources:\n      web: {type: service, direction: inbound}\n"
		}
		got, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "examples", "getting-started", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Errorf("examples/getting-started/%s differs from docs/getting-started.md", name)
		}
	}
	if len(seen) != 5 {
		t.Errorf("found %d files in the guide, want 5", len(seen))
	}
}

// TestReadmePicture: the README shows the commerce example's graph exactly
// as `lattice graph examples/commerce` draws it today.
func TestReadmePicture(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	graph, err := os.ReadFile(filepath.Join("testdata", "describe", "commerce", "graph.mmd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```mermaid\n"+string(graph)+"```") {
		t.Error("README.md's mermaid block differs from `lattice graph examples/commerce` (tests/integration/testdata/describe/commerce/graph.mmd)")
	}
}
