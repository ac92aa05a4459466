#!/usr/bin/env bash
# Compares cairn's garbage collector with the Nix 2.8 peer's on N dead
# store paths (small text files added with `store add`, no roots):
#   cairn  `cairn store gc --store ROOT` on a chroot store;
#   nix    `nix-store --gc` with NIX_REMOTE=local?root=ROOT, also a fresh
#          chroot store (the peer's configuration from env.sh otherwise;
#          its shared store under /opt/nix-peer/root is left alone, since
#          collecting it would delete what other users of the peer keep
#          there unrooted).
# Setup is not timed: each store is filled once, then copied afresh
# (cp -a) before every timed run with hyperfine's --prepare.
#
# Usage: bench/gc.sh [CAIRN_BINARY]
#   CAIRN_BINARY defaults to $CARGO_TARGET_DIR/release/cairn, else
#   target/release/cairn (cargo build --release --bin cairn).
# Environment: N (default 10000), RUNS (default 5).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f /work/shared/peers/nix/env.sh ]; then
  # shellcheck disable=SC1091
  . /work/shared/peers/nix/env.sh
fi
target=${CARGO_TARGET_DIR:-$repo/target}
cairn=${1:-$target/release/cairn}
n=${N:-10000}
runs=${RUNS:-5}

command -v nix-store >/dev/null || { echo "nix-store not found" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 1; }
[ -x "$cairn" ] || { echo "no cairn binary at $cairn" >&2; exit 1; }

tmp=$(mktemp -d)
cleanup() {
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "Writing $n small files"
mkdir -p "$tmp/files"
(
  cd "$tmp/files"
  for ((i = 0; i < n; i++)); do
    printf 'dead path %d\n' "$i" > "f$i"
  done
)

# Adds every file, 1000 paths per command.
add_all() {
  (cd "$tmp/files" && find . -name 'f*' -printf '%f\n' | xargs -n 1000 "$@" >/dev/null)
}

echo "Filling the cairn store"
add_all "$cairn" store add --store "$tmp/cairn-pristine"
echo "Filling the nix store"
NIX_REMOTE="local?root=$tmp/nix-pristine" add_all nix-store --add

count() { find "$1/nix/store" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l; }
echo "cairn store: $(count "$tmp/cairn-pristine") paths; nix store: $(count "$tmp/nix-pristine") paths"

fresh() { # fresh PRISTINE COPY
  printf 'chmod -R u+w %q 2>/dev/null; rm -rf %q; cp -a %q %q' "$2" "$2" "$1" "$2"
}

hyperfine --runs "$runs" --export-json "$tmp/gc.json" \
  --command-name "cairn store gc" \
  --prepare "$(fresh "$tmp/cairn-pristine" "$tmp/cairn")" \
  "$cairn store gc --store $tmp/cairn" \
  --command-name "nix-store --gc" \
  --prepare "$(fresh "$tmp/nix-pristine" "$tmp/nix")" \
  "NIX_REMOTE=local?root=$tmp/nix nix-store --gc"

# Both collectors must have deleted everything.
echo "left after the last runs: cairn $(count "$tmp/cairn"), nix $(count "$tmp/nix")"

python3 - "$tmp/gc.json" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
cairn = results["cairn store gc"]["median"]
nix = results["nix-store --gc"]["median"]
print(f"median: cairn {cairn * 1000:.0f} ms, nix {nix * 1000:.0f} ms; cairn is {nix / cairn:.1f}x faster")
EOF
