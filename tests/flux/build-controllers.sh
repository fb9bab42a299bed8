#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller from the Go module
# proxy into a cache dir outside git, copies their CRDs next to them, and
# prints that dir on the last line of stdout. Skips what already exists.
#
# Built as dependencies, the controllers' own `replace` lines are ignored:
# each throwaway module below repeats them, with the published api modules in
# place of `api => ./api`. source-controller v1.9.6 requires
# fluxcd/pkg/artifact v0.18.3, which the proxy does not serve; v0.18.0 is.
# (v1.10.x need fluxcd/pkg modules the proxy does not serve either.)
#
#   LATTICE_FLUX_DIR  override the output dir
#   FLUX_VERSION      override the pinned controller version
set -euo pipefail

FLUX_VERSION=${FLUX_VERSION:-v1.9.6}
DIR=${LATTICE_FLUX_DIR:-$HOME/.cache/lattice/flux/$FLUX_VERSION}

log() { echo "build-controllers: $*" >&2; }
have() { [[ -x $DIR/source-controller && -x $DIR/kustomize-controller && -d $DIR/crds ]]; }

mkdir -p "$DIR"
if have; then echo "$DIR"; exit 0; fi
if command -v flock >/dev/null; then
	exec 9>"$DIR/.lock"
	flock 9
	if have; then echo "$DIR"; exit 0; fi
fi

WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
export GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
GOVER=$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')

# build NAME EXTRA_REPLACES: one module per controller, as its own go.mod
# would resolve it.
build() {
	local name=$1 replaces=$2
	[[ -x $DIR/$name ]] && return
	log "building $name $FLUX_VERSION (cold: several CPU-minutes)"
	mkdir -p "$WORK/$name"
	cat >"$WORK/$name/go.mod" <<MOD
module lattice.local/flux/$name

go $GOVER

require github.com/fluxcd/$name $FLUX_VERSION

replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be
$replaces
MOD
	(cd "$WORK/$name" && go get "github.com/fluxcd/$name@$FLUX_VERSION" "github.com/fluxcd/$name/api@$FLUX_VERSION" &&
		go build -trimpath -ldflags='-s -w' -o "$DIR/$name.tmp" "github.com/fluxcd/$name")
	mv "$DIR/$name.tmp" "$DIR/$name"
}

build source-controller 'replace github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.0'
build kustomize-controller 'replace (
	sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1
	sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.21.1
	gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
)'

if [[ ! -d $DIR/crds ]]; then
	mkdir -p "$DIR/crds.tmp"
	for name in source-controller kustomize-controller; do
		src=$(go mod download -json "github.com/fluxcd/$name@$FLUX_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
		cp "$src"/config/crd/bases/*.yaml "$DIR/crds.tmp/"
	done
	chmod -R u+w "$DIR/crds.tmp"
	mv "$DIR/crds.tmp" "$DIR/crds"
fi

log "source-controller, kustomize-controller $FLUX_VERSION in $DIR"
echo "$DIR"
