#!/usr/bin/env bash
# Times `nix hash path` (the Nix peer) against cairn's on two trees built in
# a temporary directory:
#   large: 1 GiB in 8 files of 128 MiB
#   small: 100,000 files (100 directories of 1,000, 0-4000 bytes each)
# Both tools read from a warm page cache (hyperfine warms up first), first
# with all CPUs, then pinned to one CPU.
#
# Usage: bench/hash-path.sh [CAIRN_COMMAND]
#   CAIRN_COMMAND defaults to "target/release/cairn hash path" when that
#   binary exists, else to cairn-nar's example
#   "$CARGO_TARGET_DIR/release/examples/hash_path" (build it with
#   cargo build --release -p cairn-nar --example hash_path).
# Environment: RUNS (default 5) timed runs per command; KEEP_TREES=DIR
# reuses/creates the trees in DIR instead of a fresh temporary directory.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f /work/shared/peers/nix/env.sh ]; then
  # shellcheck disable=SC1091
  . /work/shared/peers/nix/env.sh
fi

if [ $# -ge 1 ]; then
  cairn=$1
elif [ -x "$repo/target/release/cairn" ]; then
  cairn="$repo/target/release/cairn hash path"
else
  cairn="${CARGO_TARGET_DIR:-$repo/target}/release/examples/hash_path"
fi
runs=${RUNS:-5}

if [ -n "${KEEP_TREES:-}" ]; then
  work=$KEEP_TREES; mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

if [ ! -d "$work/large" ]; then
  echo "creating $work/large (1 GiB) ..." >&2
  mkdir "$work/large.tmp"
  for i in 1 2 3 4 5 6 7 8; do
    (set +o pipefail; yes "cairn bench large file $i 0123456789abcdefghijklmnopqrstuvwxyz" | head -c 134217728 > "$work/large.tmp/file-$i")
  done
  mv "$work/large.tmp" "$work/large"
fi
if [ ! -d "$work/small" ]; then
  echo "creating $work/small (100,000 files) ..." >&2
  mkdir "$work/small.tmp"
  for d in $(seq -w 0 99); do mkdir "$work/small.tmp/dir-$d"; done
  awk -v root="$work/small.tmp" 'BEGIN {
    line = "the quick brown fox jumps over the lazy dog 0123456789\n"
    chunk = line; while (length(chunk) < 4096) chunk = chunk chunk
    for (d = 0; d < 100; d++) for (f = 0; f < 1000; f++) {
      path = sprintf("%s/dir-%02d/file-%04d.txt", root, d, f)
      printf "%s", substr(chunk, 1, (d * 1000 + f) * 37 % 4001) > path
      close(path)
    }
  }'
  mv "$work/small.tmp" "$work/small"
fi

echo "cairn: $cairn" >&2
for tree in large small; do
  nix_hash=$(nix hash path "$work/$tree")
  # shellcheck disable=SC2086
  cairn_hash=$($cairn "$work/$tree")
  if [ "$nix_hash" != "$cairn_hash" ]; then
    echo "MISMATCH on $tree: nix $nix_hash, cairn $cairn_hash" >&2
    exit 1
  fi
done

# measure NAME COMMAND → prints "WALL CPU": mean wall-clock seconds and mean
# CPU seconds (user + system). On a shared host the CPU time is the fairer
# number: it is what one core spends, whatever else runs.
measure() {
  local name=$1; shift
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/$name.json" "$1" >&2
    awk '/"mean"/ { gsub(/[",]/, ""); m = $2 } /"user"/ { gsub(/[",]/, ""); u = $2 }
         /"system"/ { gsub(/[",]/, ""); s = $2; exit } END { print m, u + s }' "$work/$name.json"
  else
    # shellcheck disable=SC2086
    $1 >/dev/null
    local best= t0 t1 c0 c1
    for _ in $(seq "$runs"); do
      t0=$(date +%s%N)
      # shellcheck disable=SC2086
      c1=$( { /usr/bin/time -f "%U %S" $1 >/dev/null; } 2>&1 | awk '{ print $1 + $2 }')
      t1=$(date +%s%N)
      t=$(( t1 - t0 )); if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; c0=$c1; fi
    done
    awk -v ns="$best" -v c="$c0" 'BEGIN { printf "%.6f %s\n", ns / 1e9, c }'
  fi
}

# Each tree twice: with every CPU the process may use, then pinned to one
# CPU with taskset (cairn then neither prefetches nor reads ahead on a
# second thread, so this is its single-core throughput).
modes=("all CPUs|")
if command -v taskset >/dev/null; then modes+=("one CPU|taskset -c 0 "); fi
for mode in "${modes[@]}"; do
  label=${mode%%|*}; prefix=${mode#*|}
  echo "== $label" 
  for tree in large small; do
    bytes=$(du -sb "$work/$tree" | cut -f1)
    read -r nix_wall nix_cpu < <(measure "nix-$tree" "${prefix}nix hash path $work/$tree")
    read -r cairn_wall cairn_cpu < <(measure "cairn-$tree" "${prefix}$cairn $work/$tree")
    awk -v t="$tree" -v nw="$nix_wall" -v nc="$nix_cpu" -v cw="$cairn_wall" -v cc="$cairn_cpu" -v b="$bytes" 'BEGIN {
      printf "%-6s wall: nix %.3f s (%.2f GB/s)  cairn %.3f s (%.2f GB/s)  ratio %.2fx\n", t, nw, b / nw / 1e9, cw, b / cw / 1e9, nw / cw
      printf "%-6s cpu:  nix %.3f s (%.2f GB/s)  cairn %.3f s (%.2f GB/s)  ratio %.2fx\n", t, nc, b / nc / 1e9, cc, b / cc / 1e9, nc / cc
    }'
  done
done
