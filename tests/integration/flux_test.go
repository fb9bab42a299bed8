package integration

// Flux never runs plugins, so lattice renders in CI and publishes the
// result with `lattice push` as an OCI artifact. This test pushes with the
// built binary to go-containerregistry's in-memory registry and pulls the
// artifact back with Flux's own OCI client library (fluxcd/pkg/oci, the
// code behind `flux pull artifact` and the format source-controller reads).

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/lattice-dev/lattice/tests/internal/harness"
)

func TestFluxPullsPushedArtifact(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	app := filepath.Join("examples", "flux", "deploy") // relative to harness.RepoRoot(), where lattice runs

	const (
		source   = "https://github.com/acme/shop"
		revision = "main@sha1:0123456789abcdef0123456789abcdef01234567"
		created  = "2026-03-04T05:06:07Z"
	)
	url := "oci://" + host + "/shop/manifests:0123456"
	push := runIn(t, harness.RepoRoot(), nil, nil, harness.LatticeBin(t), "push", url, app,
		"--source="+source, "--revision="+revision, "--created="+created)
	if push.code != 0 {
		t.Fatalf("lattice push: exit %d\n%s", push.code, push.stderr)
	}
	digestRef := strings.TrimSpace(push.stdout)

	client := fluxoci.NewClient(fluxoci.DefaultOptions())
	artifact, err := fluxoci.ParseArtifactURL(url)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	meta, err := client.Pull(context.Background(), artifact, out)
	if err != nil {
		t.Fatalf("flux pull: %v", err)
	}
	if meta.Source != source || meta.Revision != revision || meta.Created != created {
		t.Errorf("flux metadata = %+v", meta)
	}
	if "oci://"+meta.Digest != digestRef {
		t.Errorf("flux sees %s, lattice pushed %s", meta.Digest, digestRef)
	}
	files := snapshot(t, out)
	if len(files) != 1 {
		t.Fatalf("artifact files = %v, want manifests.yaml only", files)
	}
	render := runIn(t, harness.RepoRoot(), nil, nil, harness.LatticeBin(t), "render", app)
	if render.code != 0 {
		t.Fatal(render.stderr)
	}
	if files["manifests.yaml"] != render.stdout {
		t.Errorf("the artifact holds something other than `lattice render`:\n%s", files["manifests.yaml"])
	}

	// Flux's own listing sees the tag with the same metadata.
	tags, err := client.List(context.Background(), host+"/shop/manifests", fluxoci.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0].Revision != revision || tags[0].Source != source {
		t.Errorf("flux list = %+v", tags)
	}
}
