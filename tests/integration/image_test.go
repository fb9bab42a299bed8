package integration

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// sampleList is a ResourceList as kustomize sends it: one service with a
// pinned image, no functionConfig.
const sampleList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
    annotations:
      kustomize.config.k8s.io/id: "1"
- apiVersion: lattice.dev/v1alpha1
  kind: LatticeService
  metadata:
    name: api
    namespace: shop
    annotations:
      kustomize.config.k8s.io/id: "2"
  spec:
    workload:
      containers:
        main:
          image: registry.example.com/shop/api@sha256:1111111111111111111111111111111111111111111111111111111111111111
          command: ["/app/api"]
          resources: {limits: {cpu: 500m, memory: 256Mi}}
      service:
        ports:
          http: {port: 8080}
`

// TestImage opens the image tools/imagebuild writes (what `make image`
// runs) and checks what the KRM function spec and the Dockerfile promise:
// non-root user 65532, the entrypoint, the OCI labels, a static binary and
// a passwd file that knows "nobody" — then runs it the way kustomize and
// kpt run container functions.
func TestImage(t *testing.T) {
	dir := imageLayout(t)
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	top, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Manifests) != 1 || top.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != imageTag {
		t.Fatalf("layout index = %+v, want one entry named %s", top.Manifests, imageTag)
	}
	multi, err := idx.ImageIndex(top.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := multi.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != types.OCIImageIndex || len(im.Manifests) != 1 {
		t.Fatalf("image index: media type %s with %d manifests, want an OCI index with one (the test builds linux/%s only)", im.MediaType, len(im.Manifests), runtime.GOARCH)
	}
	desc := im.Manifests[0]
	if desc.Platform == nil || desc.Platform.OS != "linux" || desc.Platform.Architecture != runtime.GOARCH {
		t.Fatalf("platform = %+v, want linux/%s", desc.Platform, runtime.GOARCH)
	}
	img, err := multi.Image(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532 (nonroot)", cfg.Config.User)
	}
	if got := strings.Join(cfg.Config.Entrypoint, " "); got != "/usr/local/bin/lattice" {
		t.Errorf("entrypoint = %q, want /usr/local/bin/lattice", got)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("config platform = %s/%s", cfg.OS, cfg.Architecture)
	}
	if got := cfg.Created.UTC().Format("2006-01-02T15:04:05Z"); got != "2026-01-02T03:04:05Z" {
		t.Errorf("created = %s, want the -created flag", got)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.title":    "lattice",
		"org.opencontainers.image.source":   "https://github.com/lattice-dev/lattice",
		"org.opencontainers.image.version":  "v0.0.0-test",
		"org.opencontainers.image.revision": "0123456789abcdef",
		"org.opencontainers.image.created":  "2026-01-02T03:04:05Z",
	} {
		if got := cfg.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}

	files := imageFiles(t, img)
	bin, ok := files["usr/local/bin/lattice"]
	if !ok || bin.mode&0o111 == 0 {
		t.Fatalf("usr/local/bin/lattice missing or not executable: %+v", bin)
	}
	if !strings.HasPrefix(bin.data, "\x7fELF") {
		t.Fatal("the binary is not an ELF executable")
	}
	// A static binary has no program interpreter (no PT_INTERP, no
	// /lib64/ld-linux...): nothing else in the image could load it.
	if strings.Contains(bin.data, "/lib64/ld-linux") || strings.Contains(bin.data, "/lib/ld-linux") {
		t.Error("the binary is dynamically linked; build it with CGO_ENABLED=0")
	}
	passwd := files["etc/passwd"].data
	for _, user := range []string{"nobody:x:65534:65534:", "nonroot:x:65532:65532:"} {
		if !strings.Contains(passwd, user) {
			t.Errorf("/etc/passwd lacks %q; `docker run --user nobody` (kustomize, kpt) needs it", user)
		}
	}
	if tmp := files["tmp"]; tmp.mode&0o1777 != 0o1777 {
		t.Errorf("/tmp mode = %o, want 1777", tmp.mode)
	}

	// Run it as kustomize does (kyaml's container runtime arguments).
	env, log := dockerOnPath(t, dir)
	res := runIn(t, t.TempDir(), env, strings.NewReader(sampleList), "docker",
		"run", "--rm", "-i", "-a", "STDIN", "-a", "STDOUT", "-a", "STDERR", "--network", "none",
		"--user", "nobody", "--security-opt=no-new-privileges", "-e", "LOG_TO_STDERR=true", "-e", "STRUCTURED_RESULTS=true", imageTag)
	if res.code != 0 {
		t.Fatalf("container exit %d\nstderr:\n%s", res.code, res.stderr)
	}
	for _, want := range []string{"kind: ResourceList", "kind: Deployment", "name: api", "registry.example.com/shop/api@sha256:1111"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("container output lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "kind: LatticeService") {
		t.Error("under kustomize the LatticeService must not come back")
	}
	modes := dockerModes(log)
	t.Logf("docker stand-in isolation: %q", modes)
	if len(modes) == 0 || !strings.HasPrefix(modes[0], "chroot+user") {
		t.Log("this host allows no chroot/user switch: the image's binary ran directly, so its user is not checked")
		return
	}
	// The process really is unprivileged: nobody may write /tmp but not
	// the image's own directories.
	res = runIn(t, t.TempDir(), env, nil, "docker", "run", "--rm", "--user", "nobody", imageTag, "install", "/tmp/tools")
	if res.code != 0 || !strings.Contains(res.stdout, "installed /tmp/tools/lattice") {
		t.Errorf("install into /tmp as nobody: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runIn(t, t.TempDir(), env, nil, "docker", "run", "--rm", "--user", "nobody", imageTag, "install", "/usr/local/bin")
	if res.code == 0 || !strings.Contains(res.stderr, "permission denied") {
		t.Errorf("install into /usr/local/bin as nobody should be denied: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runIn(t, t.TempDir(), env, nil, "docker", "run", "--rm", "--user", "somebody", imageTag, "version")
	if res.code != 126 || !strings.Contains(res.stderr, "unable to find user somebody") {
		t.Errorf("unknown user: exit %d\n%s", res.code, res.stderr)
	}
}

type imageFile struct {
	mode int64
	data string
}

// imageFiles flattens the image's layers.
func imageFiles(t *testing.T, img v1.Image) map[string]imageFile {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]imageFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = imageFile{mode: h.Mode, data: string(data)}
	}
}

// TestDockerfileMatchesImagebuild keeps the two image recipes in step:
// there is no Docker daemon here to build the Dockerfile, so its promises
// are read from it and compared with what tools/imagebuild builds.
func TestDockerfileMatchesImagebuild(t *testing.T) {
	data, err := os.ReadFile(harness.RepoRoot() + "/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM --platform=\$BUILDPLATFORM golang:1\.26 AS build$`),
		regexp.MustCompile(`CGO_ENABLED=0 GOOS=\$TARGETOS GOARCH=\$TARGETARCH`),
		regexp.MustCompile(`go build -trimpath -ldflags="-s -w" -o /out/lattice \./fn`),
		regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static-debian12:nonroot$`),
		regexp.MustCompile(`(?m)^COPY --from=build /out/lattice /usr/local/bin/lattice$`),
		regexp.MustCompile(`(?m)^USER 65532:65532$`),
		regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/lattice"\]$`),
		regexp.MustCompile(`org\.opencontainers\.image\.source="https://github\.com/lattice-dev/lattice"`),
	} {
		if !want.MatchString(df) {
			t.Errorf("Dockerfile does not match %s", want)
		}
	}
}

// TestImagebuildMultiPlatform checks the index tools/imagebuild writes for
// two platforms and that a rebuild is byte-identical. Compiling arm64 from
// scratch takes minutes, so the test hands imagebuild a stand-in file as
// the binary of both platforms (-binaries): what is checked here is the
// structure, not the cross-compilation (which `go run ./tools/imagebuild`
// does by default, and TestImage exercises for the host platform).
func TestImagebuildMultiPlatform(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "lattice")
	writeFiles(t, filepath.Dir(bin), map[string]string{"lattice": "stand-in\n"})
	build := func(out string) string {
		res := runIn(t, harness.RepoRoot(), nil, nil, "go", "run", "./tools/imagebuild", "-o", out,
			"-platforms", "linux/amd64,linux/arm64", "-binaries", "linux/amd64="+bin+",linux/arm64="+bin,
			"-ca-bundle=", "-created", "2026-01-02T03:04:05Z")
		if res.code != 0 {
			t.Fatalf("imagebuild: %s", res.stderr)
		}
		return readFile(t, filepath.Join(out, "index.json"))
	}
	dir := t.TempDir()
	first := build(filepath.Join(dir, "a"))
	if again := build(filepath.Join(dir, "b")); again != first {
		t.Errorf("a rebuild differs:\n%s\n%s", first, again)
	}
	p, err := layout.FromPath(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	top, _ := p.ImageIndex()
	tm, _ := top.IndexManifest()
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	var platforms []string
	var bases []string
	for _, m := range im.Manifests {
		platforms = append(platforms, m.Platform.OS+"/"+m.Platform.Architecture)
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := img.ConfigFile()
		if cfg.Architecture != m.Platform.Architecture || cfg.Config.User != "65532:65532" {
			t.Errorf("%s: config %s, user %s", m.Platform.Architecture, cfg.Architecture, cfg.Config.User)
		}
		layers, _ := img.Layers()
		d, _ := layers[0].Digest()
		bases = append(bases, d.String())
		if _, ok := imageFiles(t, img)["etc/ssl/certs/ca-certificates.crt"]; ok {
			t.Error("-ca-bundle= still added CA certificates")
		}
	}
	if strings.Join(platforms, ",") != "linux/amd64,linux/arm64" {
		t.Errorf("platforms %q", platforms)
	}
	if len(bases) == 2 && bases[0] != bases[1] {
		t.Error("the base layer differs between platforms")
	}
}
