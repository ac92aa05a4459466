#!/usr/bin/env bash
# Times `nix-instantiate --eval --strict` (the Nix peer) against
# `cairn eval --strict` on the workloads in bench/eval/*.nix:
#   fib      naive `fib 27` (calls, int arithmetic, comparisons)
#   attrs    listToAttrs/mapAttrs/`//`/attrNames on 100k attributes
#   lists    genList/map/filter/foldl'/sort on 100k-1M elements
#   strings  interpolation in loops, concatStringsSep, replaceStrings
# Checks that both print the same output first, then runs hyperfine -N and
# prints the time ratio cairn/nix per workload (below 1 = cairn is faster).
#
# Usage: bench/eval.sh [CAIRN_BINARY] [WORKLOAD...]
#   CAIRN_BINARY defaults to target/release/cairn (build it with
#   cargo build --release --bin cairn).
# Environment: RUNS (default 10) timed runs per command.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f /work/shared/peers/nix/env.sh ]; then
  # shellcheck disable=SC1091
  . /work/shared/peers/nix/env.sh
fi

cairn=${1:-$repo/target/release/cairn}
[ $# -ge 1 ] && shift
runs=${RUNS:-10}
if [ $# -ge 1 ]; then
  workloads=("$@")
else
  workloads=(fib attrs lists strings)
fi

command -v nix-instantiate >/dev/null || { echo "nix-instantiate not found" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 1; }
[ -x "$cairn" ] || { echo "no cairn binary at $cairn" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

summary=()
status=0
for w in "${workloads[@]}"; do
  f=$repo/bench/eval/$w.nix
  nix-instantiate --eval --strict "$f" >"$tmp/nix.out"
  "$cairn" eval --strict "$f" >"$tmp/cairn.out"
  if ! cmp -s "$tmp/nix.out" "$tmp/cairn.out"; then
    echo "MISMATCH on $w:" >&2
    diff "$tmp/nix.out" "$tmp/cairn.out" | head -5 >&2
    status=1
    continue
  fi
  hyperfine -N --warmup 1 --runs "$runs" --style basic \
    --export-json "$tmp/$w.json" \
    -n nix "nix-instantiate --eval --strict $f" \
    -n cairn "$cairn eval --strict $f" >&2
  summary+=("$(python3 - "$tmp/$w.json" "$w" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
n, c = r["nix"]["mean"], r["cairn"]["mean"]
print(f"{sys.argv[2]:<8} nix {n:7.3f} s   cairn {c:7.3f} s   cairn/nix {c / n:5.2f}")
PY
)")
done

echo
echo "workload    mean times (hyperfine -N, $runs runs)"
for line in "${summary[@]}"; do echo "$line"; done
exit $status
