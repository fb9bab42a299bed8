// Package synth generates synthetic lattice apps for benchmarks and
// determinism tests: N services in namespaces of about 25, each calling 3
// others (about a fifth of them in another namespace), half of those calls
// answered by an inbound declaration on the callee, 10 % of services with an
// ingress in the zone example.com and 5 % restricting their callers with L7
// rules. The same options always give the same bytes.
//
// The command tests/gen writes an app to a directory; benchmarks use this
// package directly.
package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options shape an app.
type Options struct {
	// Services is the number of LatticeServices.
	Services int
	// Seed makes the graph reproducible; the same seed gives the same app.
	Seed uint64
	// PerNamespace is the number of services per namespace (default 25).
	PerNamespace int
}

// Probabilities and counts of the generated graph.
const (
	Outbound         = 3    // outbound dependencies per service
	AnsweredFraction = 0.5  // share of calls the callee declares inbound
	CrossNamespace   = 0.2  // share of calls to another namespace
	IngressFraction  = 0.10 // share of services with an ingress
	L7Fraction       = 0.05 // share of services with L7 rules on their callers
	Zone             = "example.com"
)

// App is a generated app.
type App struct {
	Namespaces []string
	// Services are the LatticeService documents, one per service, in
	// generation order; ServiceNamespace[i] is the namespace of Services[i].
	Services         [][]byte
	ServiceNamespace []string
	// Platform is the Platform document, without the function annotation.
	Platform []byte
}

type svc struct {
	name, ns string
	ingress  bool
	l7       bool
	out      []int
	in       []int
}

// Generate builds an app.
func Generate(o Options) *App {
	if o.PerNamespace <= 0 {
		o.PerNamespace = 25
	}
	n := o.Services
	rng := rand.New(rand.NewPCG(o.Seed, 0x1a77ce))
	nsCount := max(1, (n+o.PerNamespace-1)/o.PerNamespace)
	app := &App{}
	for i := range nsCount {
		app.Namespaces = append(app.Namespaces, fmt.Sprintf("team-%03d", i))
	}
	svcs := make([]*svc, n)
	for i := range n {
		svcs[i] = &svc{
			name:    fmt.Sprintf("svc-%05d", i),
			ns:      app.Namespaces[i/o.PerNamespace],
			ingress: rng.Float64() < IngressFraction,
			l7:      rng.Float64() < L7Fraction,
		}
	}
	// Dependencies: 3 distinct callees per service; most stay in the
	// caller's namespace.
	for i, s := range svcs {
		if n < 2 {
			break
		}
		nsStart := (i / o.PerNamespace) * o.PerNamespace
		nsEnd := min(nsStart+o.PerNamespace, n)
		for len(s.out) < min(Outbound, n-1) {
			var j int
			if nsCount > 1 && (rng.Float64() < CrossNamespace || nsEnd-nsStart < Outbound+1) {
				j = rng.IntN(n)
			} else {
				j = nsStart + rng.IntN(nsEnd-nsStart)
			}
			if j == i || slices.Contains(s.out, j) {
				continue
			}
			s.out = append(s.out, j)
			if rng.Float64() < AnsweredFraction {
				svcs[j].in = append(svcs[j].in, i)
			}
		}
	}
	for _, s := range svcs {
		app.Services = append(app.Services, s.yaml(svcs))
		app.ServiceNamespace = append(app.ServiceNamespace, s.ns)
	}
	app.Platform = []byte(platform(""))
	return app
}

func platform(annotations string) string {
	return `apiVersion: lattice.dev/v1alpha1
kind: Platform
metadata:
  name: platform` + annotations + `
spec:
  cluster:
    name: prod-east
  dns:
    zones: [` + Zone + `]
  mesh:
    oneSided: warn
`
}

// Function annotation that makes kustomize run lattice from PATH.
const functionAnnotation = `
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: lattice`

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func envName(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_URL"
}

func (s *svc) yaml(all []*svc) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: %s
  namespace: %s
  labels:
    team: %s
spec:
  replicas: 2
  workload:
    containers:
      main:
        image: registry.example.com/%s/%s@%s
        command: [/app/server]
        args: ["--listen=:8080"]
        variables:
          LOG_LEVEL: info
`, s.name, s.ns, s.ns, s.ns, s.name, digest(s.ns+"/"+s.name))
	for _, j := range sortedByName(s.out, all) {
		fmt.Fprintf(&b, "          %s: ${resources.%s.url}\n", envName(all[j].name), all[j].name)
	}
	b.WriteString(`        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
        readinessProbe:
          httpGet: {path: /readyz, port: http}
    service:
      ports:
        http: {port: 8080}
    resources:
`)
	// One resource per peer: a peer both called and calling is "both".
	dir := map[int]string{}
	for _, j := range s.out {
		dir[j] = "outbound"
	}
	for _, j := range s.in {
		if dir[j] == "outbound" {
			dir[j] = "both"
		} else {
			dir[j] = "inbound"
		}
	}
	peers := make([]int, 0, len(dir))
	for j := range dir {
		peers = append(peers, j)
	}
	for _, j := range sortedByName(peers, all) {
		p := all[j]
		fmt.Fprintf(&b, "      %s: {type: service, direction: %s", p.name, dir[j])
		if p.ns != s.ns {
			fmt.Fprintf(&b, ", namespace: %s", p.ns)
		}
		if s.l7 && dir[j] != "outbound" {
			b.WriteString(", rules: [{methods: [GET], paths: [/api/*]}]")
		}
		b.WriteString("}\n")
	}
	if len(dir) == 0 {
		b.WriteString("      {}\n")
	}
	if s.ingress {
		fmt.Fprintf(&b, "  ingress:\n    hostname: %s.%s.%s\n", s.name, s.ns, Zone)
	}
	return []byte(b.String())
}

func sortedByName(idx []int, all []*svc) []int {
	out := slices.Clone(idx)
	slices.SortFunc(out, func(a, b int) int { return strings.Compare(all[a].name, all[b].name) })
	return out
}

func namespaceDoc(ns string) string {
	return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n  labels:\n    istio.io/dataplane-mode: ambient\n"
}

// Documents returns every input document: the Namespaces, then the
// services, then (withPlatform) the Platform.
func (a *App) Documents(withPlatform bool) [][]byte {
	var docs [][]byte
	for _, ns := range a.Namespaces {
		docs = append(docs, []byte(namespaceDoc(ns)))
	}
	docs = append(docs, a.Services...)
	if withPlatform {
		docs = append(docs, a.Platform)
	}
	return docs
}

// Stream is the app as one YAML stream, Platform included: the input of
// `lattice render`.
func (a *App) Stream() []byte {
	return JoinStream(a.Documents(true))
}

// JoinStream joins documents with "---" separators.
func JoinStream(docs [][]byte) []byte {
	var b []byte
	for i, d := range docs {
		if i > 0 {
			b = append(b, "---\n"...)
		}
		b = append(b, d...)
	}
	return b
}

// ResourceList is the app as a KRM function sees it: Namespaces and
// services as items, the Platform as functionConfig.
func (a *App) ResourceList() []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, d := range a.Documents(false) {
		indent(&b, string(d), "- ", "  ")
	}
	b.WriteString("functionConfig:\n")
	indent(&b, string(a.Platform), "  ", "  ")
	return []byte(b.String())
}

func indent(b *strings.Builder, text, first, rest string) {
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if i == 0 {
			b.WriteString(first)
		} else if line != "" {
			b.WriteString(rest)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
}

// Files is the app as a kustomization: one file per namespace (its
// Namespace and services), namespaces.yaml, and platform.yaml wired as an
// exec function transformer found on PATH as "lattice".
func (a *App) Files() map[string][]byte {
	files := map[string][]byte{}
	byNS := map[string][][]byte{}
	for i, s := range a.Services {
		ns := a.ServiceNamespace[i]
		byNS[ns] = append(byNS[ns], s)
	}
	var k strings.Builder
	k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, ns := range a.Namespaces {
		file := ns + ".yaml"
		docs := append([][]byte{[]byte(namespaceDoc(ns))}, byNS[ns]...)
		files[file] = JoinStream(docs)
		k.WriteString("  - " + file + "\n")
	}
	k.WriteString("transformers:\n  - platform.yaml\n")
	files["kustomization.yaml"] = []byte(k.String())
	files["platform.yaml"] = []byte(platform(functionAnnotation))
	return files
}

// WriteDir writes Files into dir, creating it.
func (a *App) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range a.Files() {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
