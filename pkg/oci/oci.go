// Package oci publishes rendered manifests as an OCI artifact in the format
// `flux push artifact` produces, so Flux's OCIRepository (and Argo CD's OCI
// sources) can deploy what lattice rendered in CI without running lattice
// in the cluster.
//
// The artifact is an OCI image manifest whose config has the media type
// application/vnd.cncf.flux.config.v1+json and whose single layer is a
// gzipped tarball (application/vnd.cncf.flux.content.v1.tar+gzip) of the
// files. The manifest carries the org.opencontainers.image.source,
// .revision and .created annotations Flux reads back. The same files,
// metadata and creation time always give the same digest: tar entries are
// sorted, owners and modification times are zeroed, and the gzip header
// has no timestamp. Nothing here reads the clock.
package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types and annotations of a Flux artifact (fluxcd/pkg oci).
const (
	ConfigMediaType  types.MediaType = "application/vnd.cncf.flux.config.v1+json"
	ContentMediaType types.MediaType = "application/vnd.cncf.flux.content.v1.tar+gzip"

	SourceAnnotation   = "org.opencontainers.image.source"
	RevisionAnnotation = "org.opencontainers.image.revision"
	CreatedAnnotation  = "org.opencontainers.image.created"

	// URLPrefix starts every artifact URL, as in `flux push artifact`.
	URLPrefix = "oci://"
)

// File is one file of the artifact.
type File struct {
	// Name is a slash-separated relative path.
	Name string
	Data []byte
}

// Metadata describes where an artifact came from.
type Metadata struct {
	// Source is the URL of the source repository.
	Source string
	// Revision is the source revision, e.g. main@sha1:<commit>.
	Revision string
	// Created is the creation time, usually the commit time.
	Created time.Time
	// Annotations are extra manifest annotations.
	Annotations map[string]string
}

// ParseURL parses oci://REGISTRY/REPOSITORY:TAG. The registry and the tag
// must be written out: an artifact URL that silently means docker.io or
// :latest is a mistake waiting to happen.
func ParseURL(url string, insecure bool) (name.Tag, error) {
	rest, ok := strings.CutPrefix(url, URLPrefix)
	if !ok {
		return name.Tag{}, fmt.Errorf("artifact URL %q must start with %s, e.g. oci://ghcr.io/org/app-manifests:v1.2.3", url, URLPrefix)
	}
	switch last := rest[strings.LastIndex(rest, "/")+1:]; {
	case strings.ContainsAny(rest, " \t\r\n"):
		return name.Tag{}, fmt.Errorf("artifact URL %q contains whitespace", url)
	case !strings.Contains(rest, "/"):
		return name.Tag{}, fmt.Errorf("artifact URL %q names no registry; write oci://REGISTRY/REPOSITORY:TAG", url)
	case strings.Contains(last, "@"):
		return name.Tag{}, fmt.Errorf("artifact URL %q has a digest; push to a tag, oci://REGISTRY/REPOSITORY:TAG", url)
	case !strings.Contains(last, ":"):
		return name.Tag{}, fmt.Errorf("artifact URL %q has no tag; write oci://REGISTRY/REPOSITORY:TAG, e.g. the commit: %s:$(git rev-parse --short HEAD)", url, url)
	}
	opts := []name.Option{name.StrictValidation}
	if insecure {
		opts = append(opts, name.Insecure)
	}
	tag, err := name.NewTag(rest, opts...)
	if err != nil {
		return name.Tag{}, fmt.Errorf("artifact URL %q is not oci://REGISTRY/REPOSITORY:TAG: %w", url, err)
	}
	return tag, nil
}

// Tarball packs files into a reproducible gzipped tarball: entries sorted
// by name, regular files with mode 0644, uid/gid 0, no user or group
// names, modification time 0 (the Unix epoch), and no gzip timestamp.
func Tarball(files []File) ([]byte, error) {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for i, f := range sorted {
		clean := path.Clean(f.Name)
		if f.Name == "" || clean != f.Name || path.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("artifact file name %q must be a clean relative path", f.Name)
		}
		if i > 0 && sorted[i-1].Name == f.Name {
			return nil, fmt.Errorf("artifact file %q is listed twice", f.Name)
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.Name,
			Mode:     0o644,
			Size:     int64(len(f.Data)),
			ModTime:  time.Unix(0, 0),
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Artifact builds the Flux artifact for files.
func Artifact(files []File, meta Metadata) (v1.Image, error) {
	if meta.Source == "" || meta.Revision == "" {
		return nil, errors.New("an artifact needs its source URL and revision (Flux reads both back)")
	}
	if meta.Created.IsZero() {
		return nil, errors.New("an artifact needs its creation time")
	}
	tgz, err := Tarball(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tgz)), nil
	}, tarball.WithMediaType(ContentMediaType), tarball.WithCompressedCaching)
	if err != nil {
		return nil, err
	}

	created := meta.Created.UTC().Truncate(time.Second)
	annotations := map[string]string{}
	for k, v := range meta.Annotations {
		annotations[k] = v
	}
	annotations[SourceAnnotation] = meta.Source
	annotations[RevisionAnnotation] = meta.Revision
	annotations[CreatedAnnotation] = created.Format(time.RFC3339)

	// The creation time goes into the config before the config turns into
	// a Flux artifact config: go-containerregistry keeps an artifact's
	// config bytes as they were when its media type changed.
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: created}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, ConfigMediaType)
	img = mutate.Annotations(img, annotations).(v1.Image)
	return mutate.Append(img, mutate.Addendum{Layer: layer})
}

// Push uploads img to tag with the credentials of the Docker config
// (authn.DefaultKeychain) and returns the pushed digest reference.
func Push(ctx context.Context, tag name.Tag, img v1.Image, opts ...remote.Option) (name.Digest, error) {
	digest, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithUserAgent("lattice")}, opts...)
	if err := remote.Write(tag, img, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("cannot push to %s: %s", tag, Explain(err))
	}
	return tag.Context().Digest(digest.String()), nil
}

// Explain turns a registry error into one readable sentence.
func Explain(err error) string {
	var te *transport.Error
	if errors.As(err, &te) {
		var codes []string
		for _, d := range te.Errors {
			codes = append(codes, strings.TrimSpace(string(d.Code)+" "+d.Message))
		}
		detail := strings.Join(codes, "; ")
		if detail == "" {
			detail = http.StatusText(te.StatusCode)
		}
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Sprintf("the registry refused access (HTTP %d: %s); log in with `docker login` or check the repository permissions", te.StatusCode, detail)
		case http.StatusNotFound:
			return fmt.Sprintf("not found (HTTP 404: %s)", detail)
		}
		return fmt.Sprintf("HTTP %d: %s", te.StatusCode, detail)
	}
	return err.Error()
}
