// Package flux deploys lattice's output with Flux's own controllers:
// source-controller and kustomize-controller v1.9.6, built from the module
// proxy by build-controllers.sh (cached outside git), run against the
// API-server tier's kube-apiserver (tests/conformance) with Flux's CRDs and
// every CRD lattice's output uses. `lattice push` publishes to an in-process
// registry; an OCIRepository and a pruning Kustomization deploy it, as
// examples/flux/clusters/prod/shop.yaml does.
//
// It is its own module so the controllers' client libraries and the
// registry stay out of the root module; it reuses the conformance harness.
package flux

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/lattice-dev/lattice/tests/conformance"
)

const repoRoot = "../.."

func TestMain(m *testing.M) {
	code := m.Run()
	conformance.StopShared()
	os.Exit(code)
}

var (
	ociRepositoryGVR = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "ocirepositories"}
	kustomizationGVR = schema.GroupVersionResource{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Resource: "kustomizations"}
	namespaceGVR     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

func latticeBin(t *testing.T) string {
	t.Helper()
	p := os.Getenv("LATTICE")
	if p == "" {
		p = filepath.Join(repoRoot, "bin", "lattice")
	}
	abs, err := filepath.Abs(p)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		t.Fatalf("lattice binary: %v; run this test with `make test-flux`, which builds it", err)
	}
	return abs
}

// controllers builds (once, cached) source- and kustomize-controller and
// returns their directory, which also holds their CRDs in crds/.
func controllers(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("bash", "build-controllers.sh")
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build-controllers.sh: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}

// freeAddr returns a 127.0.0.1 address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// kubeconfig writes cfg as a kubeconfig file for the controllers.
func kubeconfig(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	c := clientcmdapi.NewConfig()
	c.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	c.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	c.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	c.CurrentContext = "envtest"
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*c, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// start runs a controller until the test ends; its log is shown if the
// test fails.
func start(t *testing.T, bin, kubeconfig string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{
		"--enable-leader-election=false",
		"--metrics-addr=" + freeAddr(t),
		"--health-addr=" + freeAddr(t),
		"--log-level=debug",
	}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "RUNTIME_NAMESPACE=flux-system")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			l := log.String()
			if len(l) > 20000 {
				l = "...\n" + l[len(l)-20000:]
			}
			t.Logf("%s log:\n%s", filepath.Base(bin), l)
		}
	})
}

// push publishes dirs with `lattice push` and returns the digest reference.
func push(t *testing.T, ref string, dirs ...string) string {
	t.Helper()
	args := append([]string{"push", ref}, dirs...)
	args = append(args, "--insecure", "--tag", "main", "--source", "https://github.com/lattice-dev/lattice", "--revision", "main@sha1:0123456789abcdef0123456789abcdef01234567", "--created", "2026-01-01T00:00:00Z")
	cmd := exec.Command(latticeBin(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("lattice %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// rendered is `lattice render` of dirs, as objects.
func rendered(t *testing.T, dirs ...string) []*unstructured.Unstructured {
	t.Helper()
	cmd := exec.Command(latticeBin(t), append([]string{"render"}, dirs...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("lattice render: %v\n%s", err, errb.String())
	}
	return decode(t, out.String())
}

func decode(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(stream), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return objs
			}
			t.Fatalf("decode: %v", err)
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

func id(o *unstructured.Unstructured) string {
	return o.GetAPIVersion() + "/" + o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// fluxObjects are the OCIRepository and Kustomization of
// examples/flux/clusters/prod/shop.yaml, pointed at the test registry.
// wait is off: envtest runs no kubelet, so Deployments never become ready.
func fluxObjects(t *testing.T, name, url string, dependsOn string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", "flux", "clusters", "prod", "shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs := decode(t, string(data))
	if len(objs) != 2 || objs[0].GetKind() != "OCIRepository" || objs[1].GetKind() != "Kustomization" {
		t.Fatalf("shop.yaml: want an OCIRepository and a Kustomization")
	}
	repo, ks := objs[0], objs[1]
	repo.SetName(name)
	must(t, unstructured.SetNestedField(repo.Object, url, "spec", "url"))
	must(t, unstructured.SetNestedField(repo.Object, true, "spec", "insecure"))
	must(t, unstructured.SetNestedField(repo.Object, "5s", "spec", "interval"))
	ks.SetName(name)
	must(t, unstructured.SetNestedField(ks.Object, name, "spec", "sourceRef", "name"))
	must(t, unstructured.SetNestedField(ks.Object, "5s", "spec", "interval"))
	must(t, unstructured.SetNestedField(ks.Object, false, "spec", "wait"))
	if prune, _, _ := unstructured.NestedBool(ks.Object, "spec", "prune"); !prune {
		t.Fatal("shop.yaml's Kustomization does not prune")
	}
	if dependsOn != "" {
		must(t, unstructured.SetNestedSlice(ks.Object, []any{map[string]any{"name": dependsOn}}, "spec", "dependsOn"))
	}
	return []*unstructured.Unstructured{repo, ks}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// create creates a Flux object (OCIRepository or Kustomization) in flux-system.
func create(t *testing.T, env *conformance.Env, o *unstructured.Unstructured) {
	t.Helper()
	gvr := ociRepositoryGVR
	if o.GetKind() == "Kustomization" {
		gvr = kustomizationGVR
	}
	if _, err := env.Client.Resource(gvr).Namespace("flux-system").Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create %s: %v", id(o), err)
	}
}

// ready waits until the Kustomization is Ready at the revision with digest.
func ready(t *testing.T, env *conformance.Env, name, digest string) {
	t.Helper()
	await(t, env, name, "Ready at "+digest, func(rev string, ready map[string]any) bool {
		return strings.HasSuffix(rev, digest) && ready["status"] == "True"
	})
}

// failing waits until the Kustomization is not Ready with a message
// containing want.
func failing(t *testing.T, env *conformance.Env, name, want string) {
	t.Helper()
	await(t, env, name, "failing with "+strconv.Quote(want), func(_ string, ready map[string]any) bool {
		msg, _ := ready["message"].(string)
		return ready["status"] == "False" && strings.Contains(msg, want)
	})
}

// await polls the Kustomization for up to 5 minutes until ok holds for
// its last applied revision and its Ready condition.
func await(t *testing.T, env *conformance.Env, name, what string, ok func(rev string, ready map[string]any) bool) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		ks, err := env.Client.Resource(kustomizationGVR).Namespace("flux-system").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rev, _, _ := unstructured.NestedString(ks.Object, "status", "lastAppliedRevision")
		conds, _, _ := unstructured.NestedSlice(ks.Object, "status", "conditions")
		b, _ := json.Marshal(conds)
		last = fmt.Sprintf("revision %q, conditions %s", rev, b)
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Ready" && ok(rev, m) {
				return
			}
		}
	}
	t.Fatalf("Kustomization %s not %s after 5 minutes: %s", name, what, last)
}

func get(t *testing.T, env *conformance.Env, o *unstructured.Unstructured) error {
	t.Helper()
	gvk := o.GroupVersionKind()
	mapping, err := env.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		env.Mapper.Reset()
		if mapping, err = env.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			t.Fatalf("%s: %v", id(o), err)
		}
	}
	_, err = env.Client.Resource(mapping.Resource).Namespace(o.GetNamespace()).Get(context.Background(), o.GetName(), metav1.GetOptions{})
	return err
}

func TestFluxDeploysAndPrunes(t *testing.T) {
	env := conformance.Shared(t)
	flux := controllers(t)
	if _, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{Paths: []string{filepath.Join(flux, "crds")}, ErrorIfPathMissing: true, MaxTime: 2 * time.Minute}); err != nil {
		t.Fatalf("install Flux CRDs: %v", err)
	}
	env.Mapper.Reset()
	ctx := context.Background()
	for _, ns := range []string{"flux-system"} {
		obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
		if _, err := env.Client.Resource(namespaceGVR).Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	host := strings.TrimPrefix(reg.URL, "http://")

	kc := kubeconfig(t, env.Config)
	storage := freeAddr(t)
	start(t, filepath.Join(flux, "source-controller"), kc,
		"--storage-path="+t.TempDir(), "--storage-addr="+storage, "--storage-adv-addr="+storage)
	start(t, filepath.Join(flux, "kustomize-controller"), kc, "--no-remote-bases=true")

	// The platform first: its namespace and Gateway, which the app's
	// gateway-side objects (Certificates, ListenerSets) live in and attach
	// to. The app's Kustomization depends on it (docs/flux.md).
	platform := t.TempDir()
	must(t, os.WriteFile(filepath.Join(platform, "gateway.yaml"), []byte(platformYAML), 0o644))
	platformDigest := push(t, "oci://"+host+"/platform:v1", platform)

	deploy := filepath.Join(repoRoot, "examples", "flux", "deploy")
	v1 := rendered(t, deploy)
	digest1 := push(t, "oci://"+host+"/shop:v1", deploy)

	// Without the platform, the app fails as a whole and applies nothing
	// (docs/flux.md, "The platform first"): this is why it depends on it.
	for _, o := range fluxObjects(t, "early", "oci://"+host+"/shop", "") {
		create(t, env, o)
	}
	failing(t, env, "early", `namespaces "gateway-system" not found`)
	for _, o := range v1 {
		if o.GetKind() == "Deployment" {
			if err := get(t, env, o); !apierrors.IsNotFound(err) {
				t.Errorf("%s applied by the failing Kustomization (%v)", id(o), err)
			}
		}
	}
	must(t, env.Client.Resource(kustomizationGVR).Namespace("flux-system").Delete(ctx, "early", metav1.DeleteOptions{}))

	var objs []*unstructured.Unstructured
	objs = append(objs, fluxObjects(t, "platform", "oci://"+host+"/platform", "")...)
	objs = append(objs, fluxObjects(t, "shop", "oci://"+host+"/shop", "platform")...)
	for _, o := range objs {
		create(t, env, o)
	}
	ready(t, env, "platform", digestOf(platformDigest))
	ready(t, env, "shop", digestOf(digest1))
	for _, o := range v1 {
		if err := get(t, env, o); err != nil {
			t.Errorf("%s is not in the API server: %v", id(o), err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Remove one service and push again under the same tag: Flux prunes
	// exactly what that service derived and keeps the rest.
	next := t.TempDir()
	entries, err := os.ReadDir(deploy)
	must(t, err)
	for _, e := range entries {
		if e.Name() == "web.yaml" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(deploy, e.Name()))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(next, e.Name()), data, 0o644))
	}
	v2 := rendered(t, next)
	digest2 := push(t, "oci://"+host+"/shop:v2", next)
	ready(t, env, "shop", digestOf(digest2))
	kept := map[string]bool{}
	for _, o := range v2 {
		kept[id(o)] = true
		if err := get(t, env, o); err != nil {
			t.Errorf("%s was removed, but the new version has it: %v", id(o), err)
		}
	}
	var pruned []string
	for _, o := range v1 {
		if kept[id(o)] {
			continue
		}
		pruned = append(pruned, id(o))
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
			err := get(t, env, o)
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s is still there after the service was removed (%v)", id(o), err)
				break
			}
		}
	}
	if len(pruned) == 0 || !slices.ContainsFunc(pruned, func(s string) bool { return strings.HasSuffix(s, "/Deployment/shop/web") }) {
		t.Errorf("removing web should prune its Deployment; pruned %q", pruned)
	}
	t.Logf("pruned %d objects: %s", len(pruned), strings.Join(pruned, ", "))
}

// digestOf is the sha256:... part of an oci://...@sha256:... reference.
func digestOf(ref string) string {
	_, d, ok := strings.Cut(ref, "@")
	if !ok {
		return ref
	}
	return d
}

// platformYAML is what a platform team deploys before any app: the gateway
// namespace and the shared Gateway lattice's ListenerSets attach to.
const platformYAML = `apiVersion: v1
kind: Namespace
metadata:
  name: gateway-system
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: platform-gateway
  namespace: gateway-system
spec:
  gatewayClassName: istio
  allowedListeners:
    namespaces:
      from: Same
  listeners:
    - name: http
      port: 80
      protocol: HTTP
`
