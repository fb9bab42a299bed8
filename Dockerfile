# syntax=docker/dockerfile:1
# The lattice KRM function image: a static binary on distroless, non-root.
#
#   docker build -t ghcr.io/lattice-dev/lattice:dev .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/lattice-dev/lattice:v0.1.0 --push .
#
# Without a Docker daemon, `go run ./tools/imagebuild -o bin/image` builds the
# same image (same user, entrypoint, labels) as an OCI layout. kustomize and
# kpt run it with --network none --user nobody; it needs no HOME, no network
# and no writable root filesystem.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/lattice ./fn

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=
LABEL org.opencontainers.image.title="lattice" \
      org.opencontainers.image.description="Renders LatticeService specs into Kubernetes, Istio, Gateway API and cert-manager objects; a KRM function for kustomize and kpt" \
      org.opencontainers.image.source="https://github.com/lattice-dev/lattice" \
      org.opencontainers.image.url="https://github.com/lattice-dev/lattice" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION"
COPY --from=build /out/lattice /usr/local/bin/lattice
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/lattice"]
