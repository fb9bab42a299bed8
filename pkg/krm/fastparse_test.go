package krm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// refParseItem is what parseItem does with yaml.v3, kept here so the
// tests stay a comparison with yaml.v3 whatever parseItem becomes.
func refParseItem(chunk []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(chunk, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) != 1 {
		return nil, errNotOneItem
	}
	return doc.Content[0].Content[0], nil
}

// nodeDiff returns the first difference between two trees, with its path,
// or "".
func nodeDiff(path string, a, b *yaml.Node) string {
	if a == nil || b == nil {
		if a != b {
			return fmt.Sprintf("%s: nil %v vs %v", path, a == nil, b == nil)
		}
		return ""
	}
	type field struct {
		name string
		x, y any
	}
	for _, f := range []field{
		{"Kind", a.Kind, b.Kind},
		{"Style", a.Style, b.Style},
		{"Tag", a.Tag, b.Tag},
		{"Value", a.Value, b.Value},
		{"Anchor", a.Anchor, b.Anchor},
		{"Alias", a.Alias != nil, b.Alias != nil},
		{"HeadComment", a.HeadComment, b.HeadComment},
		{"LineComment", a.LineComment, b.LineComment},
		{"FootComment", a.FootComment, b.FootComment},
		{"Line", a.Line, b.Line},
		{"Column", a.Column, b.Column},
		{"len(Content)", len(a.Content), len(b.Content)},
		{"Content==nil", a.Content == nil, b.Content == nil},
	} {
		if f.x != f.y {
			return fmt.Sprintf("%s: %s %#v vs %#v", path, f.name, f.x, f.y)
		}
	}
	for i := range a.Content {
		if d := nodeDiff(fmt.Sprintf("%s/%d", path, i), a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// checkFast compares fastParseItem with yaml.v3 on chunk. It reports
// whether the fast path took the chunk.
func checkFast(t testing.TB, chunk []byte) bool {
	t.Helper()
	got, ok := fastParseItem(chunk)
	if !ok {
		return false
	}
	want, err := refParseItem(chunk)
	if err != nil {
		t.Fatalf("fast path accepted what yaml.v3 rejects (%v):\n%s", err, chunk)
	}
	if d := nodeDiff("item", got, want); d != "" {
		t.Fatalf("fast path differs from yaml.v3 at %s; chunk:\n%q", d, chunk)
	}
	checkCaps(t, got)
	return true
}

// checkCaps asserts cap(Content) == len(Content) everywhere, so an append
// by kyaml cannot overwrite a sibling's children in the shared backing.
func checkCaps(t testing.TB, n *yaml.Node) {
	t.Helper()
	if cap(n.Content) != len(n.Content) {
		t.Fatalf("node at %d:%d: cap(Content) %d != len %d", n.Line, n.Column, cap(n.Content), len(n.Content))
	}
	for _, c := range n.Content {
		checkCaps(t, c)
	}
}

const fastServiceChunk = `- apiVersion: lattice.dev/v1alpha1
  kind: LatticeService
  metadata:
    name: svc-00000
    namespace: team-000
    labels:
      team: team-000
  spec:
    replicas: 2
    workload:
      containers:
        main:
          image: registry.example.com/team-000/svc-00000@sha256:3248757d
          command: [/app/server]
          args: ["--listen=:8080"]
          variables:
            SVC_00001_URL: ${resources.svc-00001.url}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
      resources:
        svc-00001: {type: service, direction: outbound}
`

// fastCases must take the fast path and match yaml.v3.
var fastCases = []string{
	fastServiceChunk,
	"- a: b\n",
	"- a: b",
	"  - a: b\n    c: d\n",
	"    - a: b\n      c:\n      - x\n      - y\n      d: e\n\n",
	"- a:\n    b: c\n  d:\n  e:\n",
	"- a:\n  e:",
	"- a:   \n  b: 1\n",
	"- a:\n  - x\n  -  y\n  b: 1\n",
	"- a:\n    - x\n    - y\n  b:\n  - name: n\n    value: v\n  - name: m\n",
	"- a:\n  - - x\n    - y\n  - - z\n",
	"- a:\n  - {x: 1}\n  - [1, 2]\n  - 'q'\n  - \"d\"\n",
	"- a: {}\n  b: []\n  c: {x: [1, {y: z}], w: \"v\"}\n",
	"- a: [a, \"b\", 'c', -1, http://x:80/y, a b]\n",
	"- a: {\"k\": v, 'k2': v2, k 3: v 3}\n",
	"- a: 'it''s'\n  b: ''\n  c: \"\"\n  d: \"  sp  \"\n",
	"- a: \"q\\\"x\\\\y\\n\\tz\\u00e9\\x41\\U0001F600\\0\\ \\_\"\n",
	"- \"quoted key\": 1\n  'single': 2\n  \"k\" : 3\n",
	"- a: 1\n  b: -2\n  c: 0x1F\n  d: 0o17\n  e: 017\n  f: 09\n  g: 1.5\n  h: .5\n  i: 1e3\n  j: +1\n  k: 1_000\n",
	"- a: true\n  b: False\n  c: TRUE\n  d: yes\n  e: no\n  f: on\n  g: null\n  h: ~\n  i: Null\n  j: .inf\n  k: -.Inf\n  l: .nan\n  m: nul\n",
	"- a: 2001-12-14\n  b: 2001-12-14t21:59:43.10Z\n  c: 2001-12-14 21:59:43.10\n  d: 2001-13-40\n  e: 12:30\n",
	"- a: 100m\n  b: 128Mi\n  c: 3248757d\n  d: 1Gi\n  e: 0.5\n  f: 1.0.0\n  g: 123456789012345678901234\n",
	"- 1: a\n  true: b\n  null: c\n  ~: d\n  1.5: e\n",
	"- a: b:c\n  d: http://e:f\n  g: x - y\n  h: a,b]c}\n  i: a#b\n  j: -x\n  k: --flag=1\n",
	"- a: é\n  ü: [é, b]\n  日本: {語: x}\n  k: \"ü\\u00fc\" \n",
	"- data:\n    x: |\n      line1\n      line2\n    y: |-\n      strip\n    z: |+\n      keep\n\n    w: v\n",
	"- a: |\n    one\n\n    two\n      indented\n  b: c\n",
	"- a: |\n\n    after blank\n  b: |\n    x\n   \n  c: d\n",
	"- a: |\n    x\n      \n  b: c\n",
	"- a: |\n    x",
	"- a: |-\n    x\n\n\n",
	"- a: |+\n    x\n\n\n",
	"- a: |+\n    x\n  \n   \n  b: c\n",
	"- a: |  \n    x\n",
	"- a:\n  - |\n    lit\n  - b\n",
	"- a: b\n\n\n  c: d\n   \n",
	"- a: 'x: y'\n  b: \"# not a comment\"\n",
	"- k: v   \n  l: 'q'   \n  m: [a]  \n",
	"- a: a:\"b\"\n",
	"\n  \n- a: b\n",
	"- a: |+\n    x",
	"- a: |\n    x\n  \n",
	"- a:\n  - |+\n    x\n\n  - y\n",
	"- a: [\"x\", 'y', {z: [1]}, []]\n  b: {c: {}, d: {e: f}}\n",
}

// declineCases are valid or invalid YAML the fast path must refuse (or,
// where noted as allowed, match yaml.v3 exactly).
var declineCases = []string{
	"",
	"a: b\n",
	"- a\n",
	"- [a]\n",
	"- {a: b}\n",
	"-\n  a: b\n",
	"- a: b\n- c: d\n",
	"- a: b # comment\n",
	"# c\n- a: b\n",
	"- a: &x b\n  c: *x\n",
	"- a: !!str 1\n",
	"- a: !t b\n",
	"- ? a\n  : b\n",
	"- a: >\n    folded\n",
	"- a: |2\n    x\n",
	"- a: |\n    x\n # c\n",
	"- a: |\n  b: c\n",
	"- a: |\n      \n    x\n",
	"- a: |\n",
	"- a: b\n    c\n",
	"- a:\n    b\n",
	"- a: 'x\n    y'\n",
	"- a: \"x\n    y\"\n",
	"- a: \"x\\\n    y\"\n",
	"- a: [1,\n    2]\n",
	"- a: {b: c,\n    d: e}\n",
	"- a:\tb\n",
	"- a: b\r\n",
	"- a: \"\\/\"\n",
	"- a: \"\\q\"\n",
	"- a: \"\\ud800\"\n",
	"- a: \"\\u12\"\n",
	"- a: b: c\n",
	"- a: b:\n",
	"- a: - b\n",
	"- a: -\n",
	"- a: [a,]\n",
	"- a: {x: , y: 1}\n",
	"- a: {x}\n",
	"- a: {x:y}\n",
	"- a: {\"x\":y}\n",
	"- a: [a: b]\n",
	"- a: [a]b\n",
	"- a: \"b\"c\n",
	"- a: [- b]\n",
	"- a: [a, #b]\n",
	"- a: <<\n",
	"- <<: {a: b}\n",
	"- a: b\n c: d\n",
	"- a:\n    - x\n    y: z\n",
	"- a:\n  - x\n    y\n",
	"- a: b\n---\n",
	"- a: b\n...\n",
	"%YAML 1.2\n- a: b\n",
	"- a: @b\n",
	"- a: `b\n",
	"- a: %b\n",
	"- a: b\u2028c\n",
	"- a: b\u0085c\n",
	"- a: \xff\n",
	"- a: \ufeffb\n",
	"- a: \x7f\n",
	"- a: b\x00\n",
	"- \"a\" \"b\": c\n",
	"- {a: b}: c\n",
	"- [a]: b\n",
	"- a: " + strings.Repeat("x", 1200) + "\n",
	"- -\n",
	"- - \n",
	"- a:\n  -\n",
	"- a: |\n    x\n   y\n",
	"- a: |\n    x\n  y\n",
	"- a: ?b\n",
	"- a: :b\n",
	"- :a: b\n",
	"- a: [?b]\n",
	"- a: [b?c]\n",
	"- a: [b:]\n",
	"- a: {b: c: d}\n",
	"- a: [\"x\" y]\n",
	"- a: '' ''\n",
}

func TestFastParseTable(t *testing.T) {
	for i, c := range fastCases {
		if _, err := refParseItem([]byte(c)); err != nil {
			t.Fatalf("fastCases[%d] is not a valid item (%v):\n%s", i, err, c)
		}
		if !checkFast(t, []byte(c)) {
			t.Errorf("fastCases[%d] declined:\n%s", i, c)
		}
	}
	for i, c := range declineCases {
		if checkFast(t, []byte(c)) {
			// Matching yaml.v3 exactly is fine too, but these are here
			// to exercise refusals: say so if one stops being one.
			t.Logf("declineCases[%d] accepted (matches yaml.v3): %q", i, c)
		}
	}
}

// TestFastParseDuplicateKeys pins that yaml.v3 keeps duplicate keys in a
// Node, so the fast path need not reject them.
func TestFastParseDuplicateKeys(t *testing.T) {
	chunk := []byte("- a: 1\n  a: 2\n")
	if _, err := refParseItem(chunk); err != nil {
		t.Fatalf("yaml.v3 rejects duplicate keys in a Node: %v", err)
	}
	if !checkFast(t, chunk) {
		t.Fatal("declined duplicate keys")
	}
}

// TestFastParseAppend checks that growing one node's Content (as kyaml's
// SetMapField does) leaves its neighbours alone.
func TestFastParseAppend(t *testing.T) {
	n, ok := fastParseItem([]byte("- a: {x: 1}\n  b: {y: 2}\n  c: [3]\n"))
	if !ok {
		t.Fatal("declined")
	}
	a, b := n.Content[1], n.Content[3]
	a.Content = append(a.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "new"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "v"})
	if b.Content[0].Value != "y" || len(b.Content) != 2 || n.Content[4].Value != "c" {
		t.Fatalf("append to a sibling's Content clobbered its neighbour: %v %v", b.Content[0].Value, n.Content[4].Value)
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "d"})
	if a.Content[0].Value != "x" {
		t.Fatal("append to the root's Content clobbered a child")
	}
}

// TestFastParseTags compares plainTag with yaml.v3's resolver.
func TestFastParseTags(t *testing.T) {
	for _, v := range []string{
		"", "a", "~", "~x", "null", "NULL", "nULL", "true", "tRUE", "false", "y", "yes", "on", "off", "no",
		"0", "00", "01", "09", "1", "-1", "+1", "-0", "1_0", "0x1f", "0X1F", "0o17", "0O17", "0b101", "-0b1", "-0o7",
		"0xg", "1.5", ".5", "5.", "1e3", "1E+3", "-1.5e-3", "1.0.0", ".", "..", ".e", "._5", ".5_0",
		"+.inf", "-.INF", ".Inf", ".NaN", "-.nan", "+", "-", "+-", "1-2", "12:30", "1:2:3",
		"2001-12-14", "2001-12-14t21:59:43.10Z", "2001-12-14T21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-13-40",
		"2001-12-14 21:59:43.10 -5", "100m", "128Mi", "1Gi", "3248757d", "deadbeef", "1d", "1f", "123456789012345678",
		"1234567890123456789", "12345678901234567890", "99999999999999999999", "-9223372036854775808", "9223372036854775808",
		"18446744073709551615", "18446744073709551616", "1__2", "_1", "0x_1", "1 2", "1 ", "0.", "-.5", "+.5e5",
	} {
		want := (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
		if got := plainTag(v); got != want {
			t.Errorf("plainTag(%q) = %s, yaml.v3 says %s", v, got, want)
		}
	}
}

// fastResourceList is a hand-made ResourceList in the layouts the
// splitter cuts: compact items, varied values.
const fastResourceList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
    namespace: team-a
    annotations:
      config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: "cm.yaml"
  data:
    app.yaml: |
      server:
        port: 8080
      not: a key, inside a literal

      debug: false
    empty: ""
    trimmed: |-
      x
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    labels: {app: web, tier: "frontend"}
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        creationTimestamp: null
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: nginx:1.27
          args:
          - --port=8080
          - "--mode=fast"
          ports:
          - containerPort: 8080
            protocol: TCP
          resources:
            limits:
              cpu: 500m
              memory: 256Mi
          env:
          - name: A
            value: "1"
          - name: B
            valueFrom:
              fieldRef: {fieldPath: metadata.name}
        tolerations: []
- apiVersion: lattice.dev/v1alpha1
  kind: LatticeService
  metadata:
    name: svc-00000
    namespace: team-000
  spec:
    replicas: 2
    workload:
      containers:
        main:
          image: registry.example.com/team-000/svc-00000@sha256:3248757d
          command: [/app/server]
          args: ["--listen=:8080"]
          variables:
            SVC_00001_URL: ${resources.svc-00001.url}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
      resources:
        svc-00001: {type: service, direction: outbound}
- apiVersion: v1
  kind: Namespace
  metadata:
    name: ünïcode
    annotations:
      note: 'it''s here'
functionConfig:
  apiVersion: lattice.dev/v1alpha1
  kind: Platform
  metadata:
    name: p
`

func TestFastParseSplitChunks(t *testing.T) {
	for _, in := range []string{fastResourceList, indentItems(fastResourceList)} {
		_, chunks, ok := splitResourceList([]byte(in))
		if !ok {
			t.Fatal("splitResourceList refused the list")
		}
		if len(chunks) != 4 {
			t.Fatalf("got %d chunks, want 4", len(chunks))
		}
		for i, c := range chunks {
			if _, err := refParseItem(c); err != nil {
				t.Fatalf("chunk %d: yaml.v3: %v", i, err)
			}
			if !checkFast(t, c) {
				t.Errorf("chunk %d declined:\n%s", i, c)
			}
		}
	}
}

// indentItems indents the items of a ResourceList by two spaces, the
// other layout kpt and kustomize write.
func indentItems(rl string) string {
	head, rest, _ := strings.Cut(rl, "items:\n")
	items, tail, _ := strings.Cut(rest, "functionConfig:")
	var b strings.Builder
	b.WriteString(head + "items:\n")
	for _, l := range strings.SplitAfter(items, "\n") {
		if l != "\n" && l != "" {
			b.WriteString("  ")
		}
		b.WriteString(l)
	}
	b.WriteString("functionConfig:" + tail)
	return b.String()
}

// testInputs reads the golden inputs (tests/golden/testdata/*/input.yaml) and
// the fuzz corpora under testdata, decoded from the corpus file format.
func testInputs(t testing.TB) (golden, corpus [][]byte) {
	inputs, err := filepath.Glob("../../tests/golden/testdata/*/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range inputs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		golden = append(golden, data)
	}
	err = filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rest, isCorpus := bytes.CutPrefix(data, []byte("go test fuzz v1\n"))
		if !isCorpus {
			corpus = append(corpus, data)
			return nil
		}
		for _, l := range strings.Split(string(rest), "\n") {
			if q, ok := strings.CutPrefix(l, "[]byte("); ok {
				if v, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
					corpus = append(corpus, []byte(v))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return golden, corpus
}

// objectChunks turns every object document of data into an item chunk
// the way kyaml writes one: compact sequences, no comments.
func objectChunks(data []byte) [][]byte {
	var chunks [][]byte
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			break // io.EOF, or input yaml.v3 rejects
		}
		if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		m := doc.Content[0]
		stripComments(m)
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf) // kyaml's: indent 2, compact sequences
		if err := enc.Encode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{m}}); err != nil {
			continue
		}
		if _, err := refParseItem(buf.Bytes()); err == nil {
			chunks = append(chunks, buf.Bytes())
		}
	}
	return chunks
}

func stripComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}

func TestFastParseGoldenInputs(t *testing.T) {
	golden, corpus := testInputs(t)
	if len(golden) < 50 {
		t.Fatalf("only %d golden inputs found", len(golden))
	}
	fast, total := 0, 0
	var rl bytes.Buffer
	rl.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, in := range golden {
		for _, c := range objectChunks(in) {
			rl.Write(c)
			for _, v := range [][]byte{c, indentLines(c)} {
				total++
				if checkFast(t, v) {
					fast++
				}
			}
		}
	}
	t.Logf("golden inputs: %d of %d item chunks took the fast path", fast, total)
	if total < 100 || fast*100 < total*95 {
		t.Errorf("only %d of %d golden item chunks took the fast path", fast, total)
	}

	// The same items cut by the real splitter.
	_, split, ok := splitResourceList(rl.Bytes())
	if !ok {
		t.Fatal("splitResourceList refused the golden ResourceList")
	}
	fast = 0
	for _, c := range split {
		if checkFast(t, c) {
			fast++
		}
	}
	t.Logf("golden ResourceList: %d of %d split chunks took the fast path", fast, len(split))
	if fast*100 < len(split)*95 {
		t.Errorf("only %d of %d split chunks took the fast path", fast, len(split))
	}

	// The fuzz corpora hold odder inputs: only agreement is required.
	fast, total = 0, 0
	for _, in := range corpus {
		chunks := objectChunks(in)
		if _, s, ok := splitResourceList(in); ok {
			chunks = append(chunks, s...)
		}
		for _, c := range chunks {
			total++
			if checkFast(t, c) {
				fast++
			}
		}
	}
	t.Logf("fuzz corpora: %d of %d chunks took the fast path", fast, total)
}

// indentLines indents every non-empty line by two spaces.
func indentLines(c []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.SplitAfter(c, []byte("\n")) {
		if len(l) > 0 && l[0] != '\n' {
			b.WriteString("  ")
		}
		b.Write(l)
	}
	return b.Bytes()
}

// FuzzFastParseItem: whatever the fast path accepts, yaml.v3 parses to
// the identical tree.
func FuzzFastParseItem(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	for _, c := range declineCases {
		f.Add([]byte(c))
	}
	golden, corpus := testInputs(f)
	for i, in := range golden {
		if i%20 == 0 {
			for _, c := range objectChunks(in) {
				f.Add(c)
			}
		}
	}
	for _, in := range corpus {
		if _, s, ok := splitResourceList(in); ok {
			for _, c := range s {
				f.Add(c)
			}
		}
	}
	f.Fuzz(func(t *testing.T, chunk []byte) {
		checkFast(t, chunk)
	})
}

func BenchmarkParseItem(b *testing.B) {
	chunk := []byte(fastServiceChunk)
	if _, ok := fastParseItem(chunk); !ok {
		b.Fatal("fast path declined the benchmark chunk")
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(chunk)))
		for b.Loop() {
			if _, ok := fastParseItem(chunk); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(chunk)))
		for b.Loop() {
			if _, err := refParseItem(chunk); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFastParseRandom compares the fast path with yaml.v3 on generated
// items: the constructs it handles, nested at random indentations, with
// tricky scalars and occasional one-byte corruptions that it must either
// decline or parse exactly as yaml.v3 does.
func TestFastParseRandom(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for range n {
		g := &chunkGen{r: r}
		top := r.IntN(3) * 2
		g.b.WriteString(strings.Repeat(" ", top) + "-" + strings.Repeat(" ", 1+r.IntN(2)))
		g.mapping(g.b.Len(), 0, true)
		chunk := []byte(g.b.String())
		if r.IntN(4) == 0 {
			chunk = corrupt(r, chunk)
		}
		if checkFast(t, chunk) {
			fast++
		}
	}
	t.Logf("%d of %d generated chunks took the fast path", fast, n)
	if fast < n/3 {
		t.Errorf("only %d of %d generated chunks took the fast path", fast, n)
	}
}

var (
	genKeys    = []string{"a", "name", "b c", "1", "true", "null", "~", "é", "日本", "a:b", "-x", "\"q\"", "'s'", "\"\"", "x.y/z", "k-1", "<<x"}
	genScalars = []string{
		"v", "v w", "1", "-1", "0x1F", "09", "1.5", ".5", "1e3", "true", "False", "null", "~", "yes", "100m", "128Mi",
		"3248757d", "2001-12-14", "2001-12-14 21:59:43.10", "12:30", "http://x:80/y", "a#b", "a,b", "a]b}", "-", "--f=1",
		"''", "'it''s'", "' x '", "\"\"", "\"a\\\"b\"", "\"\\u00e9\\x41\\t\"", "\"\\/\"", "\"# x\"", "'a: b'",
		"é", "ü ü", "${x.y}", "<<", "a: b", "a #c", "&a b", "*a", "!t x", "? x", ">", "|x", "%x", "@x", "`x",
	}
	genFlowScalars = []string{"a", "b c", "1", "-1", "\"q\"", "'s'", "http://x:80", "é", "a:b", "true", "", "a#b"}
)

type chunkGen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *chunkGen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *chunkGen) blankLines() {
	for range g.r.IntN(4) / 3 {
		g.b.WriteString(strings.Repeat(" ", g.r.IntN(8)) + "\n")
	}
}

func (g *chunkGen) trailing() string { return strings.Repeat(" ", g.r.IntN(5)/3) }

// mapping writes a block mapping whose first key goes at the current
// position (column col) and later keys at col.
func (g *chunkGen) mapping(col, depth int, first bool) {
	for k := range 1 + g.r.IntN(4) {
		if k > 0 || !first {
			g.blankLines()
			g.b.WriteString(strings.Repeat(" ", col))
		}
		g.b.WriteString(g.pick(genKeys) + ":")
		g.value(col, depth)
	}
}

// value writes what follows "key:" in a mapping at column col.
func (g *chunkGen) value(col, depth int) {
	choice := g.r.IntN(8)
	if depth > 3 && choice >= 3 {
		choice = 0
	}
	switch choice {
	case 0, 1:
		g.b.WriteString(" " + g.pick(genScalars) + g.trailing() + "\n")
	case 2:
		g.b.WriteString(g.trailing() + "\n")
	case 3:
		g.b.WriteString(" " + g.flowNode(depth) + g.trailing() + "\n")
	case 4:
		g.literal(col)
	case 5:
		g.b.WriteString("\n")
		g.blankLines()
		in := col + 1 + g.r.IntN(3)
		g.b.WriteString(strings.Repeat(" ", in))
		g.mapping(in, depth+1, true)
	default:
		g.b.WriteString("\n")
		g.blankLines()
		in := col + g.r.IntN(3)
		g.sequence(in, depth+1)
	}
}

func (g *chunkGen) sequence(col, depth int) {
	for k := range 1 + g.r.IntN(3) {
		if k > 0 {
			g.blankLines()
		}
		g.b.WriteString(strings.Repeat(" ", col))
		sp := 1 + g.r.IntN(2)
		g.b.WriteString("-" + strings.Repeat(" ", sp))
		in := col + 1 + sp
		switch c := g.r.IntN(6); {
		case c == 0 && depth < 4:
			g.mapping(in, depth+1, true)
		case c == 1 && depth < 4:
			g.sequenceInline(in, depth+1)
		case c == 2:
			g.b.WriteString(g.flowNode(depth) + g.trailing() + "\n")
		case c == 3:
			g.literal(col)
		default:
			g.b.WriteString(g.pick(genScalars) + g.trailing() + "\n")
		}
	}
}

// sequenceInline writes a nested sequence starting after "- ".
func (g *chunkGen) sequenceInline(col, depth int) {
	g.b.WriteString("- " + g.pick(genScalars) + "\n")
	if g.r.IntN(2) == 0 {
		g.b.WriteString(strings.Repeat(" ", col) + "- " + g.pick(genScalars) + "\n")
	}
}

func (g *chunkGen) flowNode(depth int) string {
	if depth > 3 || g.r.IntN(3) == 0 {
		return g.pick(genFlowScalars)
	}
	var parts []string
	isMap := g.r.IntN(2) == 0
	for range g.r.IntN(4) {
		if isMap {
			parts = append(parts, g.pick(genFlowScalars)+":"+strings.Repeat(" ", 1+g.r.IntN(2)/1)+g.flowNode(depth+1))
		} else {
			parts = append(parts, g.flowNode(depth+1))
		}
	}
	sep := []string{", ", ",", " , "}[g.r.IntN(3)]
	if isMap {
		return "{" + strings.Join(parts, sep) + "}"
	}
	return "[" + strings.Join(parts, sep) + "]"
}

// literal writes a literal block scalar for a value in a collection at
// column col.
func (g *chunkGen) literal(col int) {
	g.b.WriteString(" |" + []string{"", "-", "+"}[g.r.IntN(3)] + g.trailing() + "\n")
	in := col + 1 + g.r.IntN(3)
	if g.r.IntN(8) == 0 {
		in = col // content not indented enough: an empty scalar
	}
	for k := range 1 + g.r.IntN(4) {
		switch c := g.r.IntN(6); {
		case c == 0:
			g.b.WriteString("\n")
		case c == 1:
			g.b.WriteString(strings.Repeat(" ", g.r.IntN(in+3)) + "\n")
		case c == 2 && k > 0:
			g.b.WriteString(strings.Repeat(" ", in+1+g.r.IntN(2)) + g.pick(genScalars) + "\n")
		default:
			g.b.WriteString(strings.Repeat(" ", in) + g.pick(genScalars) + g.trailing() + "\n")
		}
	}
}

// corrupt changes one byte, inserts or deletes one.
func corrupt(r *rand.Rand, b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	i := r.IntN(len(b))
	chars := " \n-:#'\"[]{},|>&*!?\\a1"
	c := chars[r.IntN(len(chars))]
	switch r.IntN(3) {
	case 0:
		b[i] = c
		return b
	case 1:
		return append(b[:i], b[i+1:]...)
	}
	return append(b[:i], append([]byte{c}, b[i:]...)...)
}
