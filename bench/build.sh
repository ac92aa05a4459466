#!/usr/bin/env bash
# Compares cairn's builder with the Nix 2.8 peer's on N trivial derivations
# (`echo I > $out` with busybox's sh, sandboxed, no substituters), built
# with -j JOBS:
#   cairn  `cairn store realise --store ROOT -j JOBS --no-link DRV…` on a
#          fresh chroot store whose .drv files the bench-derivations
#          example writes (busybox imported as the only tool);
#   nix    `nix-store --realise --max-jobs JOBS DRV…` with the peer, on a
#          fresh chroot store too, after `nix-instantiate` of the same
#          graph (builder /bin/sh, which the peer's sandbox-paths bind to
#          busybox).
# Only the realisation is timed. Every run uses a fresh nonce in the
# derivation names, so nothing is valid beforehand. LAYERS > 1 chains the
# derivations into that many layers (each depends on one of the layer
# before), to exercise the scheduler.
#
# Usage: bench/build.sh [CAIRN_BINARY]
#   CAIRN_BINARY defaults to $CARGO_TARGET_DIR/release/cairn, else
#   target/release/cairn (cargo build --release --bin cairn).
# Environment: N (default 1000), JOBS (default 2), LAYERS (default 1),
#   RUNS (default 3; the median is reported).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f /work/shared/peers/nix/env.sh ]; then
  # shellcheck disable=SC1091
  . /work/shared/peers/nix/env.sh
fi
target=${CARGO_TARGET_DIR:-$repo/target}
cairn=${1:-$target/release/cairn}
n=${N:-1000}
jobs=${JOBS:-2}
layers=${LAYERS:-1}
runs=${RUNS:-3}

command -v nix-store >/dev/null || { echo "nix-store not found" >&2; exit 1; }
[ -x "$cairn" ] || { echo "no cairn binary at $cairn" >&2; exit 1; }
(cd "$repo" && cargo build --quiet --release -p cairn-build --example bench-derivations)
gen=$target/release/examples/bench-derivations

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seconds since the epoch with nanoseconds.
now() { date +%s.%N; }

# The same graph as a Nix expression for the peer.
nix_expr() {
  local nonce=$1
  cat <<EOF
let
  n = $n; layers = $layers;
  perLayer = (n + layers - 1) / layers;
  mk = i: prev: derivation ({
    name = "bench-$nonce-\${toString i}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo \${toString i} > \$out" ];
  } // (if prev == null then {} else { dep = prev; }));
  layer = l: prevLayer: builtins.genList (j:
    let i = l * perLayer + j; in
    mk i (if prevLayer == [] then null
          else builtins.elemAt prevLayer (j - (j / builtins.length prevLayer) * builtins.length prevLayer)))
    (let left = n - l * perLayer; in if left < perLayer then left else perLayer);
  go = l: prev: if l == layers then [] else let this = layer l prev; in this ++ go (l + 1) this;
in go 0 []
EOF
}

cairn_times=()
nix_times=()
for run in $(seq 1 "$runs"); do
  nonce="c$(date +%s%N)"
  root=$tmp/cairn-$run
  "$gen" "$root" "$n" "$layers" "$nonce" >"$tmp/drvs"
  start=$(now)
  "$cairn" store realise --store "$root" -j "$jobs" --no-link $(cat "$tmp/drvs") >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  end=$(now)
  [ "$(wc -l <"$tmp/out")" -eq "$n" ] || { echo "cairn built $(wc -l <"$tmp/out") of $n" >&2; exit 1; }
  cairn_times+=("$(echo "$end - $start" | bc)")
  rm -rf "$root"

  nonce="x$(date +%s%N)"
  nix_expr "$nonce" >"$tmp/bench.nix"
  nix_root=$tmp/nix-$run
  NIX_REMOTE="local?root=$nix_root" nix-instantiate "$tmp/bench.nix" >"$tmp/nixdrvs" 2>/dev/null
  start=$(now)
  NIX_REMOTE="local?root=$nix_root" nix-store --realise --max-jobs "$jobs" $(cat "$tmp/nixdrvs") \
    >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  end=$(now)
  [ "$(wc -l <"$tmp/out")" -eq "$n" ] || { echo "nix built $(wc -l <"$tmp/out") of $n" >&2; exit 1; }
  nix_times+=("$(echo "$end - $start" | bc)")
  rm -rf "$nix_root" 2>/dev/null || { chmod -R u+w "$nix_root" && rm -rf "$nix_root"; }
  printf 'run %d: cairn %.2fs  nix %.2fs\n' "$run" "${cairn_times[-1]}" "${nix_times[-1]}"
done

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
c=$(median "${cairn_times[@]}")
x=$(median "${nix_times[@]}")
printf '%d derivations, -j %d, %d layer(s), median of %d runs\n' "$n" "$jobs" "$layers" "$runs"
printf '  cairn store realise  %7.2fs  (%.1f ms per derivation)\n' "$c" "$(echo "$c * 1000 / $n" | bc -l)"
printf '  nix-store --realise  %7.2fs  (%.1f ms per derivation)\n' "$x" "$(echo "$x * 1000 / $n" | bc -l)"
printf '  nix / cairn          %7.2fx\n' "$(echo "$x / $c" | bc -l)"
