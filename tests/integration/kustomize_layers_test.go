package integration

// The two kinds of KRM function under the real kustomize binary
// (kustomizeBin), in the layout docs/kustomize.md recommends: lattice in a
// base, overlays on top. Exec functions run the built lattice from PATH;
// container functions make kustomize run `docker run --rm -i ... --network
// none --user nobody ... IMAGE`, here the docker stand-in over the image
// tools/imagebuild built (docker_test.go).

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// kustomizeLayout is docs/kustomize.md's layout: lattice in a base, an
// overlay on top. functionSpec is the config.kubernetes.io/function value.
func kustomizeLayout(t *testing.T, functionSpec string) string {
	t.Helper()
	dir := t.TempDir()
	svc := func(name string) string {
		return readFile(t, filepath.Join(harness.RepoRoot(), "examples", "kpt", "services", name+".yaml"))
	}
	writeFiles(t, dir, map[string]string{
		"base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - namespace.yaml
  - web.yaml
  - api.yaml
transformers:
  - platform.yaml
# Builtins of this kustomization run before its transformers: this label
# reaches the LatticeServices, not what lattice generates from them.
labels:
  - pairs:
      layer: base
`,
		"base/platform.yaml": `apiVersion: lattice.dev/v1alpha1
kind: Platform
metadata:
  name: platform
  annotations:
    config.kubernetes.io/function: |
` + indent(functionSpec, "      ") + `spec:
  cluster:
    name: prod
  dns:
    zones: [example.com]
`,
		"base/namespace.yaml": readFile(t, filepath.Join(harness.RepoRoot(), "examples", "kpt", "namespace.yaml")),
		"base/web.yaml":       svc("web"),
		"base/api.yaml":       svc("api"),
		"overlays/prod/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
labels:
  - pairs:
      env: prod
patches:
  - target: {kind: Deployment, name: api}
    patch: |
      - op: replace
        path: /spec/replicas
        value: 3
`,
	})
	return dir
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}

// kustomizeRun is `kustomize build FLAGS dir` with env added (PATH first).
func kustomizeRun(t *testing.T, dir string, env []string, flags ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(kustomizeBin(t), append(append([]string{"build"}, flags...), dir)...)
	cmd.Env = append(append(os.Environ(), "PATH="+pathWith(filepath.Dir(harness.LatticeBin(t)))), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		return o.String(), &buildError{err: err, stderr: e.String()}
	}
	return o.String(), nil
}

type buildError struct {
	err    error
	stderr string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.stderr }

// streamObjects indexes a YAML stream by kind/namespace/name.
func streamObjects(t *testing.T, stream string) map[string]*yaml.RNode {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*yaml.RNode{}
	for _, n := range nodes {
		m[n.GetKind()+"/"+n.GetNamespace()+"/"+n.GetName()] = n
	}
	return m
}

const (
	execFlag    = "--enable-exec"
	pluginsFlag = "--enable-alpha-plugins"
)

// TestKustomizeOverlayOnLatticeBase: builtins of the kustomization that
// runs lattice apply to the LatticeServices only; an overlay's builtins
// (labels, patches) apply to what lattice generated.
func TestKustomizeOverlayOnLatticeBase(t *testing.T) {
	dir := kustomizeLayout(t, "exec:\n  path: lattice\n")
	out, err := kustomizeRun(t, filepath.Join(dir, "overlays", "prod"), nil, pluginsFlag, execFlag)
	if err != nil {
		t.Fatal(err)
	}
	objs := streamObjects(t, out)
	for _, gone := range []string{"LatticeService/shop/web", "LatticeService/shop/api", "Platform//platform"} {
		if _, ok := objs[gone]; ok {
			t.Errorf("%s reached the output", gone)
		}
	}
	api, ok := objs["Deployment/shop/api"]
	if !ok {
		t.Fatalf("no Deployment shop/api in:\n%s", out)
	}
	if got := api.GetLabels()["env"]; got != "prod" {
		t.Errorf("the overlay's label did not reach the generated Deployment (env=%q)", got)
	}
	if _, ok := api.GetLabels()["layer"]; ok {
		t.Error("the base's own label reached a generated object; builtins of the same kustomization run before its transformers")
	}
	if n, err := api.Pipe(yaml.Lookup("spec", "replicas")); err != nil || n == nil || n.YNode().Value != "3" {
		t.Errorf("the overlay's patch did not reach the generated Deployment: %v", n)
	}
	if _, ok := objs["Deployment/shop/web"]; !ok {
		t.Error("no Deployment shop/web")
	}
}

// TestKustomizeContainerFunction: the same base with
// `container: {image: ...}` instead of `exec:` builds byte-identical
// output, with the image run as nobody and without network.
func TestKustomizeContainerFunction(t *testing.T) {
	layoutDir := imageLayout(t)
	dir := kustomizeLayout(t, "exec:\n  path: lattice\n")
	viaExec, err := kustomizeRun(t, filepath.Join(dir, "overlays", "prod"), nil, pluginsFlag, execFlag)
	if err != nil {
		t.Fatal(err)
	}
	env, log := dockerOnPath(t, layoutDir)
	dir = kustomizeLayout(t, "container:\n  image: "+imageTag+"\n")
	viaImage, err := kustomizeRun(t, filepath.Join(dir, "overlays", "prod"), env, pluginsFlag)
	if err != nil {
		t.Fatal(err)
	}
	if viaImage != viaExec {
		t.Errorf("container and exec functions differ:\n--- exec\n%s\n--- container\n%s", viaExec, viaImage)
	}
	calls, err := dockerCalls(log)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, c := range calls {
		if len(c) > 0 && c[0] == "run" {
			runs = append(runs, strings.Join(c, " "))
		}
	}
	if len(runs) != 1 {
		t.Fatalf("docker calls = %q, want one run", calls)
	}
	for _, want := range []string{"run --rm -i", "--network none", "--user nobody", "--security-opt=no-new-privileges", "-e LOG_TO_STDERR=true", "-e STRUCTURED_RESULTS=true", imageTag} {
		if !strings.Contains(runs[0], want) {
			t.Errorf("docker %s lacks %q", runs[0], want)
		}
	}
}

// TestKustomizeFunctionConfigKind: a transformer config of another kind
// fails the build, and says what lattice expects.
func TestKustomizeFunctionConfigKind(t *testing.T) {
	dir := kustomizeLayout(t, "exec:\n  path: lattice\n")
	writeFiles(t, dir, map[string]string{"base/platform.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: platform
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: lattice
data:
  cluster: prod
`})
	out, err := kustomizeRun(t, filepath.Join(dir, "overlays", "prod"), nil, pluginsFlag, execFlag)
	if err == nil {
		t.Fatalf("build succeeded:\n%s", out)
	}
	if !strings.Contains(err.Error(), "the functionConfig is v1 ConfigMap") || out != "" {
		t.Errorf("stdout %q, error:\n%v", out, err)
	}
}

// TestKustomizeImageLock: a lock listed among the resources pins tagged
// images and, being local-config, never reaches the output.
func TestKustomizeImageLock(t *testing.T) {
	dir := kustomizeLayout(t, "exec:\n  path: lattice\n")
	const digest = "sha256:5555555555555555555555555555555555555555555555555555555555555555"
	api := readFile(t, filepath.Join(dir, "base", "api.yaml"))
	i := strings.Index(api, "image: ")
	j := strings.Index(api[i:], "\n")
	api = api[:i] + "image: registry.example.com/shop/api:1.4.2" + api[i+j:]
	kust := readFile(t, filepath.Join(dir, "base", "kustomization.yaml"))
	writeFiles(t, dir, map[string]string{
		"base/api.yaml":           api,
		"base/kustomization.yaml": strings.Replace(kust, "  - api.yaml\n", "  - api.yaml\n  - lattice.lock.yaml\n", 1),
		"base/lattice.lock.yaml": `apiVersion: lattice.dev/v1alpha1
kind: ImageLock
metadata:
  name: lattice-lock
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  images:
    - image: registry.example.com/shop/api:1.4.2
      digest: ` + digest + "\n",
	})
	out, err := kustomizeRun(t, filepath.Join(dir, "overlays", "prod"), nil, pluginsFlag, execFlag)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "image: registry.example.com/shop/api:1.4.2@"+digest) {
		t.Errorf("the tagged image was not pinned:\n%s", out)
	}
	if strings.Contains(out, "kind: ImageLock") {
		t.Error("the lock reached the output")
	}
	writeFiles(t, dir, map[string]string{"base/kustomization.yaml": kust})
	if _, err := kustomizeRun(t, filepath.Join(dir, "overlays", "prod"), nil, pluginsFlag, execFlag); err == nil {
		t.Error("a tagged image without a lock entry rendered; the platform requires digests")
	}
}
