package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/argoproj/argo-cd/v3/cmpserver/apiclient"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	repoapiclient "github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	"github.com/argoproj/argo-cd/v3/util/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// cmpServer starts the real argocd-cmp-server with plugin.yaml as committed
// and lattice on its PATH (the sidecar image's PATH), its socket, work dir
// and config dir moved into temp dirs. It returns the socket dir, which the
// repo-server side finds through ARGOCD_PLUGINSOCKFILEPATH.
func cmpServer(t *testing.T, latticeDir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), common.CommandCMPServer)
	must(t, os.Symlink(argocdBin(t), bin), "symlink")
	config := t.TempDir()
	plugin, err := os.ReadFile(filepath.Join(repoRoot, "examples", "argocd", "cmp", "plugin.yaml"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(config, "plugin.yaml"), plugin, 0o644))
	socks, err := os.MkdirTemp("", "cmp") // short: a socket path has a 108-byte limit
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(socks) })

	cmd := exec.Command(bin, "--config-dir-path", config, "--logformat", "text")
	cmd.Env = append(os.Environ(),
		"PATH="+latticeDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		common.EnvPluginSockFilePath+"="+socks,
		common.EnvCMPWorkDir+"="+t.TempDir(),
	)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	must(t, cmd.Start(), "start argocd-cmp-server")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("argocd-cmp-server log:\n%s", log.String())
		}
	})
	sock := filepath.Join(socks, "lattice.sock")
	for deadline := time.Now().Add(60 * time.Second); ; {
		if st, err := os.Stat(sock); err == nil && st.Mode()&os.ModeSocket != 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("argocd-cmp-server exited: %v\n%s", err, log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no socket %s after 60s\n%s", sock, log.String())
		}
	}
	return socks
}

// application reads examples/argocd/cmp/application.yaml.
func application(t *testing.T) v1alpha1.Application {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", "argocd", "cmp", "application.yaml"))
	must(t, err)
	var app v1alpha1.Application
	must(t, yaml.UnmarshalStrict(data, &app), "application.yaml")
	return app
}

// generate is what the repo-server does for the Application, with the
// source path replaced by path: Argo CD's GenerateManifests over the
// checked-out repository.
func generate(t *testing.T, repo, path string, named bool) (*repoapiclient.ManifestResponse, error) {
	t.Helper()
	app := application(t)
	src := app.Spec.Source.DeepCopy()
	src.Path = path
	if !named {
		src.Plugin = nil // discovery decides
	}
	q := &repoapiclient.ManifestRequest{
		Repo:              &v1alpha1.Repository{Repo: src.RepoURL},
		Revision:          src.TargetRevision,
		AppName:           app.InstanceName(app.Namespace),
		Namespace:         app.Spec.Destination.Namespace,
		ProjectName:       app.Spec.Project,
		ApplicationSource: src,
		KubeVersion:       "1.37.2",
		ApiVersions:       []string{"v1", "apps/v1", "gateway.networking.k8s.io/v1", "security.istio.io/v1"},
	}
	// The repo-server's context carries the request's deadline, which the
	// plugin server applies to every command it runs.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return repository.GenerateManifests(ctx, filepath.Join(repo, path), repo, "0123456789abcdef0123456789abcdef01234567", q, false, nil, resource.MustParse("100M"), nil)
}

// canonical turns objects into sorted JSON, the form GenerateManifests
// returns them in.
func canonical(t *testing.T, manifests []string) []string {
	t.Helper()
	out := make([]string, 0, len(manifests))
	for _, m := range manifests {
		var obj map[string]any
		must(t, json.Unmarshal([]byte(m), &obj), "manifest")
		b, err := json.Marshal(obj)
		must(t, err)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// splitYAML is the repo-server's own parsing of a YAML stream.
func splitYAML(t *testing.T, stream string) []string {
	t.Helper()
	objs, err := kube.SplitYAML([]byte(stream))
	must(t, err, "split YAML")
	var out []string
	for _, o := range objs {
		b, err := json.Marshal(o.Object)
		must(t, err)
		out = append(out, string(b))
	}
	return canonical(t, out)
}

func ids(objs []string) []string {
	var out []string
	for _, o := range objs {
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		_ = json.Unmarshal([]byte(o), &m)
		out = append(out, m.Kind+"/"+m.Metadata.Namespace+"/"+m.Metadata.Name)
	}
	return out
}

func sameObjects(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("%s: %d objects, want %d\n got: %q\nwant: %q", what, len(got), len(want), ids(got), ids(want))
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("first difference:\n got: %s\nwant: %s", got[i], want[i])
			break
		}
	}
}

// TestArgoCDCMPServer: the lattice plugin under Argo CD's own plugin server
// and repo-server code, named by the Application and found by discovery.
func TestArgoCDCMPServer(t *testing.T) {
	lattice := tool(t, "LATTICE", "lattice")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	t.Setenv(common.EnvPluginSockFilePath, cmpServer(t, filepath.Dir(lattice)))

	// The repository as the repo-server checks it out: the plugin server
	// receives all of it, not only the app directory.
	repo := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "examples"), filepath.Join(repo, "examples"))
	const appPath = "examples/argocd/app"
	app := filepath.Join(repo, appPath)
	render := splitYAML(t, run(t, repo, nil, lattice, "render", appPath))
	if len(render) == 0 {
		t.Fatal("lattice render printed nothing")
	}

	// kustomize with lattice as an exec function, as setup 2 runs it.
	viaKustomize := splitYAML(t, run(t, repo, []string{"PATH=" + filepath.Dir(lattice) + string(os.PathListSeparator) + os.Getenv("PATH")},
		kustomize, "build", "--enable-alpha-plugins", "--enable-exec", appPath))

	for _, named := range []bool{true, false} {
		name := map[bool]string{true: "named", false: "discovered"}[named]
		t.Run(name, func(t *testing.T) {
			res, err := generate(t, repo, appPath, named)
			if err != nil {
				t.Fatalf("GenerateManifests: %v", err)
			}
			if res.SourceType != string(v1alpha1.ApplicationSourceTypePlugin) {
				t.Fatalf("source type %q, want Plugin", res.SourceType)
			}
			got := canonical(t, res.Manifests)
			sameObjects(t, "argocd-cmp-server vs lattice render", got, render)
			sameObjects(t, "argocd-cmp-server vs kustomize", got, viaKustomize)
		})
	}

	t.Run("match repository", func(t *testing.T) {
		// The discovery request, sent the way the repo-server sends it:
		// yes for the lattice app, no for a plain one.
		plain := filepath.Join(repo, "apps", "plain")
		must(t, os.MkdirAll(plain, 0o755))
		must(t, os.WriteFile(filepath.Join(plain, "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"), 0o644))
		for dir, want := range map[string]bool{app: true, plain: false} {
			closer, client, err := apiclient.NewConfigManagementPluginClientSet(filepath.Join(os.Getenv(common.EnvPluginSockFilePath), "lattice.sock")).NewConfigManagementPluginClient()
			must(t, err, "dial")
			stream, err := client.MatchRepository(context.Background())
			must(t, err)
			must(t, cmp.SendRepoStream(context.Background(), dir, repo, stream, nil, nil), "SendRepoStream")
			resp, err := stream.CloseAndRecv()
			must(t, err)
			closer.Close()
			if resp.GetIsSupported() != want || !resp.GetIsDiscoveryEnabled() {
				t.Errorf("%s: supported %v (discovery %v), want %v", dir, resp.GetIsSupported(), resp.GetIsDiscoveryEnabled(), want)
			}
		}
		// Without a plugin name the plain app is left to Argo CD.
		res, err := generate(t, repo, "apps/plain", false)
		if err != nil || res.SourceType != string(v1alpha1.ApplicationSourceTypeDirectory) || len(res.Manifests) != 1 {
			t.Errorf("plain app: %v, %+v", err, res)
		}
	})

	t.Run("last service removed", func(t *testing.T) {
		// The app keeps its Platform and namespace: it must render (and
		// Argo CD prune the services' objects), not fail discovery.
		dir := filepath.Join(repo, "apps", "emptied")
		copyTree(t, app, dir)
		for _, f := range []string{"api.yaml", "web.yaml"} {
			must(t, os.Remove(filepath.Join(dir, f)))
			k := filepath.Join(dir, "kustomization.yaml")
			data, err := os.ReadFile(k)
			must(t, err)
			must(t, os.WriteFile(k, []byte(strings.Replace(string(data), "  - "+f+"\n", "", 1)), 0o644))
		}
		res, err := generate(t, repo, "apps/emptied", true)
		if err != nil {
			t.Fatalf("GenerateManifests: %v", err)
		}
		got := canonical(t, res.Manifests)
		sameObjects(t, "argocd-cmp-server vs lattice render", got, splitYAML(t, run(t, repo, nil, lattice, "render", "apps/emptied")))
		for _, id := range ids(got) {
			if strings.HasPrefix(id, "Deployment/") {
				t.Errorf("%s rendered after its service was removed", id)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		cases := []struct {
			name, file, content string
			want                []string // in the error Argo CD shows
		}{
			{"not YAML", "namespace.yaml", "key: [unclosed\n", []string{"namespace.yaml:1", "did not find expected"}},
			{"invalid service", "api.yaml", "", []string{"exit status 1", `"replica": unknown field`}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rel := filepath.Join("apps", strings.ReplaceAll(c.name, " ", "-"))
				dir := filepath.Join(repo, rel)
				copyTree(t, app, dir)
				f := filepath.Join(dir, c.file)
				content := c.content
				if content == "" {
					data, err := os.ReadFile(f)
					must(t, err)
					content = string(data) + "  replica: 2\n"
				}
				must(t, os.WriteFile(f, []byte(content), 0o644))
				res, err := generate(t, repo, rel, true)
				if err == nil {
					t.Fatalf("GenerateManifests succeeded: %d manifests", len(res.Manifests))
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q: %v", w, err)
					}
				}
			})
		}
	})
}
