#!/usr/bin/env bash
# bench-kustomize.sh — what lattice adds to a kustomize build (issue #8).
#
#   tests/bench-kustomize.sh [-n SERVICES] [-r REPETITIONS]
#
# Generates the synthetic app (tests/gen) and times, REPETITIONS times each,
# interleaved so load drifts hit both alike:
#   lattice  kustomize build with lattice as the exec function
#   floor    the same build with an oracle exec function that reads its
#            input and prints lattice's precomputed answer for it (cat),
#            so kustomize does all of its own work and lattice none
#   render   lattice render DIR (no kustomize)
# and prints the median wall time of each, lattice/floor and floor/render.
# Requirements: lattice ≤ 1.25 × floor; render ≥ 5 × faster than lattice.
# The machine's load (from /proc/loadavg) is printed with the figures.
set -euo pipefail
n=1000 reps=7
while getopts n:r: opt; do
  case $opt in
    n) n=$OPTARG ;;
    r) reps=$OPTARG ;;
    *) echo "usage: $0 [-n SERVICES] [-r REPETITIONS]" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lattice" "$work/oracle" "$work/capture"

go build -C "$root" -trimpath -o "$work/lattice/lattice" ./fn
kustomize=${KUSTOMIZE:-$root/bin/kustomize}
if [ ! -x "$kustomize" ]; then
  GOBIN="$root/bin" go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.1
  kustomize=$root/bin/kustomize
fi
go run -C "$root" ./tests/gen -n "$n" -o "$work/app"

# Capture the ResourceList kustomize sends and lattice's answer to it.
cat > "$work/capture/lattice" <<SH
#!/bin/sh
tee "$work/input.yaml" | "$work/lattice/lattice" > "$work/answer.yaml"
status=\$?
cat "$work/answer.yaml"
exit \$status
SH
chmod +x "$work/capture/lattice"
PATH="$work/capture:$PATH" "$kustomize" build --enable-alpha-plugins --enable-exec "$work/app" > "$work/with-lattice.yaml" 2>/dev/null

# The oracle computes nothing: it drains stdin and prints the answer.
cat > "$work/oracle/lattice" <<SH
#!/bin/sh
cat > /dev/null
exec cat "$work/answer.yaml"
SH
chmod +x "$work/oracle/lattice"
PATH="$work/oracle:$PATH" "$kustomize" build --enable-alpha-plugins --enable-exec "$work/app" > "$work/with-oracle.yaml" 2>/dev/null
cmp -s "$work/with-lattice.yaml" "$work/with-oracle.yaml" || { echo "the oracle build differs from the lattice build" >&2; exit 1; }

timeit() { # label command... ; appends "seconds" to $work/$label
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f\n", b - a}' >> "$work/times-$label"
}
dump() { tr "\n" " " < "$work/times-$1"; echo; }
median() { sort -n "$work/times-$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "services=$n repetitions=$reps load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$reps"); do
  PATH="$work/lattice:$PATH" timeit lattice "$kustomize" build --enable-alpha-plugins --enable-exec "$work/app"
  PATH="$work/oracle:$PATH" timeit floor "$kustomize" build --enable-alpha-plugins --enable-exec "$work/app"
  timeit render "$work/lattice/lattice" render "$work/app"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
l=$(median lattice) f=$(median floor) r=$(median render)
printf 'kustomize build + lattice   %6.3f s (median of %d)\n' "$l" "$reps"
printf 'kustomize build + oracle    %6.3f s (the floor)\n' "$f"
printf 'lattice render              %6.3f s\n' "$r"
awk -v l="$l" -v f="$f" -v r="$r" 'BEGIN {
  printf "lattice / floor             %6.3f (requirement <= 1.25)\n", l / f
  printf "kustomize path / render     %6.2f (requirement >= 5)\n", l / r
}'
echo "runs lattice: $(dump lattice)"; echo "runs floor:   $(dump floor)"
printf 'input %d bytes, answer %d bytes\n' "$(wc -c < "$work/input.yaml")" "$(wc -c < "$work/answer.yaml")"
