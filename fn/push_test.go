package main

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// pushDir is a renderable directory: one service pinned by digest.
func pushDir(t *testing.T) string {
	return pinDir(t, map[string]string{"app.yaml": pinService("app", "registry.example.com/shop/app@sha256:"+strings.Repeat("1", 64))})
}

var pushMeta = []string{"--source=https://github.com/acme/shop", "--revision=main@sha1:0123456789abcdef0123456789abcdef01234567", "--created=2026-03-04T05:06:07Z"}

func TestPushFluxArtifact(t *testing.T) {
	host := testRegistry(t, nil)
	dir := pushDir(t)
	code, out, errOut := cli(t, append([]string{"push", "oci://" + host + "/shop/manifests:v1", dir}, pushMeta...)...)
	if code != 0 {
		t.Fatalf("push: exit %d\n%s", code, errOut)
	}
	pushed := strings.TrimSpace(out)
	if !strings.HasPrefix(pushed, "oci://"+host+"/shop/manifests@sha256:") {
		t.Fatalf("stdout = %q, want the pushed digest reference", out)
	}

	ref, err := name.ParseReference(host + "/shop/manifests:v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	if "oci://"+ref.Context().Digest(d.String()).String() != pushed {
		t.Errorf("tag v1 points at %s, push printed %s", d, pushed)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != "application/vnd.cncf.flux.config.v1+json" {
		t.Errorf("manifest %s, config %s", m.MediaType, m.Config.MediaType)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != "application/vnd.cncf.flux.content.v1.tar+gzip" {
		t.Fatalf("layers = %+v, want one flux content layer", m.Layers)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/acme/shop",
		"org.opencontainers.image.revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
		"org.opencontainers.image.created":  "2026-03-04T05:06:07Z",
	} {
		if m.Annotations[k] != want {
			t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], want)
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Created.UTC().Format("2006-01-02T15:04:05Z"); got != "2026-03-04T05:06:07Z" {
		t.Errorf("config created = %s", got)
	}

	layers, _ := img.Layers()
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	gz, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "manifests.yaml" || h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 || h.Mode != 0o644 {
		t.Errorf("tar entry %+v, want manifests.yaml, 0644, owner 0:0, mtime 0", h)
	}
	content, _ := io.ReadAll(tr)
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("more than one file in the artifact: %v", err)
	}
	_, rendered, _ := cli(t, "render", dir)
	if string(content) != rendered {
		t.Errorf("the artifact differs from `lattice render`:\n%s", content)
	}

	// Reproducible: same input and flags, same digest, also through
	// SOURCE_DATE_EPOCH instead of --created.
	_, again, _ := cli(t, append([]string{"push", "oci://" + host + "/shop/manifests:v2", dir}, pushMeta...)...)
	if strings.TrimPrefix(strings.TrimSpace(again), "oci://") != strings.TrimPrefix(pushed, "oci://") {
		t.Errorf("second push %s, first %s", again, pushed)
	}
	// --tag adds tags to the same artifact.
	_, tagged, errOut := cli(t, append([]string{"push", "oci://" + host + "/shop/manifests:v4", dir, "--tag=latest", "--tag=main"}, pushMeta...)...)
	if strings.TrimSpace(tagged) != pushed {
		t.Errorf("push with --tag: %q %s", tagged, errOut)
	}
	for _, tg := range []string{"v4", "latest", "main"} {
		r, _ := name.ParseReference(host + "/shop/manifests:" + tg)
		if desc, err := remote.Head(r); err != nil || desc.Digest != d {
			t.Errorf("tag %s: %v %v", tg, desc, err)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1772600767") // 2026-03-04T05:06:07Z
	_, viaEnv, errOut := cli(t, "push", "oci://"+host+"/shop/manifests:v3", dir, pushMeta[0], pushMeta[1])
	if strings.TrimSpace(viaEnv) != pushed {
		t.Errorf("SOURCE_DATE_EPOCH push %q (%s), want %s", viaEnv, errOut, pushed)
	}
}

func TestPushErrors(t *testing.T) {
	host := testRegistry(t, nil)
	refusing := testRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`) // the client may hang up
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	good := pushDir(t)
	bad := pinDir(t, map[string]string{"app.yaml": pinService("app", "nginx:1.27")})
	cases := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no oci:// prefix", []string{host + "/a:v1", good}, 2, "must start with oci://"},
		{"no tag", []string{"oci://" + host + "/a", good}, 2, "has no tag"},
		{"no registry", []string{"oci://a:v1", good}, 2, "names no registry"},
		{"does not parse", []string{"oci://" + host + "/UPPER/case:v1", good}, 2, "is not oci://REGISTRY/REPOSITORY:TAG"},
		{"whitespace", []string{"oci://" + host + "/a b:v1", good}, 2, "contains whitespace"},
		{"digest", []string{"oci://" + host + "/a@sha256:" + strings.Repeat("0", 64), good}, 2, "has a digest"},
		{"missing source", []string{"oci://" + host + "/a:v1", good, "--revision=x"}, 2, "--source and --revision are required"},
		{"bad created", []string{"oci://" + host + "/a:v1", good, pushMeta[0], pushMeta[1], "--created=yesterday"}, 2, "is not an RFC 3339 time"},
		{"bad extra tag", []string{"oci://" + host + "/a:v1", good, pushMeta[0], pushMeta[1], "--tag=a b"}, 2, "--tag"},
		{"bad file name", []string{"oci://" + host + "/a:v1", good, pushMeta[0], pushMeta[1], "--file=../x.yaml"}, 2, "plain file name"},
		{"render errors", append([]string{"oci://" + host + "/a:v1", bad}, pushMeta...), 1, "nothing pushed"},
		{"registry refuses", append([]string{"oci://" + refusing + "/a:v1", good}, pushMeta...), 1, "the registry refused access (HTTP 403: DENIED requested access to the resource is denied)"},
		{"registry unreachable", append([]string{"oci://" + deadRegistry(t) + "/a:v1", good, "--timeout=10s"}, pushMeta...), 1, "cannot push to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"push"}, tc.args...)...)
			if code != tc.wantCode || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d), stdout %q, stderr:\n%s\nwant %q", code, tc.wantCode, out, errOut, tc.want)
			}
		})
	}
	// Nothing reached the good registry from the failed pushes.
	if r, err := name.ParseReference(host + "/a:v1"); err != nil {
		t.Fatal(err)
	} else if _, err := remote.Head(r); err == nil {
		t.Error("a failed push left a tag behind")
	}
}
