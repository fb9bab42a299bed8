package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// TestValidateAgreesWithAPIServer sends a corpus of valid and invalid
// objects to the apiserver (fieldValidation=Strict, as kubectl apply) and
// to `lattice validate` (offline, embedded schemas), and requires the same
// verdict, accepted or rejected, for every object:
//
//   - every object of the golden outputs (tests/golden/testdata/*/expected.yaml,
//     examples/*/expected.yaml), deduplicated, and every LatticeService and
//     Platform of the examples: valid;
//   - the base objects of testdata/corpus/base.yaml, one per kind lattice
//     emits: valid;
//   - the mutations below, each applied to a copy of its base object: wrong
//     enums, missing required fields, pattern and range violations, CEL
//     rule violations (Gateway API, Istio), the Go-only rules of the core
//     kinds, unknown fields, and valid variants. Each states the server's
//     verdict, which is checked too, so a mutation that stops testing what
//     it says fails.
//
// Objects whose kind `lattice validate` has no schema for (ClusterRole in
// examples/platform) are left out of the comparison and counted.
func TestValidateAgreesWithAPIServer(t *testing.T) {
	SkipIfDisabled(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	corpus := agreementCorpus(t, root)
	Shared(t)
	lattice := buildLattice(t, root)

	objs := make([]*unstructured.Unstructured, len(corpus))
	var stream bytes.Buffer
	for i, c := range corpus {
		objs[i] = c.obj
		data, err := yaml.Marshal(c.obj.Object)
		if err != nil {
			t.Fatal(err)
		}
		stream.WriteString("---\n")
		stream.Write(data)
	}
	file := filepath.Join(t.TempDir(), "corpus.yaml")
	if err := os.WriteFile(file, stream.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	verdicts := latticeValidate(t, lattice, file, len(corpus))
	serverErrs := DryRunStrict(t, objs)

	var agree, bothAccept, bothReject, unknown, mismatches, gaps int
	for i, c := range corpus {
		v := verdicts[i]
		// Lattice's own kinds: refused for the render rule alone is the
		// schema's "accepted" (unrendered_test.go); lattice validate's
		// "unrendered:" error is left out of its verdict the same way.
		serverOK := serverErrs[i] == nil || OnlyRenderRule(serverErrs[i])
		if c.expect != "" && serverOK != (c.expect == accept) {
			t.Errorf("%s: the API server %s it, the case expects %s (fix the case): %v", c.name, verdictWord(serverOK), c.expect, serverErrs[i])
		}
		if v.unknownKind {
			unknown++
			continue
		}
		if c.gap {
			if serverOK == v.ok {
				t.Errorf("%s: lattice validate now agrees with the API server (%s); move it from knownGaps to mutations", c.name, verdictWord(serverOK))
			} else {
				gaps++
				t.Logf("known gap, %s: API server %s, lattice validate %s: %v", c.name, verdictWord(serverOK), verdictWord(v.ok), serverErrs[i])
			}
			continue
		}
		switch {
		case serverOK == v.ok && serverOK:
			agree++
			bothAccept++
		case serverOK == v.ok:
			agree++
			bothReject++
		default:
			mismatches++
			t.Errorf("MISMATCH %s: API server %s, lattice validate %s\n  server: %v\n  lattice validate:\n    %s",
				c.name, verdictWord(serverOK), verdictWord(v.ok), serverErrs[i], strings.Join(v.lines, "\n    "))
		}
	}
	counts := map[string]int{}
	for _, c := range corpus {
		counts[c.origin]++
	}
	compared := len(corpus) - unknown - gaps
	t.Logf("corpus: %d objects (%d golden outputs and example sources, %d base, %d mutations, %d known gaps); %d without an embedded schema left out",
		len(corpus), counts["golden"], counts["base"], counts["mutation"], counts["gap"], unknown)
	t.Logf("agreement: %d of %d objects (%d accepted by both, %d rejected by both), %d mismatches; %d known gaps disagree as documented",
		agree, compared, bothAccept, bothReject, mismatches, gaps)
	if min := 100; compared < min {
		t.Errorf("only %d objects compared; the corpus should have at least %d", compared, min)
	}
}

const (
	accept = "accept"
	reject = "reject"
)

func verdictWord(ok bool) string {
	if ok {
		return "accepts"
	}
	return "rejects"
}

type corpusCase struct {
	name, origin string
	expect       string // accept, reject, or "" (golden: accepted by TestRenderedOutputAccepted)
	obj          *unstructured.Unstructured
	// gap: a known disagreement (knownGaps), logged instead of failed.
	gap bool
}

func agreementCorpus(t *testing.T, root string) []corpusCase {
	t.Helper()
	var out []corpusCase
	seen := map[string]bool{}
	add := func(c corpusCase) {
		key, _ := json.Marshal(c.obj.Object)
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, c)
		}
	}
	bases := map[string]*unstructured.Unstructured{}
	for _, o := range readFile(t, filepath.Join("testdata", "corpus", "base.yaml")) {
		if bases[o.GetKind()] != nil {
			t.Fatalf("base.yaml has two %s objects", o.GetKind())
		}
		bases[o.GetKind()] = o
		add(corpusCase{name: "base " + describeObj(o), origin: "base", expect: accept, obj: o})
	}
	var golden []string
	for _, pattern := range []string{"tests/golden/testdata/*/expected.yaml", "examples/*/expected.yaml"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		golden = append(golden, m...)
	}
	for _, f := range golden {
		rel, _ := filepath.Rel(root, f)
		for _, o := range readFile(t, f) {
			if o.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
				continue
			}
			add(corpusCase{name: rel + ": " + describeObj(o), origin: "golden", obj: o})
		}
	}
	for _, f := range exampleSources(t, root) {
		rel, _ := filepath.Rel(root, f.file)
		// kpt keeps its sources as local-config, which lattice validate
		// skips; validate them anyway.
		ann := f.obj.GetAnnotations()
		delete(ann, "config.kubernetes.io/local-config")
		f.obj.SetAnnotations(ann)
		add(corpusCase{name: rel + ": " + describeObj(f.obj), origin: "golden", expect: accept, obj: f.obj})
	}
	for i, m := range append(mutations, knownGaps...) {
		base := bases[m.kind]
		if base == nil {
			t.Fatalf("mutation %q: no %s in base.yaml", m.name, m.kind)
		}
		o := base.DeepCopy()
		for _, op := range m.ops {
			if err := op.apply(o.Object); err != nil {
				t.Fatalf("mutation %q: %v", m.name, err)
			}
		}
		// JSON round trip: int64 and float64 numbers, as decoded manifests have.
		data, err := json.Marshal(o.Object)
		if err == nil {
			o.Object = nil
			err = utiljson.Unmarshal(data, &o.Object)
		}
		if err != nil {
			t.Fatalf("mutation %q: %v", m.name, err)
		}
		// Mutations are never deduplicated: each is a case of its own.
		c := corpusCase{name: fmt.Sprintf("mutation %d %s: %s", i, m.kind, m.name), origin: "mutation", expect: m.expect, obj: o}
		if i >= len(mutations) {
			c.name, c.origin, c.gap = fmt.Sprintf("known gap %d %s: %s", i-len(mutations), m.kind, m.name), "gap", true
		}
		out = append(out, c)
	}
	return out
}

func describeObj(o *unstructured.Unstructured) string {
	return o.GetKind() + " " + objKey(o)
}

func readFile(t *testing.T, f string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ReadObjects(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return objs
}

type verdict struct {
	ok          bool
	unknownKind bool
	lines       []string
}

// latticeValidate runs `lattice validate -o json` over the corpus file and
// returns one verdict per document.
func latticeValidate(t *testing.T, lattice, file string, n int) []verdict {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(lattice, "validate", "-o", "json", "--allow-unknown", file)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatalf("lattice validate: %v\n%s", err, stderr.String())
	}
	var results []struct {
		Index    int
		Kind     string
		Skipped  string
		Problems []struct{ Severity, Field, Message string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("lattice validate -o json: %v\n%s", err, stdout.String())
	}
	if len(results) != n {
		t.Fatalf("lattice validate returned %d results for %d objects", len(results), n)
	}
	out := make([]verdict, n)
	for i, r := range results {
		v := verdict{ok: true}
		if r.Skipped != "" {
			t.Fatalf("object %d skipped by lattice validate: %s", i, r.Skipped)
		}
		for _, p := range r.Problems {
			v.lines = append(v.lines, p.Severity+": "+p.Field+": "+p.Message)
			switch {
			case p.Severity == "error" && strings.HasPrefix(p.Message, "unrendered: "):
			case p.Severity == "error":
				v.ok = false
			case p.Field == "kind" && strings.HasPrefix(p.Message, "unknown kind"):
				v.unknownKind = true
			}
		}
		out[i] = v
	}
	return out
}

// op edits one field of an object: set (value != del) or delete.
type op struct {
	path  string
	value any
}

var del = &struct{}{}

func set(path string, value any) op { return op{path, value} }
func unset(path string) op          { return op{path, del} }

// apply follows path (a.b[0].c, [key] for map keys with dots) and sets or
// deletes the last element. Missing maps on the way are created.
func (o op) apply(obj map[string]any) error {
	segs, err := splitFieldPath(o.path)
	if err != nil {
		return err
	}
	var cur any = obj
	for i, s := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if o.value == del {
					if _, ok := c[s.key]; !ok {
						return fmt.Errorf("%s: nothing to delete", o.path)
					}
					delete(c, s.key)
				} else {
					c[s.key] = o.value
				}
				return nil
			}
			next, ok := c[s.key]
			if !ok || next == nil {
				next = map[string]any{}
				c[s.key] = next
			}
			cur = next
		case []any:
			if s.index < 0 || s.index >= len(c) {
				return fmt.Errorf("%s: index %d out of range", o.path, s.index)
			}
			if last {
				if o.value == del {
					return fmt.Errorf("%s: delete list items by setting the list", o.path)
				}
				c[s.index] = o.value
				return nil
			}
			cur = c[s.index]
		default:
			return fmt.Errorf("%s: %T is not a map or list", o.path, cur)
		}
	}
	return nil
}

type seg struct {
	key   string
	index int
}

func splitFieldPath(p string) ([]seg, error) {
	var out []seg
	for p != "" {
		switch {
		case p[0] == '.':
			p = p[1:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", p)
			}
			inner := p[1:end]
			if n, err := strconv.Atoi(inner); err == nil {
				out = append(out, seg{index: n})
			} else {
				out = append(out, seg{key: inner, index: -1})
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, seg{key: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out, nil
}
