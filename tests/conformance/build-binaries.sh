#!/usr/bin/env bash
# Builds kube-apiserver and etcd for the API-server conformance tier from the
# Go module proxy into a cache dir outside git, and prints that dir on the
# last line of stdout. Skips the build when both binaries already exist.
#
#   LATTICE_ENVTEST_DIR  override the output dir
#   K8S_VERSION / ETCD_VERSION  override the pinned versions
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
# Staging modules (k8s.io/api, ...) are published as v0.X.Y for kubernetes v1.X.Y.
STAGING_VERSION=v0.${K8S_VERSION#v1.}
DIR=${LATTICE_ENVTEST_DIR:-$HOME/.cache/lattice/envtest/k8s-$K8S_VERSION-etcd-$ETCD_VERSION}

log() { echo "build-binaries: $*" >&2; }
have() { [[ -x $DIR/kube-apiserver && -x $DIR/etcd ]]; }

mkdir -p "$DIR"
if have; then echo "$DIR"; exit 0; fi

# Serialise concurrent callers (e.g. parallel test packages) on one lock.
if command -v flock >/dev/null; then
	exec 9>"$DIR/.lock"
	flock 9
	if have; then echo "$DIR"; exit 0; fi
fi

WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
# Throwaway modules must not pick up a go.work or vendor dir from elsewhere.
export GOWORK=off CGO_ENABLED=0
GOVER=$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')

if [[ ! -x $DIR/etcd ]]; then
	log "building etcd $ETCD_VERSION (cold: ~1-2 min)"
	mkdir -p "$WORK/etcd"
	cat >"$WORK/etcd/go.mod" <<MOD
module lattice.local/envtest/etcd

go $GOVER

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
	cat >"$WORK/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
	(cd "$WORK/etcd" && go build -mod=mod -trimpath -ldflags='-s -w' -o "$DIR/etcd.tmp" .)
	mv "$DIR/etcd.tmp" "$DIR/etcd"
fi

if [[ ! -x $DIR/kube-apiserver ]]; then
	log "building kube-apiserver $K8S_VERSION (cold: ~20 CPU-min, ~11 min on 2 idle cores)"
	mkdir -p "$WORK/k8s"
	# kubernetes points every k8s.io staging module at ./staging/src, which does
	# not exist outside its repo: redirect each to the published version.
	GOMOD=$(cd "$WORK/k8s" && go list -m -json "k8s.io/kubernetes@$K8S_VERSION" |
		sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
	STAGING=$(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/src/.*#\1#p' "$GOMOD")
	[[ -n $STAGING ]] || { log "no staging replaces found in $GOMOD"; exit 1; }
	{
		printf 'module lattice.local/envtest/k8s\n\ngo %s\n\nrequire k8s.io/kubernetes %s\n\n' "$GOVER" "$K8S_VERSION"
		for m in $STAGING; do printf 'replace %s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
	} >"$WORK/k8s/go.mod"
	MINOR=${K8S_VERSION#v1.}
	MINOR=${MINOR%%.*}
	V=k8s.io/component-base/version
	LDFLAGS="-s -w -X $V.gitVersion=$K8S_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$MINOR -X $V.gitTreeState=clean"
	(cd "$WORK/k8s" && go build -mod=mod -trimpath -ldflags="$LDFLAGS" -o "$DIR/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
	mv "$DIR/kube-apiserver.tmp" "$DIR/kube-apiserver"
fi

log "etcd: $("$DIR/etcd" --version | head -1)"
log "kube-apiserver: $("$DIR/kube-apiserver" --version)"
echo "$DIR"
