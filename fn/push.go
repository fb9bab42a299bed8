package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/oci"
	"github.com/lattice-dev/lattice/pkg/render"
)

func init() { commands = append(commands, pushCmd) }

func pushCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		source, revision, created, file string
		annotations, tags               []string
		insecure                        bool
		timeout                         time.Duration
	)
	cmd := &cobra.Command{
		Use:   "push oci://REGISTRY/REPOSITORY:TAG DIR|FILE...",
		Short: "Render directories and publish the result as a Flux OCI artifact",
		Long: `push renders the given paths exactly like ` + "`lattice render`" + ` and publishes the output as an
OCI artifact in the format of ` + "`flux push artifact`" + `: one gzipped tarball layer holding a single
manifest file, with the source URL, revision and creation time as annotations. Flux's
OCIRepository (and Argo CD's OCI sources) deploy it without running lattice in the cluster.

Nothing is pushed when the render has errors. The artifact is reproducible: the same
output, flags and creation time always give the same digest. The creation time is
--created, else $SOURCE_DATE_EPOCH, else the current time; in CI pass the commit time:
  --created "$(git log -1 --format=%cI)"
Credentials come from the Docker config (docker login, credential helpers).
On success the pushed digest is printed on stdout: oci://REGISTRY/REPOSITORY@sha256:...`,
		Example: `  lattice push oci://ghcr.io/acme/shop-manifests:$(git rev-parse --short HEAD) ./deploy \
    --source="$(git config --get remote.origin.url)" \
    --revision="$(git branch --show-current)@sha1:$(git rev-parse HEAD)" \
    --created="$(git log -1 --format=%cI)"`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			tag, err := oci.ParseURL(args[0], insecure)
			if err != nil {
				return usageErr(stderr, err)
			}
			if source == "" || revision == "" {
				return usageErr(stderr, fmt.Errorf("--source and --revision are required (Flux reads both back), e.g. --source=https://github.com/acme/shop --revision=main@sha1:$(git rev-parse HEAD)"))
			}
			meta := oci.Metadata{Source: source, Revision: revision, Annotations: map[string]string{}}
			if meta.Created, err = creationTime(created); err != nil {
				return usageErr(stderr, err)
			}
			for _, a := range annotations {
				k, v, ok := strings.Cut(a, "=")
				if !ok || k == "" {
					return usageErr(stderr, fmt.Errorf("--annotation %q must be KEY=VALUE", a))
				}
				meta.Annotations[k] = v
			}
			var extra []name.Tag
			for _, t := range tags {
				if _, err := name.NewTag(tag.Context().Name()+":"+t, name.StrictValidation); err != nil {
					return usageErr(stderr, fmt.Errorf("--tag %q: %w", t, err))
				}
				extra = append(extra, tag.Context().Tag(t))
			}
			if strings.Contains(file, "/") || !strings.HasSuffix(file, ".yaml") {
				return usageErr(stderr, fmt.Errorf("--file %q must be a plain file name ending in .yaml", file))
			}

			out, ok := renderPaths(args[1:], stderr)
			if !ok {
				fmt.Fprintln(stderr, "lattice: nothing pushed")
				return exitErr{exitError}
			}
			img, err := oci.Artifact([]oci.File{{Name: file, Data: out}}, meta)
			if err != nil {
				fmt.Fprintln(stderr, "lattice:", err)
				return exitErr{exitError}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			digest, err := oci.Push(ctx, tag, img)
			for _, et := range extra {
				if err == nil {
					_, err = oci.Push(ctx, et, img)
				}
			}
			if err != nil {
				fmt.Fprintln(stderr, "lattice:", err)
				return exitErr{exitError}
			}
			fmt.Fprintln(stdout, oci.URLPrefix+digest.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "source repository URL (annotation org.opencontainers.image.source)")
	f.StringVar(&revision, "revision", "", "source revision, e.g. main@sha1:<commit> (annotation org.opencontainers.image.revision)")
	f.StringVar(&created, "created", "", "creation time, RFC 3339 (default $SOURCE_DATE_EPOCH, else now)")
	f.StringArrayVarP(&annotations, "annotation", "a", nil, "extra manifest annotation KEY=VALUE (repeatable)")
	f.StringArrayVar(&tags, "tag", nil, "also tag the artifact with TAG in the same repository, e.g. latest (repeatable)")
	f.StringVar(&file, "file", "manifests.yaml", "name of the manifest file inside the artifact")
	f.BoolVar(&insecure, "insecure", false, "allow a registry served over plain HTTP")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "give up pushing after this long")
	return cmd
}

// renderPaths renders paths like `lattice render`, printing results on
// stderr. It returns the stream, or false when the render failed.
func renderPaths(paths []string, stderr io.Writer) ([]byte, bool) {
	items, err := readPaths(paths)
	if err == nil {
		err = checkKustomizations(paths) // fields render does not apply
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return nil, false
	}
	out := render.Render(items, nil, render.Stream)
	fmt.Fprint(stderr, render.Format(out.Results))
	if out.Failed {
		return nil, false
	}
	var buf bytes.Buffer
	if err := krm.WriteStream(&buf, out.Items); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return nil, false
	}
	return buf.Bytes(), true
}

// creationTime is flag, else SOURCE_DATE_EPOCH, else now: the one place
// lattice reads the clock, and only when the user gave no time.
func creationTime(flag string) (time.Time, error) {
	if flag != "" {
		t, err := time.Parse(time.RFC3339, flag)
		if err != nil {
			return time.Time{}, fmt.Errorf("--created %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", flag)
		}
		return t, nil
	}
	if s := sourceDateEPOCH(); s != "" {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
		}
		return time.Unix(secs, 0), nil
	}
	return time.Now(), nil
}

// usageErr prints a usage error and exits 2.
func usageErr(stderr io.Writer, err error) error {
	fmt.Fprintln(stderr, "lattice:", err)
	return exitErr{exitUsage}
}
