package integration

// Argo CD, two ways (docs/argocd.md):
//
//  1. the Config Management Plugin of examples/argocd/cmp: the test runs
//     plugin.yaml's discover and generate commands the way argocd-cmp-server
//     does (cmpserver/plugin/plugin.go runCommand): the repository unpacked
//     into a fresh work directory with modes reset (0644 files, 0755
//     directories, as with preserveFileMode: false), the command run in the
//     app directory under the request's deadline with the server's
//     environment plus the repo-server's ARGOCD_APP_*, KUBE_* and
//     ARGOCD_ENV_* variables, stdout split into objects as the repo-server
//     does. tests/argocd runs the real argocd-cmp-server;
//  2. native kustomize in the repo-server (examples/argocd/kustomize): the
//     init container's `lattice install DIR`, then the real kustomize with
//     the flags argocd-cm's kustomize.buildOptions sets.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/lattice-dev/lattice/tests/internal/harness"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type cmpCommand struct {
	Command []string `yaml:"command,omitempty"`
	Args    []string `yaml:"args,omitempty"`
}

type cmpPlugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version  string     `yaml:"version,omitempty"`
		Init     cmpCommand `yaml:"init,omitempty"`
		Generate cmpCommand `yaml:"generate"`
		Discover struct {
			FileName string `yaml:"fileName,omitempty"`
			Find     struct {
				cmpCommand `yaml:",inline"`
				Glob       string `yaml:"glob,omitempty"`
			} `yaml:"find,omitempty"`
		} `yaml:"discover,omitempty"`
		PreserveFileMode bool `yaml:"preserveFileMode,omitempty"`
		ProvideGitCreds  bool `yaml:"provideGitCreds,omitempty"`
	} `yaml:"spec"`
}

func loadPlugin(t *testing.T) cmpPlugin {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, filepath.Join(harness.RepoRoot(), "examples", "argocd", "cmp", "plugin.yaml"))))
	dec.KnownFields(true)
	var p cmpPlugin
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	if p.APIVersion != "argoproj.io/v1alpha1" || p.Kind != "ConfigManagementPlugin" || p.Metadata.Name == "" {
		t.Fatalf("plugin.yaml is not a ConfigManagementPlugin: %+v", p)
	}
	return p
}

// cmpWorkdir unpacks a repository as the CMP server receives it: the
// repo-server streams the whole checkout (cmp.SendRepoStream of the repo
// root), not only the app directory. src is copied to srcRel inside the
// repository; the app directory, appRel, is returned.
func cmpWorkdir(t *testing.T, src, srcRel, appRel string) string {
	t.Helper()
	work := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(work, srcRel, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(work, appRel)
}

// appWorkdir is the example app inside the whole examples tree, as the
// plugin server unpacks the lattice repository for the Application.
func appWorkdir(t *testing.T) string {
	t.Helper()
	return cmpWorkdir(t, filepath.Join(harness.RepoRoot(), "examples"), "examples", "examples/argocd/app")
}

// cmpEnv is what the repo-server sends and the sidecar has: its own
// environment (PATH with lattice, from the image) plus the app's, built
// as reposerver/repository's newEnv does from the Application
// (examples/argocd/cmp/application.yaml): ARGOCD_APP_NAMESPACE is the
// Application's destination namespace (empty there), not its name.
func cmpEnv(t *testing.T) []string {
	app, err := yaml.Parse(readFile(t, filepath.Join(harness.RepoRoot(), "examples", "argocd", "cmp", "application.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	field := func(path ...string) string {
		n, err := app.Pipe(yaml.Lookup(path...))
		if err != nil || n == nil {
			return ""
		}
		return n.YNode().Value
	}
	return []string{
		"PATH=" + pathWith(filepath.Dir(harness.LatticeBin(t))),
		"ARGOCD_APP_NAME=" + field("metadata", "name"),
		"ARGOCD_APP_NAMESPACE=" + field("spec", "destination", "namespace"),
		"ARGOCD_APP_PROJECT_NAME=" + field("spec", "project"),
		"ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567",
		"ARGOCD_APP_REVISION_SHORT=0123456",
		"ARGOCD_APP_REVISION_SHORT_8=01234567",
		"ARGOCD_APP_SOURCE_PATH=" + field("spec", "source", "path"),
		"ARGOCD_APP_SOURCE_REPO_URL=" + field("spec", "source", "repoURL"),
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + field("spec", "source", "targetRevision"),
		"KUBE_VERSION=1.34.0",
		"KUBE_API_VERSIONS=v1,apps/v1,gateway.networking.k8s.io/v1,security.istio.io/v1",
		"ARGOCD_ENV_TEAM=shop",
		"ARGOCD_APP_PARAMETERS=[]",
	}
}

// cmpRequestTimeout stands in for the deadline of the repo-server's
// request; the plugin server runs commands under that deadline less a
// 100ms buffer (cmpserver/plugin: buffered_context.WithEarlierDeadline).
const cmpRequestTimeout = 90 * time.Second

// cmpRun is argocd-cmp-server's runCommand: command + args in the app
// directory, stdout kept, a non-zero exit turned into an error carrying
// stderr (only stderr: stdout is dropped on failure).
func cmpRun(t *testing.T, c cmpCommand, dir string, env []string) (string, error) {
	t.Helper()
	if len(c.Command) == 0 {
		return "", errors.New("Command is empty")
	}
	request, cancelRequest := context.WithTimeout(context.Background(), cmpRequestTimeout)
	defer cancelRequest()
	deadline, _ := request.Deadline()
	ctx, cancel := context.WithDeadline(request, deadline.Add(-100*time.Millisecond))
	defer cancel()
	cmd := exec.CommandContext(ctx, lookPath(t, c.Command[0], env), append(c.Command[1:], c.Args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return strings.TrimSuffix(out.String(), "\n"), fmt.Errorf("`%s` failed %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

// splitManifests is the repo-server's view of generate's stdout: every
// document an object with apiVersion and kind.
func splitManifests(t *testing.T, out string) []string {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("Argo CD cannot split the output: %v", err)
	}
	var ids []string
	for _, n := range nodes {
		if n.GetApiVersion() == "" || n.GetKind() == "" {
			t.Errorf("document without apiVersion/kind:\n%s", n.MustString())
		}
		ids = append(ids, n.GetKind()+"/"+n.GetNamespace()+"/"+n.GetName())
	}
	sort.Strings(ids)
	return ids
}

func TestArgoCDPlugin(t *testing.T) {
	p := loadPlugin(t)
	if p.Spec.PreserveFileMode {
		t.Error("the plugin asks for preserved file modes; lattice needs none")
	}
	env := cmpEnv(t)
	app := appWorkdir(t)

	// Discovery: the find command prints something for a lattice app...
	found, err := cmpRun(t, p.Spec.Discover.Find.cmpCommand, app, env)
	if err != nil || found == "" {
		t.Fatalf("discover on the lattice app: %q, %v", found, err)
	}
	// ...and nothing for an app without LatticeServices.
	plain := t.TempDir()
	writeFiles(t, plain, map[string]string{"deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n", "values.yaml": "replicas: 2\n"})
	other := cmpWorkdir(t, plain, "apps/plain", "apps/plain")
	if found, err := cmpRun(t, p.Spec.Discover.Find.cmpCommand, other, env); err != nil || found != "" {
		t.Errorf("discover on a plain app: %q, %v", found, err)
	}
	// ...and something for an app whose last service was removed: Argo CD
	// runs discovery even when the Application names the plugin, and an
	// unmatched app fails instead of pruning the removed services' objects.
	emptied := appWorkdir(t)
	for _, f := range []string{"api.yaml", "web.yaml"} {
		os.Remove(filepath.Join(emptied, f))
		k := filepath.Join(emptied, "kustomization.yaml")
		if err := os.WriteFile(k, []byte(strings.Replace(readFile(t, k), "  - "+f+"\n", "", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if found, err := cmpRun(t, p.Spec.Discover.Find.cmpCommand, emptied, env); err != nil || found == "" {
		t.Errorf("discover on an app with only its Platform left: %q, %v", found, err)
	}
	// A file that is not YAML fails discovery with the cause in the error
	// (the server passes only stderr on).
	broken := appWorkdir(t)
	if err := os.WriteFile(filepath.Join(broken, "namespace.yaml"), []byte("key: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if found, err := cmpRun(t, p.Spec.Discover.Find.cmpCommand, broken, env); err == nil || !strings.Contains(err.Error(), "namespace.yaml:1") {
		t.Errorf("discover on an app with a broken file: %q, %v; want the file and line in the error", found, err)
	}

	out, err := cmpRun(t, p.Spec.Generate, app, env)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	ids := splitManifests(t, out)
	for _, id := range ids {
		if strings.HasPrefix(id, "LatticeService/") || strings.HasPrefix(id, "Platform/") {
			t.Errorf("%s reached Argo CD", id)
		}
	}
	for _, want := range []string{"Deployment/shop/web", "Deployment/shop/api", "Namespace//shop", "HTTPRoute/shop/web"} {
		if !slices.Contains(ids, want) {
			t.Errorf("generate lacks %s; got %q", want, ids)
		}
	}
	render := runIn(t, harness.RepoRoot(), nil, nil, harness.LatticeBin(t), "render", "examples/argocd/app")
	if render.code != 0 || strings.TrimSuffix(render.stdout, "\n") != out {
		t.Errorf("generate differs from `lattice render` (exit %d)", render.code)
	}
}

// TestArgoCDPluginErrors: a broken app makes generate fail with the reason
// on stderr and nothing on stdout; an empty stdout with exit 0 is what
// would make an auto-pruning Application delete everything.
func TestArgoCDPluginErrors(t *testing.T) {
	p := loadPlugin(t)
	env := cmpEnv(t)
	cases := map[string]func(app string) error{
		"invalid service": func(app string) error {
			f := filepath.Join(app, "api.yaml")
			data, _ := os.ReadFile(f)
			return os.WriteFile(f, append(data, "  replica: 2\n"...), 0o644)
		},
		"one-sided error policy": func(app string) error {
			f := filepath.Join(app, "platform.yaml")
			data, _ := os.ReadFile(f)
			if err := os.WriteFile(f, []byte(strings.Replace(string(data), "spec:\n", "spec:\n  mesh:\n    oneSided: error\n", 1)), 0o644); err != nil {
				return err
			}
			return os.Remove(filepath.Join(app, "web.yaml"))
		},
		"not YAML": func(app string) error {
			return os.WriteFile(filepath.Join(app, "namespace.yaml"), []byte("key: [unclosed\n"), 0o644)
		},
		"empty app": func(app string) error {
			entries, _ := os.ReadDir(app)
			for _, e := range entries {
				if err := os.Remove(filepath.Join(app, e.Name())); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			app := appWorkdir(t)
			if err := edit(app); err != nil {
				t.Fatal(err)
			}
			out, err := cmpRun(t, p.Spec.Generate, app, env)
			if name == "empty app" {
				// A directory with nothing in it renders nothing, as Argo
				// CD's own directory apps do: that is what the repository
				// says. Only a failure must never look like this.
				if err != nil || out != "" {
					t.Errorf("empty app: %q, %v", out, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("generate succeeded:\n%s", out)
			}
			if out != "" {
				t.Errorf("stdout is not empty on failure:\n%s", out)
			}
			if !strings.Contains(err.Error(), "exit status 1") || !strings.Contains(err.Error(), "error") {
				t.Errorf("error lacks the reason: %v", err)
			}
		})
	}
}

// TestArgoCDNativeKustomize: the init container's `lattice install`, then
// Argo CD's kustomize with argocd-cm's kustomize.buildOptions, over the
// same app: the same objects as the plugin renders.
func TestArgoCDNativeKustomize(t *testing.T) {
	cm := readFile(t, filepath.Join(harness.RepoRoot(), "examples", "argocd", "kustomize", "argocd-cm.yaml"))
	node, err := yaml.Parse(cm)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := node.Pipe(yaml.Lookup("data", "kustomize.buildOptions"))
	if err != nil || opts == nil {
		t.Fatalf("argocd-cm.yaml has no kustomize.buildOptions: %v", err)
	}
	flags := strings.Fields(opts.YNode().Value)

	tools := filepath.Join(t.TempDir(), "custom-tools")
	if res := runIn(t, t.TempDir(), nil, nil, harness.LatticeBin(t), "install", tools); res.code != 0 {
		t.Fatalf("lattice install: %s", res.stderr)
	}
	app := appWorkdir(t)
	build := exec.Command(kustomizeBin(t), append(append([]string{"build"}, flags...), app)...)
	build.Env = append(os.Environ(), "PATH="+tools+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out, errb bytes.Buffer
	build.Stdout, build.Stderr = &out, &errb
	if err := build.Run(); err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", strings.Join(flags, " "), err, errb.String())
	}
	viaKustomize := splitManifests(t, out.String())

	p := loadPlugin(t)
	gen, err := cmpRun(t, p.Spec.Generate, app, cmpEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	if viaPlugin := splitManifests(t, gen); !slices.Equal(viaKustomize, viaPlugin) {
		t.Errorf("kustomize and the plugin disagree:\nkustomize: %q\n   plugin: %q", viaKustomize, viaPlugin)
	}
}

// repoServerStub stands in for Argo CD's install.yaml (no network here):
// the parts of argocd-repo-server and argocd-cm the patches touch, named
// as upstream names them.
const repoServerStub = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      initContainers:
        - name: copyutil
          image: quay.io/argoproj/argocd:latest
          command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
          volumeMounts:
            - name: var-files
              mountPath: /var/run/argocd
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:latest
          volumeMounts:
            - name: plugins
              mountPath: /home/argocd/cmp-server/plugins
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
        - name: tmp
          emptyDir: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
data: {}
`

// TestArgoCDInstallManifests builds examples/argocd/{cmp,kustomize} over
// the stub and checks that every mount has its volume and the plugin
// configuration lands where argocd-cmp-server reads it.
func TestArgoCDInstallManifests(t *testing.T) {
	for _, variant := range []string{"cmp", "kustomize"} {
		t.Run(variant, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, filepath.Join(harness.RepoRoot(), "examples", "argocd", variant), dir)
			k := readFile(t, filepath.Join(dir, "kustomization.yaml"))
			const remote = "https://raw.githubusercontent.com/argoproj/argo-cd/stable/manifests/install.yaml"
			if !strings.Contains(k, remote) {
				t.Fatalf("kustomization.yaml does not install Argo CD from %s", remote)
			}
			writeFiles(t, dir, map[string]string{"kustomization.yaml": strings.Replace(k, remote, "install.yaml", 1), "install.yaml": repoServerStub})
			os.Remove(filepath.Join(dir, "application.yaml"))
			cmd := exec.Command(kustomizeBin(t), "build", dir)
			out, err := cmd.Output()
			if err != nil {
				var ee *exec.ExitError
				errors.As(err, &ee)
				t.Fatalf("kustomize build: %v\n%s", err, ee.Stderr)
			}
			nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
			if err != nil {
				t.Fatal(err)
			}
			var deploy *yaml.RNode
			configMaps := map[string]*yaml.RNode{}
			for _, n := range nodes {
				if n.GetNamespace() != "argocd" {
					t.Errorf("%s/%s is not in namespace argocd", n.GetKind(), n.GetName())
				}
				switch n.GetKind() {
				case "Deployment":
					deploy = n
				case "ConfigMap":
					configMaps[n.GetName()] = n
				}
			}
			if deploy == nil {
				t.Fatal("no repo-server Deployment")
			}
			volumes := map[string]bool{}
			vs, _ := deploy.Pipe(yaml.Lookup("spec", "template", "spec", "volumes"))
			for _, v := range elements(vs) {
				volumes[yaml.GetValue(v.Field("name").Value)] = true
			}
			containers := map[string]*yaml.RNode{}
			for _, field := range []string{"containers", "initContainers"} {
				cs, _ := deploy.Pipe(yaml.Lookup("spec", "template", "spec", field))
				for _, c := range elements(cs) {
					name := yaml.GetValue(c.Field("name").Value)
					containers[name] = c
					ms, _ := c.Pipe(yaml.Lookup("volumeMounts"))
					for _, m := range elements(ms) {
						if v := yaml.GetValue(m.Field("name").Value); !volumes[v] {
							t.Errorf("container %s mounts volume %q, which the pod does not declare", name, v)
						}
					}
				}
			}
			switch variant {
			case "cmp":
				c := containers["lattice"]
				if c == nil {
					t.Fatal("no lattice sidecar")
				}
				s, _ := c.String()
				for _, want := range []string{"/var/run/argocd/argocd-cmp-server", "mountPath: /home/argocd/cmp-server/config/plugin.yaml", "subPath: plugin.yaml", "runAsUser: 999", "ghcr.io/lattice-dev/lattice:"} {
					if !strings.Contains(s, want) {
						t.Errorf("sidecar lacks %q:\n%s", want, s)
					}
				}
				cm := configMaps["lattice-plugin"]
				if cm == nil {
					t.Fatal("no lattice-plugin ConfigMap (disableNameSuffixHash keeps the name the volume uses)")
				}
				data, _ := cm.Pipe(yaml.Lookup("data", "plugin.yaml"))
				if data == nil || data.YNode().Value != readFile(t, filepath.Join(harness.RepoRoot(), "examples", "argocd", "cmp", "plugin.yaml")) {
					t.Error("the ConfigMap does not carry plugin.yaml verbatim")
				}
			case "kustomize":
				ic := containers["install-lattice"]
				if ic == nil {
					t.Fatal("no install-lattice init container")
				}
				s, _ := ic.String()
				if !strings.Contains(s, "- install\n") || !strings.Contains(s, "- /custom-tools") {
					t.Errorf("init container does not run `lattice install /custom-tools`:\n%s", s)
				}
				rs, _ := containers["argocd-repo-server"].String()
				if !strings.Contains(rs, "mountPath: /usr/local/bin/lattice") || !strings.Contains(rs, "subPath: lattice") {
					t.Errorf("repo-server does not mount lattice on PATH:\n%s", rs)
				}
				opts, _ := configMaps["argocd-cm"].Pipe(yaml.Lookup("data", "kustomize.buildOptions"))
				if opts == nil || !strings.Contains(opts.YNode().Value, "--enable-exec") {
					t.Error("argocd-cm lacks kustomize.buildOptions with --enable-exec")
				}
			}
		})
	}
}

func elements(n *yaml.RNode) []*yaml.RNode {
	if n == nil {
		return nil
	}
	es, _ := n.Elements()
	return es
}
