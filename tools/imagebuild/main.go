// Command imagebuild builds the lattice container image without a Docker
// daemon: it cross-compiles ./fn for each platform (CGO_ENABLED=0,
// -trimpath), lays the static binary over a minimal root filesystem that
// mirrors gcr.io/distroless/static:nonroot (passwd/group with root, nobody
// and nonroot, /tmp, /home/nonroot, CA certificates), and writes a
// multi-platform OCI image layout. It is the daemonless twin of the
// Dockerfile; both produce an image that runs as 65532:65532 with
// ENTRYPOINT /usr/local/bin/lattice.
//
//	go run ./tools/imagebuild -o bin/image
//	go run ./tools/imagebuild -o bin/image -push ghcr.io/lattice-dev/lattice:v0.1.0
//
// The image is reproducible: layer tarballs are sorted with fixed owners
// and times, and the creation time is -created, else $SOURCE_DATE_EPOCH,
// else the Unix epoch. Load the layout with `skopeo copy oci:bin/image
// docker-daemon:lattice:dev`, or push it with -push or `crane push`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image facts shared with the Dockerfile and checked by tests/image_test.go.
const (
	Entrypoint   = "/usr/local/bin/lattice"
	User         = "65532:65532"
	DefaultTag   = "ghcr.io/lattice-dev/lattice:dev"
	sourceURL    = "https://github.com/lattice-dev/lattice"
	caBundlePath = "etc/ssl/certs/ca-certificates.crt"
)

type options struct {
	out       string
	platforms []v1.Platform
	tag       string
	version   string
	revision  string
	created   time.Time
	caBundle  string
	binaries  map[string]string // "os/arch" → prebuilt binary
	push      string
	insecure  bool
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "imagebuild:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("imagebuild", flag.ContinueOnError)
	var o options
	var platforms, created, binaries string
	fs.StringVar(&o.out, "o", "bin/image", "OCI image layout directory to write (replaced whole)")
	fs.StringVar(&platforms, "platforms", "linux/amd64,linux/arm64", "comma-separated os/arch list")
	fs.StringVar(&o.tag, "tag", DefaultTag, "image reference recorded in the layout (org.opencontainers.image.ref.name)")
	fs.StringVar(&o.version, "version", "dev", "org.opencontainers.image.version label")
	fs.StringVar(&o.revision, "revision", "", "org.opencontainers.image.revision label (the commit)")
	fs.StringVar(&created, "created", "", "creation time, RFC 3339 (default $SOURCE_DATE_EPOCH, else the Unix epoch)")
	fs.StringVar(&o.caBundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "CA certificates to include for `lattice pin` and `lattice push` (empty: none)")
	fs.StringVar(&binaries, "binaries", "", "comma-separated os/arch=PATH prebuilt binaries to use instead of compiling")
	fs.StringVar(&o.push, "push", "", "also push the multi-platform image to this reference")
	fs.BoolVar(&o.insecure, "insecure", false, "allow pushing to a plain-HTTP registry")
	if err := fs.Parse(args); err != nil {
		return err
	}
	caSet := false
	fs.Visit(func(f *flag.Flag) { caSet = caSet || f.Name == "ca-bundle" })
	if _, err := os.Stat(o.caBundle); !caSet && err != nil {
		fmt.Fprintf(os.Stderr, "imagebuild: no CA bundle at %s; building without CA certificates (lattice pin and push in the image will not trust TLS registries)\n", o.caBundle)
		o.caBundle = ""
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	for _, p := range strings.Split(platforms, ",") {
		pl, err := v1.ParsePlatform(strings.TrimSpace(p))
		if err != nil || pl.OS == "" || pl.Architecture == "" {
			return fmt.Errorf("bad platform %q, want os/arch such as linux/arm64", p)
		}
		o.platforms = append(o.platforms, *pl)
	}
	if o.created, err = creationTime(created); err != nil {
		return err
	}
	o.binaries = map[string]string{}
	for _, b := range strings.Split(binaries, ",") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		p, path, ok := strings.Cut(b, "=")
		if !ok {
			return fmt.Errorf("-binaries entry %q must be os/arch=PATH", b)
		}
		o.binaries[p] = path
	}
	if _, err := name.NewTag(o.tag, name.StrictValidation); err != nil {
		return fmt.Errorf("-tag %q: %w", o.tag, err)
	}

	idx, err := build(o)
	if err != nil {
		return err
	}
	if err := writeLayout(o.out, idx, o.tag); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s@%s)\n", o.out, o.tag, d)
	if o.push != "" {
		opts := []name.Option{name.StrictValidation}
		if o.insecure {
			opts = append(opts, name.Insecure)
		}
		ref, err := name.ParseReference(o.push, opts...)
		if err != nil {
			return fmt.Errorf("-push %q: %w", o.push, err)
		}
		if err := remote.WriteIndex(ref, idx, remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithContext(context.Background())); err != nil {
			return fmt.Errorf("cannot push %s: %w", ref, err)
		}
		fmt.Printf("pushed %s@%s\n", ref.Context(), d)
	}
	return nil
}

func creationTime(flag string) (time.Time, error) {
	if flag != "" {
		t, err := time.Parse(time.RFC3339, flag)
		if err != nil {
			return time.Time{}, fmt.Errorf("-created %q is not RFC 3339", flag)
		}
		return t.UTC(), nil
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	return time.Unix(0, 0).UTC(), nil
}

// build makes one image per platform and the index over them.
func build(o options) (v1.ImageIndex, error) {
	var ca []byte
	if o.caBundle != "" {
		var err error
		if ca, err = os.ReadFile(o.caBundle); err != nil {
			return nil, fmt.Errorf("cannot read -ca-bundle (pass -ca-bundle= to build without CA certificates): %w", err)
		}
	}
	base, err := baseLayer(ca)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "imagebuild-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, pl := range o.platforms {
		key := pl.OS + "/" + pl.Architecture
		bin, ok := o.binaries[key]
		if !ok {
			bin = filepath.Join(tmp, "lattice-"+pl.OS+"-"+pl.Architecture)
			if err := compile(pl, bin); err != nil {
				return nil, err
			}
		}
		img, err := image(o, pl, base, len(ca) > 0, bin)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		p := pl
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return idx, nil
}

// compile cross-compiles ./fn of the enclosing module into a static binary.
func compile(pl v1.Platform, out string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./fn")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+pl.OS, "GOARCH="+pl.Architecture)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintf(os.Stderr, "imagebuild: compiling ./fn for %s/%s\n", pl.OS, pl.Architecture)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s/%s: %w", pl.OS, pl.Architecture, err)
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run imagebuild inside the lattice module (go run ./tools/imagebuild)")
	}
	return filepath.Dir(gomod), nil
}

func image(o options, pl v1.Platform, base v1.Layer, withCA bool, bin string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	app, err := layer([]entry{
		{name: "usr/", mode: 0o755, dir: true},
		{name: "usr/local/", mode: 0o755, dir: true},
		{name: "usr/local/bin/", mode: 0o755, dir: true},
		{name: strings.TrimPrefix(Entrypoint, "/"), mode: 0o755, data: data},
	})
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.AppendLayers(img, base, app)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = pl.OS, pl.Architecture, pl.Variant
	cf.Created = v1.Time{Time: o.created}
	cf.Author = sourceURL
	cf.Config.User = User
	cf.Config.Entrypoint = []string{Entrypoint}
	cf.Config.Cmd = nil
	cf.Config.WorkingDir = "/"
	cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	if withCA {
		cf.Config.Env = append(cf.Config.Env, "SSL_CERT_FILE=/"+caBundlePath)
	}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "lattice",
		"org.opencontainers.image.description": "Renders LatticeService specs into Kubernetes, Istio, Gateway API and cert-manager objects; a KRM function for kustomize and kpt",
		"org.opencontainers.image.source":      sourceURL,
		"org.opencontainers.image.url":         sourceURL,
		"org.opencontainers.image.version":     o.version,
		"org.opencontainers.image.revision":    o.revision,
		"org.opencontainers.image.created":     o.created.Format(time.RFC3339),
	}
	if o.revision == "" {
		delete(cf.Config.Labels, "org.opencontainers.image.revision")
	}
	return mutate.ConfigFile(img, cf)
}

func writeLayout(out string, idx v1.ImageIndex, tag string) error {
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
