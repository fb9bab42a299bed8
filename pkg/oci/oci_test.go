package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"
)

func TestTarballIsReproducible(t *testing.T) {
	a, err := Tarball([]File{{Name: "b.yaml", Data: []byte("b")}, {Name: "dir/a.yaml", Data: []byte("a")}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Tarball([]File{{Name: "dir/a.yaml", Data: []byte("a")}, {Name: "b.yaml", Data: []byte("b")}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("input order changed the tarball")
	}
	gz, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if !gz.ModTime.IsZero() || gz.Name != "" {
		t.Errorf("gzip header carries time %v / name %q", gz.ModTime, gz.Name)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.ModTime.Unix() != 0 || h.Mode != 0o644 {
			t.Errorf("%s: header %+v", h.Name, h)
		}
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "b.yaml,dir/a.yaml" {
		t.Errorf("entries %q, want sorted", names)
	}
}

func TestTarballRejectsBadNames(t *testing.T) {
	for _, n := range []string{"", "/abs.yaml", "../up.yaml", "a/../b.yaml", "."} {
		if _, err := Tarball([]File{{Name: n}}); err == nil {
			t.Errorf("%q accepted", n)
		}
	}
	if _, err := Tarball([]File{{Name: "a"}, {Name: "a"}}); err == nil {
		t.Error("duplicate accepted")
	}
}

func TestArtifact(t *testing.T) {
	meta := Metadata{Source: "https://example.com/r", Revision: "main@sha1:abc", Created: time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))}
	img, err := Artifact([]File{{Name: "m.yaml", Data: []byte("x: 1\n")}}, meta)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Annotations[CreatedAnnotation]; got != "2026-01-02T02:04:05Z" {
		t.Errorf("created = %s, want UTC seconds", got)
	}
	again, _ := Artifact([]File{{Name: "m.yaml", Data: []byte("x: 1\n")}}, meta)
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("digests differ: %s %s", d1, d2)
	}
	for _, bad := range []Metadata{{Revision: "r", Created: meta.Created}, {Source: "s", Created: meta.Created}, {Source: "s", Revision: "r"}} {
		if _, err := Artifact(nil, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestParseURL(t *testing.T) {
	good := map[string]string{
		"oci://ghcr.io/acme/manifests:v1":    "ghcr.io/acme/manifests:v1",
		"oci://localhost:5000/a/b/c:sha-123": "localhost:5000/a/b/c:sha-123",
	}
	for in, want := range good {
		tag, err := ParseURL(in, false)
		if err != nil || tag.String() != want {
			t.Errorf("%s: %v %v", in, tag, err)
		}
	}
	for in, want := range map[string]string{
		"ghcr.io/a:v1":               "must start with oci://",
		"oci://ghcr.io/a":            "has no tag",
		"oci://a:v1":                 "names no registry",
		"oci://ghcr.io/a@sha256:0":   "has a digest",
		"oci://ghcr.io/A:v1":         "is not oci://REGISTRY/REPOSITORY:TAG",
		"oci://ghcr.io/a:bad tag":    "whitespace",
		"oci://ghcr.io/a:" + "~~~~~": "is not oci://",
	} {
		if _, err := ParseURL(in, false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
