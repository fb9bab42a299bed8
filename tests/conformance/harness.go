// Package conformance checks lattice output against a real kube-apiserver
// (envtest) that has the CRDs of every API lattice emits installed, so
// schema, CEL and built-in validation all run exactly as on a cluster.
//
// It is a separate module so controller-runtime and the apiserver libraries
// never enter the root module's dependency graph.
package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"
)

const (
	// EnvSkip=1 skips the whole tier (no apiserver, no binary build).
	EnvSkip = "LATTICE_SKIP_APISERVER"
	// EnvRequireCases=1 makes an empty case set a failure instead of a log line.
	EnvRequireCases = "LATTICE_CONFORMANCE_REQUIRE_CASES"
)

// repoRoot is the lattice module root, relative to this package's directory
// (go test runs with the package directory as working directory).
const repoRoot = "../.."

// crdSources are the upstream CRDs, read straight from the Go module cache.
// Version is a fallback: the root go.mod's version wins when it lists the
// module, so the CRDs always match the API types lattice compiles against.
var crdSources = []struct{ Module, Version, Path string }{
	{"sigs.k8s.io/gateway-api", "v1.6.3", "config/crd/experimental"},
	{"istio.io/api", "v1.32.0", "kubernetes/customresourcedefinitions.gen.yaml"},
	{"github.com/cert-manager/cert-manager", "v1.21.2", "deploy/crds"},
	// lattice writes ExternalSecret (external-secrets.io/v1) without importing
	// the module, so it is pinned here only.
	{"github.com/external-secrets/external-secrets", "v1.3.2", "config/crds/bases"},
}

// Env is a running apiserver plus clients that know about the installed CRDs.
type Env struct {
	Config *rest.Config
	Client dynamic.Interface
	Mapper *restmapper.DeferredDiscoveryRESTMapper
	env    *envtest.Environment
}

var shared struct {
	once sync.Once
	env  *Env
	err  error
}

// Shared starts the apiserver on first use and returns it; later callers in
// the same test binary reuse it (start-up and CRD install take seconds).
// Call StopShared from TestMain.
func Shared(t testing.TB) *Env {
	t.Helper()
	SkipIfDisabled(t)
	shared.once.Do(func() { shared.env, shared.err = start() })
	if shared.err != nil {
		t.Fatalf("start envtest: %v", shared.err)
	}
	return shared.env
}

// SkipIfDisabled skips t when EnvSkip=1, the tier's only opt-out.
func SkipIfDisabled(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skip(EnvSkip + "=1: API-server tier skipped")
	}
}

// StopShared stops the apiserver and etcd if Shared started them.
func StopShared() {
	if shared.env != nil {
		_ = shared.env.env.Stop()
	}
}

func start() (*Env, error) {
	// controller-runtime complains loudly if no logger is ever set.
	logf.SetLogger(logr.Discard())

	bin, err := ensureBinaries()
	if err != nil {
		return nil, err
	}
	paths, err := crdPaths()
	if err != nil {
		return nil, err
	}
	te := &envtest.Environment{
		BinaryAssetsDirectory: bin,
		// 2-core machines need more than the 20s default to boot and
		// establish ~60 CRDs.
		ControlPlaneStartTimeout: 2 * time.Minute,
		CRDInstallOptions: envtest.CRDInstallOptions{
			Paths:              paths,
			ErrorIfPathMissing: true,
			MaxTime:            2 * time.Minute,
		},
	}
	// Explicit paths: a stray KUBEBUILDER_ASSETS must not swap in other binaries.
	te.ControlPlane.GetAPIServer().Path = filepath.Join(bin, "kube-apiserver")
	te.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(bin, "etcd")}

	cfg, err := te.Start()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 200, 400 // client-side throttling only slows the tier down
	client, err := dynamic.NewForConfig(cfg)
	if err == nil {
		var dc *discovery.DiscoveryClient
		if dc, err = discovery.NewDiscoveryClientForConfig(cfg); err == nil {
			return &Env{
				Config: cfg,
				Client: client,
				Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
				env:    te,
			}, nil
		}
	}
	_ = te.Stop()
	return nil, err
}

// ensureBinaries runs build-binaries.sh, which returns at once when the
// binaries are cached and otherwise builds them (minutes, cold). The script
// is found next to this file, so other test modules (tests/flux) that use
// this package run it too.
func ensureBinaries() (string, error) {
	_, self, _, _ := runtime.Caller(0)
	var out bytes.Buffer
	cmd := exec.Command("bash", filepath.Join(filepath.Dir(self), "build-binaries.sh"))
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build-binaries.sh: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}

// crdPaths resolves every CRD source to a file or directory on disk, plus any
// YAML under the repository's own config/crd (absent until lattice ships one).
func crdPaths() ([]string, error) {
	var paths []string
	for _, s := range crdSources {
		v := rootVersion(s.Module, s.Version)
		dir, err := moduleDir(s.Module, v)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, s.Path)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s@%s does not ship %s: %w", s.Module, v, s.Path, err)
		}
		paths = append(paths, p)
	}
	own := filepath.Join(repoRoot, "config", "crd")
	err := filepath.WalkDir(own, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return paths, nil
}

// rootVersion returns the version the root go.mod requires for mod, or def.
func rootVersion(mod, def string) string {
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		return def
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == mod {
			return f[1]
		}
	}
	return def
}

// moduleDir downloads mod@version into the module cache (a no-op when it is
// there) and returns its directory, so no cache path is hard-coded.
func moduleDir(mod, version string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir = os.TempDir() // outside any module: never touches a go.mod/go.sum
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	var m struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &m); jerr == nil && m.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", mod, version, m.Error)
	}
	if err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %v %s", mod, version, err, out)
	}
	return m.Dir, nil
}

var namespaceGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// DryRun sends objs to the apiserver and returns one error (nil = accepted)
// per object, in order. Namespaces (in objs, or referenced by an object) are
// created for real first, since dry-run of a namespaced object needs its
// namespace to exist; everything else is a server-side dry-run create, so
// nothing but namespaces persists between calls.
func DryRun(t testing.TB, objs []*unstructured.Unstructured) []error {
	t.Helper()
	return dryRun(t, objs, "")
}

// DryRunStrict is DryRun with fieldValidation=Strict, what `kubectl apply`
// sends: unknown and duplicate fields are errors instead of warnings.
func DryRunStrict(t testing.TB, objs []*unstructured.Unstructured) []error {
	t.Helper()
	return dryRun(t, objs, metav1.FieldValidationStrict)
}

func dryRun(t testing.TB, objs []*unstructured.Unstructured, fieldValidation string) []error {
	t.Helper()
	e := Shared(t)
	ctx := t.Context()
	errs := make([]error, len(objs))
	have := map[string]bool{"default": true}
	for i, o := range objs {
		if isNamespace(o) {
			errs[i] = describe(o, e.applyNamespace(ctx, o, fieldValidation))
			have[o.GetName()] = true
		}
	}
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !have[ns] {
			have[ns] = true
			n := &unstructured.Unstructured{}
			n.SetAPIVersion("v1")
			n.SetKind("Namespace")
			n.SetName(ns)
			if err := e.applyNamespace(ctx, n, fieldValidation); err != nil {
				t.Fatalf("create namespace %s: %v", ns, err)
			}
		}
	}
	for i, o := range objs {
		if !isNamespace(o) {
			errs[i] = describe(o, e.dryRunCreate(ctx, o, fieldValidation))
		}
	}
	return errs
}

func isNamespace(o *unstructured.Unstructured) bool {
	return o.GetAPIVersion() == "v1" && o.GetKind() == "Namespace"
}

func describe(o *unstructured.Unstructured, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", o.GroupVersionKind().GroupKind(), objKey(o), err)
}

func objKey(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetName()
}

// applyNamespace creates a namespace; when an earlier case already created
// it, a dry-run update still has the apiserver validate this manifest.
func (e *Env) applyNamespace(ctx context.Context, o *unstructured.Unstructured, fieldValidation string) error {
	c := e.Client.Resource(namespaceGVR)
	_, err := c.Create(ctx, o.DeepCopy(), metav1.CreateOptions{FieldValidation: fieldValidation})
	if apierrors.IsAlreadyExists(err) {
		u := o.DeepCopy()
		u.SetResourceVersion("")
		_, err = c.Update(ctx, u, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: fieldValidation})
	}
	return err
}

func (e *Env) dryRunCreate(ctx context.Context, o *unstructured.Unstructured, fieldValidation string) error {
	gvk := o.GroupVersionKind()
	m, err := e.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		e.Mapper.Reset() // discovery may predate the newest CRD
		m, err = e.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return err
	}
	var c dynamic.ResourceInterface = e.Client.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := o.GetNamespace()
		if ns == "" {
			ns = "default" // what kubectl apply would do
		}
		c = e.Client.Resource(m.Resource).Namespace(ns)
	}
	_, err = c.Create(ctx, o.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: fieldValidation})
	return err
}

// ReadObjects parses a YAML stream or a KRM ResourceList (its items) into
// objects. Numbers decode as int64 where integral, as the apiserver expects.
func ReadObjects(r io.Reader) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	yr := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := utiljson.Unmarshal(j, &m); err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue // empty document
		}
		if m["kind"] != "ResourceList" {
			objs = append(objs, &unstructured.Unstructured{Object: m})
			continue
		}
		items, _ := m["items"].([]any)
		for i, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("ResourceList items[%d] is not an object", i)
			}
			objs = append(objs, &unstructured.Unstructured{Object: im})
		}
	}
}

// Deployable reports whether o is meant for a cluster: lattice's own inputs
// and local-config objects never reach an apiserver.
func Deployable(o *unstructured.Unstructured) bool {
	switch o.GetKind() {
	case "LatticeService", "Platform":
		return false
	}
	return o.GetAnnotations()["config.kubernetes.io/local-config"] != "true"
}
