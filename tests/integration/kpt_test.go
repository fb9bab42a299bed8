package integration

// kpt cannot be installed here (its module does not build from the module
// proxy), so these tests reproduce what `kpt fn render` does around a
// function, from kpt's pkg/lib/kptops/render_executor.go and
// pkg/fn/runtime (runner.go, exec.go, container.go), with the same kyaml
// pieces kpt uses:
//
//   - read each package with kio.LocalPackageReader (Kptfile included,
//     .krmignore honoured, subpackages excluded, package-path annotation
//     set), render subpackages depth-first and append their output;
//   - per mutator: refuse exec without --allow-exec, read the
//     functionConfig from configPath (which must be one of the package's
//     resources) and refresh it from the in-memory resources, check that
//     every item is KRM, run runtimeutil.FunctionFilter (GlobalScope) —
//     which writes the ResourceList with path/index/id annotations and
//     reads the function's output back — set the package path on new
//     items, enforce unique (package, path, index) and in-package paths,
//     check the output is KRM, parse `results` into kpt's ResultItem shape
//     (even on failure), print [RUNNING]/[PASS]/[FAIL] and [Results];
//   - exec functions run with kpt's working directory and environment;
//     image functions run `docker run --rm -i --network none --user nobody
//     --security-opt=no-new-privileges --pull missing IMAGE` (here: the
//     docker stand-in over the image tools/imagebuild made);
//   - on success, rebase paths on the root package, write everything back
//     with kio.LocalPackageReadWriter and delete files no longer written;
//     on failure write nothing.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

const kptPkgPathAnnotation = "internal.config.kubernetes.io/package-path"

// runFn is a function runtime: ResourceList in, ResourceList out.
type runFn = func(r io.Reader, w io.Writer) error

var kptMatchAllKRM = append([]string{"Kptfile"}, kio.MatchAll...)

type kptFunction struct {
	Name       string            `yaml:"name,omitempty"`
	Image      string            `yaml:"image,omitempty"`
	Exec       string            `yaml:"exec,omitempty"`
	ConfigPath string            `yaml:"configPath,omitempty"`
	ConfigMap  map[string]string `yaml:"configMap,omitempty"`
}

type kptfile struct {
	Pipeline struct {
		Mutators   []kptFunction `yaml:"mutators,omitempty"`
		Validators []kptFunction `yaml:"validators,omitempty"`
	} `yaml:"pipeline,omitempty"`
}

// kptResultItem is kpt's fnresult/v1 ResultItem, decoded strictly so a
// field kpt would not understand fails the test.
type kptResultItem struct {
	Message     string                   `yaml:"message,omitempty"`
	Severity    string                   `yaml:"severity,omitempty"`
	ResourceRef *yaml.ResourceIdentifier `yaml:"resourceRef,omitempty"`
	Field       *struct {
		Path          string `yaml:"path,omitempty"`
		CurrentValue  any    `yaml:"currentValue,omitempty"`
		ProposedValue any    `yaml:"proposedValue,omitempty"`
	} `yaml:"field,omitempty"`
	File *struct {
		Path  string `yaml:"path,omitempty"`
		Index int    `yaml:"index,omitempty"`
	} `yaml:"file,omitempty"`
	Tags map[string]string `yaml:"tags,omitempty"`
}

// String prints a result the way kpt does: [severity] apiVersion/Kind/ns/name field: message.
func (r kptResultItem) String() string {
	var id []string
	if ref := r.ResourceRef; ref != nil {
		for _, s := range []string{ref.APIVersion, ref.Kind, ref.Namespace, ref.Name} {
			if s != "" {
				id = append(id, s)
			}
		}
	}
	sev := r.Severity
	if sev == "" {
		sev = "info"
	}
	s := "[" + sev + "]"
	if len(id) > 0 {
		s += " " + strings.Join(id, "/")
	}
	if r.Field != nil {
		s += " " + r.Field.Path
	}
	return s + ": " + r.Message
}

// kpt is one `kpt fn render` invocation.
type kpt struct {
	allowExec bool
	// cwd is where kpt runs (exec paths resolve against it); env is added
	// to kpt's environment, which exec functions inherit.
	cwd     string
	env     []string
	out     strings.Builder
	results []kptResultItem
	checked bool // docker version ran
}

func (k *kpt) printf(format string, args ...any) { fmt.Fprintf(&k.out, format, args...) }

// render renders the package at root in place.
func (k *kpt) render(root string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	inputFiles := map[string]bool{}
	resources, err := k.hydrate(root, root, inputFiles)
	if err != nil {
		return err
	}
	outputFiles := map[string]bool{}
	for _, r := range resources {
		pkg := r.GetAnnotations()[kptPkgPathAnnotation]
		p, _, err := kioutil.GetFileAnnotations(r)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, pkg)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("subpackage %q is not a descendant of %q", pkg, root)
		}
		np := filepath.Join(rel, filepath.Clean(p))
		for _, a := range []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation} {
			if err := r.PipeE(yaml.SetAnnotation(a, np)); err != nil {
				return err
			}
		}
		if err := r.PipeE(yaml.ClearAnnotation(kptPkgPathAnnotation)); err != nil {
			return err
		}
		outputFiles[np] = true
	}
	w := &kio.LocalPackageReadWriter{
		PackagePath:        root,
		PreserveSeqIndent:  true,
		PackageFileName:    "Kptfile",
		IncludeSubpackages: true,
		WrapBareSeqNode:    true,
		MatchFilesGlob:     kptMatchAllKRM,
	}
	if err := w.Write(resources); err != nil {
		return fmt.Errorf("failed to save resources: %w", err)
	}
	for f := range inputFiles {
		if !outputFiles[f] {
			if err := os.RemoveAll(filepath.Join(root, f)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (k *kpt) hydrate(root, dir string, inputFiles map[string]bool) ([]*yaml.RNode, error) {
	local, err := (&kio.LocalPackageReader{
		PackagePath:        dir,
		PackageFileName:    "Kptfile",
		IncludeSubpackages: false,
		MatchFilesGlob:     kptMatchAllKRM,
		PreserveSeqIndent:  true,
		SetAnnotations:     map[string]string{kptPkgPathAnnotation: dir},
		WrapBareSeqNode:    true,
	}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	rel, _ := filepath.Rel(root, dir)
	for _, r := range local {
		p, _, err := kioutil.GetFileAnnotations(r)
		if err != nil {
			return nil, err
		}
		inputFiles[filepath.Join(rel, filepath.Clean(p))] = true
	}
	input := slices.Clone(local)
	subs, err := kptSubpackages(dir)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		out, err := k.hydrate(root, sub, inputFiles)
		if err != nil {
			return nil, err
		}
		input = append(input, out...)
	}
	return k.pipeline(dir, local, input)
}

// kptSubpackages lists the directories under dir holding a Kptfile, not
// descending into them (kpt's DirectSubpackages).
func kptSubpackages(dir string) ([]string, error) {
	var subs []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return err
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(p, "Kptfile")); err == nil {
			subs = append(subs, p)
			return filepath.SkipDir
		}
		return nil
	})
	sort.Strings(subs)
	return subs, err
}

func (k *kpt) pipeline(dir string, local, input []*yaml.RNode) ([]*yaml.RNode, error) {
	data, err := os.ReadFile(filepath.Join(dir, "Kptfile"))
	if err != nil {
		return nil, err
	}
	var kf kptfile
	if err := yaml.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("%s/Kptfile: %w", dir, err)
	}
	if len(kf.Pipeline.Mutators) == 0 && len(kf.Pipeline.Validators) == 0 {
		if err := kptAreKRM(input); err != nil {
			return nil, fmt.Errorf("input resource list must contain only KRM resources: %w", err)
		}
		return input, nil
	}
	if len(kf.Pipeline.Validators) > 0 {
		return nil, errors.New("this kpt stand-in runs mutators only")
	}
	paths := map[string]bool{}
	for _, r := range local {
		p, _, _ := kioutil.GetFileAnnotations(r)
		paths[filepath.Clean(p)] = true
	}
	for i, fn := range kf.Pipeline.Mutators {
		if fn.ConfigPath != "" && !paths[filepath.Clean(fn.ConfigPath)] {
			return nil, fmt.Errorf("pipeline.mutators[%d].configPath %q: functionConfig resource for mutator %q is missing from path", i, fn.ConfigPath, fn.Name)
		}
	}
	for _, fn := range kf.Pipeline.Mutators {
		if fn.Exec != "" && !k.allowExec {
			return nil, errors.New("must run with `--allow-exec` option to allow running function binaries")
		}
		var cfg *yaml.RNode
		switch {
		case fn.ConfigPath != "":
			data, err := os.ReadFile(filepath.Join(dir, fn.ConfigPath))
			if err != nil {
				return nil, fmt.Errorf("missing function config %q", fn.ConfigPath)
			}
			if cfg, err = yaml.Parse(string(data)); err != nil {
				return nil, fmt.Errorf("invalid function config %q %w", fn.ConfigPath, err)
			}
			for _, r := range input { // refreshFnConfig
				p, _, _ := kioutil.GetFileAnnotations(r)
				if r.GetAnnotations()[kptPkgPathAnnotation] == dir && p == fn.ConfigPath {
					cfg = r
					break
				}
			}
		case len(fn.ConfigMap) > 0:
			return nil, errors.New("this kpt stand-in supports configPath only")
		}
		name, run, stderr, err := k.runtime(fn)
		if err != nil {
			return nil, err
		}
		if input, err = k.run(dir, name, cfg, run, stderr, input); err != nil {
			return nil, err
		}
	}
	return input, nil
}

// runtime picks the exec or container runner for fn, as NewRunner does.
func (k *kpt) runtime(fn kptFunction) (string, runFn, *bytes.Buffer, error) {
	stderr := &bytes.Buffer{}
	switch {
	case fn.Image != "":
		image := fn.Image
		if !strings.Contains(image, "@") && !strings.Contains(image[strings.LastIndex(image, "/")+1:], ":") {
			image += ":latest"
		}
		return image, func(r io.Reader, w io.Writer) error {
			if !k.checked {
				k.checked = true
				out, err := k.command("docker", "version", "--format", "{{.Client.Version}}").Output()
				if err != nil || len(out) == 0 {
					return fmt.Errorf("%v\ndocker must be running to use this command", err) //nolint:errorlint // kpt's text; err may be nil
				}
			}
			cmd := k.command("docker", "run", "--rm", "-i", "--network", "none", "--user", "nobody",
				"--security-opt=no-new-privileges", "--pull", "missing", image)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = r, w, stderr
			return cmd.Run()
		}, stderr, nil
	case fn.Exec != "":
		fields := strings.Fields(fn.Exec)
		return fn.Exec, func(r io.Reader, w io.Writer) error {
			cmd := k.command(fields[0], fields[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = r, w, stderr
			return cmd.Run()
		}, stderr, nil
	}
	return "", nil, nil, errors.New("must specify `exec` or `image` to execute a function")
}

// command is exec.Command as kpt's process would run it: kpt's working
// directory and environment, PATH lookups on kpt's PATH.
func (k *kpt) command(name string, args ...string) *exec.Cmd {
	env := append(os.Environ(), k.env...)
	path := name
	if !strings.Contains(name, "/") {
		path = ""
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				path = v
			}
		}
		cmd := exec.Command(name, args...)
		cmd.Path, cmd.Err = kptLookPath(name, path)
		cmd.Dir, cmd.Env = k.cwd, env
		return cmd
	}
	cmd := exec.Command(path, args...)
	cmd.Dir, cmd.Env = k.cwd, env
	return cmd
}

func kptLookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return name, &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// run is FunctionRunner.Filter + do.
func (k *kpt) run(dir, name string, cfg *yaml.RNode, run runFn, stderr *bytes.Buffer, input []*yaml.RNode) ([]*yaml.RNode, error) {
	if err := kptAreKRM(input); err != nil {
		return nil, fmt.Errorf("input resource list must contain only KRM resources: %w", err)
	}
	k.printf("[RUNNING] %q on package at path %q\n", name, dir)
	t0 := time.Now()
	fltr := &runtimeutil.FunctionFilter{FunctionConfig: cfg, GlobalScope: true, Run: run}
	output, fnErr := fltr.Filter(input)
	for _, r := range output {
		if r.GetAnnotations()[kptPkgPathAnnotation] == "" {
			if err := r.PipeE(yaml.SetAnnotation(kptPkgPathAnnotation, dir)); err != nil {
				return nil, err
			}
		}
	}
	if err := kptPathInvariants(output); err != nil {
		return nil, err
	}
	if err := kptAreKRM(output); err != nil {
		return nil, fmt.Errorf("output resource list must contain only KRM resources: %w", err)
	}
	results, err := kptParseResults(fltr.Results)
	if err != nil {
		return nil, fmt.Errorf("kpt cannot parse the function's results: %w", err)
	}
	k.results = append(k.results, results...)
	status := "PASS"
	if fnErr != nil {
		status = "FAIL"
	}
	k.printf("[%s] %q in %v\n", status, name, time.Since(t0).Truncate(time.Millisecond))
	if len(results) > 0 {
		k.printf("  [Results]:\n")
		for _, r := range results {
			k.printf("    %s\n", r)
		}
	}
	if stderr.Len() > 0 {
		k.printf("  Stderr:\n")
		for _, l := range strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n") {
			k.printf("    %q\n", l)
		}
	}
	if fnErr != nil {
		var ee *exec.ExitError
		if errors.As(fnErr, &ee) {
			k.printf("  Exit code: %d\n", ee.ExitCode())
			return nil, fmt.Errorf("function %q failed with exit code %d", name, ee.ExitCode())
		}
		return nil, fmt.Errorf("unexpected function error: %w", fnErr)
	}
	return output, nil
}

func kptAreKRM(nodes []*yaml.RNode) error {
	for _, n := range nodes {
		if n.GetKind() == "Kustomization" {
			continue
		}
		m, err := n.GetMeta()
		p, _, _ := kioutil.GetFileAnnotations(n)
		switch {
		case err != nil:
			return fmt.Errorf("%s: resource must have `apiVersion`, `kind`, and `name`", p)
		case m.APIVersion == "":
			return fmt.Errorf("%s: resource must have `apiVersion`", p)
		case m.Kind == "":
			return fmt.Errorf("%s: resource must have `kind`", p)
		case m.Name == "":
			return fmt.Errorf("%s: resource must have `metadata.name`", p)
		}
	}
	return nil
}

// kptPathInvariants: unique (package, path, index), paths inside the package.
func kptPathInvariants(nodes []*yaml.RNode) error {
	seen := map[string]bool{}
	for _, n := range nodes {
		p, idx, err := kioutil.GetFileAnnotations(n)
		if err != nil {
			return err
		}
		fp := filepath.ToSlash(filepath.Clean(p))
		if strings.HasPrefix(fp, "../") {
			return fmt.Errorf("function must not modify resources outside of package: resource has path %s", p)
		}
		key := n.GetAnnotations()[kptPkgPathAnnotation] + "\x00" + fp + "\x00" + idx
		if seen[key] {
			return fmt.Errorf("resource at path %q and index %q already exists", fp, idx)
		}
		seen[key] = true
	}
	return nil
}

func kptParseResults(n *yaml.RNode) ([]kptResultItem, error) {
	if n.IsNilOrEmpty() {
		return nil, nil
	}
	if n.YNode().Kind == yaml.MappingNode {
		if items, err := n.Pipe(yaml.Lookup("items")); err == nil && !items.IsNilOrEmpty() {
			n = items
		}
	}
	s, err := n.String()
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(strings.NewReader(s))
	dec.KnownFields(true)
	var out []kptResultItem
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// --- tests ---

// kptPackage copies examples/kpt to a temporary directory.
func kptPackage(t *testing.T) (parent, pkg string) {
	t.Helper()
	parent = t.TempDir()
	pkg = filepath.Join(parent, "shop")
	copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "kpt"), pkg)
	return parent, pkg
}

func newKpt(t *testing.T, cwd string) *kpt {
	return &kpt{allowExec: true, cwd: cwd, env: []string{"PATH=" + pathWith(filepath.Dir(harness.LatticeBin(t)))}}
}

func TestKptRenderExample(t *testing.T) {
	parent, pkg := kptPackage(t)
	before := snapshot(t, pkg)
	k := newKpt(t, parent)
	if err := k.render(pkg); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, k.out.String())
	}
	if !strings.Contains(k.out.String(), `[PASS] "lattice"`) {
		t.Errorf("transcript:\n%s", k.out.String())
	}
	first := snapshot(t, pkg)

	// Sources stay, marked local-config, comments kept; nothing else of
	// the user's changes.
	for name, content := range before {
		got, ok := first[name]
		switch {
		case !ok:
			t.Errorf("%s was deleted", name)
		case strings.HasPrefix(name, "services/"):
			if !strings.Contains(got, `config.kubernetes.io/local-config: "true"`) {
				t.Errorf("%s: the LatticeService is not marked local-config:\n%s", name, got)
			}
			if first, _, _ := strings.Cut(content, "\n"); !strings.HasPrefix(got, first) {
				t.Errorf("%s: the leading comment was lost:\n%s", name, got)
			}
		case name == "Kptfile" || name == "platform.yaml" || name == "namespace.yaml":
			if got != content {
				t.Errorf("%s changed:\n%s", name, got)
			}
		}
	}
	// Generated objects: next to their source, stable names, no reader
	// annotations written out.
	var derived []string
	for name, content := range first {
		for _, leak := range []string{"internal.config.kubernetes.io/", "config.kubernetes.io/path", "config.kubernetes.io/index", "config.k8s.io/id"} {
			if strings.Contains(content, leak) {
				t.Errorf("%s contains the reader annotation %s", name, leak)
			}
		}
		if _, ok := before[name]; !ok {
			derived = append(derived, name)
		}
	}
	sort.Strings(derived)
	want := []string{"services/shop.api.derived.yaml", "services/shop.web.derived.yaml"}
	for _, w := range want {
		if !slices.Contains(derived, w) {
			t.Errorf("derived files = %q, want %q among them", derived, w)
		}
	}
	for _, d := range derived {
		if !strings.HasPrefix(d, "services/shop.") || !strings.HasSuffix(d, ".derived.yaml") {
			t.Errorf("unexpected new file %s", d)
		}
	}

	// The package holds exactly what `lattice render` emits, plus the
	// local-config sources.
	stream := runIn(t, harness.RepoRoot(), nil, nil, harness.LatticeBin(t), "render", "examples/kpt")
	if stream.code != 0 {
		t.Fatalf("lattice render: %s", stream.stderr)
	}
	if got, want := objectIDs(t, first, true), objectIDs(t, map[string]string{"stream": stream.stdout}, false); !slices.Equal(got, want) {
		t.Errorf("objects in the package differ from `lattice render`:\n package: %q\n  render: %q", got, want)
	}

	// kpt's own e2e harness renders twice: the second render is a no-op.
	k2 := newKpt(t, parent)
	if err := k2.render(pkg); err != nil {
		t.Fatalf("second render: %v\n%s", err, k2.out.String())
	}
	if diff := diffTrees(first, snapshot(t, pkg)); diff != "" {
		t.Errorf("the second render changed the package:\n%s", diff)
	}
}

// objectIDs lists kind/namespace/name of every object in files, without
// local-config objects when skipLocal.
func objectIDs(t *testing.T, files map[string]string, skipLocal bool) []string {
	t.Helper()
	var ids []string
	for name, content := range files {
		if !strings.HasSuffix(name, ".yaml") && name != "stream" {
			continue
		}
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(content), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, n := range nodes {
			if skipLocal && n.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
				continue
			}
			ids = append(ids, n.GetKind()+"/"+n.GetNamespace()+"/"+n.GetName())
		}
	}
	sort.Strings(ids)
	return ids
}

func diffTrees(a, b map[string]string) string {
	var out []string
	for name, content := range a {
		if got, ok := b[name]; !ok {
			out = append(out, "deleted "+name)
		} else if got != content {
			out = append(out, "changed "+name+":\n"+got)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			out = append(out, "added "+name)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestKptRenderImage runs the same package with `image:` instead of
// `exec:`: kpt then runs the container image through docker, as nobody,
// without network; the package must come out identical.
func TestKptRenderImage(t *testing.T) {
	layoutDir := imageLayout(t)
	parent, pkg := kptPackage(t)
	k := newKpt(t, parent)
	if err := k.render(pkg); err != nil {
		t.Fatalf("exec render: %v\n%s", err, k.out.String())
	}
	viaExec := snapshot(t, pkg)

	parent, pkg = kptPackage(t)
	kf := filepath.Join(pkg, "Kptfile")
	data, err := os.ReadFile(kf)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, pkg, map[string]string{"Kptfile": strings.Replace(string(data), "      exec: lattice\n", "      image: "+imageTag+"\n", 1)})
	env, log := dockerOnPath(t, layoutDir)
	k = &kpt{cwd: parent, env: env} // no --allow-exec needed for images
	if err := k.render(pkg); err != nil {
		t.Fatalf("image render: %v\n%s", err, k.out.String())
	}
	viaImage := snapshot(t, pkg)
	delete(viaExec, "Kptfile")
	delete(viaImage, "Kptfile")
	if diff := diffTrees(viaExec, viaImage); diff != "" {
		t.Errorf("image: and exec: render differently:\n%s", diff)
	}
	calls, err := dockerCalls(log)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"run", "--rm", "-i", "--network", "none", "--user", "nobody", "--security-opt=no-new-privileges", "--pull", "missing", imageTag}
	if len(calls) != 2 || !slices.Equal(calls[1], want) {
		t.Errorf("docker calls = %q, want version then %q", calls, want)
	}
}

// TestKptNestedPackages: lattice runs in a parent package over services
// kept in a subpackage; generated files land next to their sources, in the
// subpackage, and a second render changes nothing.
func TestKptNestedPackages(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "platform")
	copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "kpt"), root)
	if err := os.Rename(filepath.Join(root, "services"), filepath.Join(root, "team")); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, map[string]string{"team/Kptfile": "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: team\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n"})
	k := newKpt(t, parent)
	if err := k.render(root); err != nil {
		t.Fatalf("render: %v\n%s", err, k.out.String())
	}
	first := snapshot(t, root)
	for _, f := range []string{"team/shop.api.derived.yaml", "team/shop.web.derived.yaml"} {
		if _, ok := first[f]; !ok {
			var names []string
			for n := range first {
				names = append(names, n)
			}
			sort.Strings(names)
			t.Errorf("%s missing; files: %q", f, names)
		}
	}
	k = newKpt(t, parent)
	if err := k.render(root); err != nil {
		t.Fatalf("second render: %v\n%s", err, k.out.String())
	}
	if diff := diffTrees(first, snapshot(t, root)); diff != "" {
		t.Errorf("the second render changed the package:\n%s", diff)
	}
}

// TestKptDeletedService: removing a service removes what it generated.
func TestKptDeletedService(t *testing.T) {
	parent, pkg := kptPackage(t)
	if err := newKpt(t, parent).render(pkg); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(pkg, "services", "web.yaml")); err != nil {
		t.Fatal(err)
	}
	k := newKpt(t, parent)
	if err := k.render(pkg); err != nil {
		t.Fatalf("render: %v\n%s", err, k.out.String())
	}
	files := snapshot(t, pkg)
	if _, ok := files["services/shop.web.derived.yaml"]; ok {
		t.Error("the deleted service's generated file is still there")
	}
	if _, ok := files["services/shop.api.derived.yaml"]; !ok {
		t.Error("api's generated file is gone")
	}
	if !strings.Contains(k.out.String(), "[warning]") {
		t.Errorf("api still accepts web inbound; expected a warning in:\n%s", k.out.String())
	}
}

// TestKptErrors: every failure leaves the package untouched and says why.
func TestKptErrors(t *testing.T) {
	cases := []struct {
		name      string
		edit      map[string]string
		noExec    bool
		wantErr   string
		wantPrint []string
	}{
		{
			name:      "functionConfig of the wrong kind",
			edit:      map[string]string{"platform.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: platform\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\ndata:\n  cluster: dev\n"},
			wantErr:   "exit code 1",
			wantPrint: []string{`[FAIL] "lattice"`, "[error]", "the functionConfig is v1 ConfigMap", "Exit code: 1"},
		},
		{
			name:    "Kptfile names a missing binary",
			edit:    map[string]string{"Kptfile": "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: shop\npipeline:\n  mutators:\n    - name: lattice\n      exec: lattice-not-installed\n      configPath: platform.yaml\n"},
			wantErr: `exec: "lattice-not-installed": executable file not found in $PATH`,
		},
		{
			name:    "exec without --allow-exec",
			noExec:  true,
			wantErr: "--allow-exec",
		},
		{
			name:    "configPath points nowhere",
			edit:    map[string]string{"Kptfile": "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: shop\npipeline:\n  mutators:\n    - name: lattice\n      exec: lattice\n      configPath: missing.yaml\n"},
			wantErr: "missing from path",
		},
		{
			name: "invalid service",
			edit: map[string]string{"services/api.yaml": strings.Replace(readFile(t, filepath.Join(harness.RepoRoot(), "examples/kpt/services/api.yaml")), "replicas", "replica", 1) +
				"  replica: 2\n"},
			wantErr:   "exit code 1",
			wantPrint: []string{"[error] lattice.dev/v1alpha1/LatticeService/shop/api spec.replica: ", "unknown field"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent, pkg := kptPackage(t)
			writeFiles(t, pkg, tc.edit)
			before := snapshot(t, pkg)
			k := newKpt(t, parent)
			k.allowExec = !tc.noExec
			err := k.render(pkg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q\n%s", err, tc.wantErr, k.out.String())
			}
			for _, w := range tc.wantPrint {
				if !strings.Contains(k.out.String(), w) {
					t.Errorf("kpt output lacks %q:\n%s", w, k.out.String())
				}
			}
			if diff := diffTrees(before, snapshot(t, pkg)); diff != "" {
				t.Errorf("a failed render changed the package:\n%s", diff)
			}
		})
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestKptResultsLocateFiles: results name the file kpt knows the object by.
func TestKptResultsLocateFiles(t *testing.T) {
	parent, pkg := kptPackage(t)
	api := readFile(t, filepath.Join(pkg, "services", "api.yaml"))
	writeFiles(t, pkg, map[string]string{"services/api.yaml": strings.Replace(api, "memory: 256Mi", "memory: lots", 1)})
	k := newKpt(t, parent)
	if err := k.render(pkg); err == nil {
		t.Fatal("render succeeded with an invalid quantity")
	}
	found := false
	for _, r := range k.results {
		if r.Severity == "error" && r.File != nil && r.File.Path == "services/api.yaml" && r.ResourceRef != nil && r.ResourceRef.Name == "api" {
			found = true
		}
	}
	if !found {
		t.Errorf("no error result locating services/api.yaml; results: %+v", k.results)
	}
}

// TestKptRepositoryRoot: the repository's own Kptfile makes the repository
// a package whose render touches examples/kpt and nothing else (its
// .krmignore keeps Go test data, workflows and hook lists out).
func TestKptRepositoryRoot(t *testing.T) {
	parent := t.TempDir()
	repo := filepath.Join(parent, "lattice")
	for _, f := range []string{"Kptfile", ".krmignore", ".pre-commit-hooks.yaml"} {
		writeFiles(t, repo, map[string]string{f: readFile(t, filepath.Join(harness.RepoRoot(), f))})
	}
	copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "kpt"), filepath.Join(repo, "examples", "kpt"))
	copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "argocd"), filepath.Join(repo, "examples", "argocd"))
	writeFiles(t, repo, map[string]string{
		"tests/testdata/case/input.yaml": "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: x}\nspec: {}\n",
		"notes.yaml":                     "- not\n- a\n- resource\n",
	})
	before := snapshot(t, repo)
	k := newKpt(t, parent)
	if err := k.render(repo); err != nil {
		t.Fatalf("render at the repository root: %v\n%s", err, k.out.String())
	}
	after := snapshot(t, repo)
	for name, content := range before {
		if strings.HasPrefix(name, "examples/kpt/") {
			continue
		}
		if after[name] != content {
			t.Errorf("%s changed by rendering the repository root", name)
		}
	}
	if _, ok := after["examples/kpt/services/shop.web.derived.yaml"]; !ok {
		t.Error("examples/kpt was not rendered")
	}
}
