#!/usr/bin/env bash
# Compares cairn's evaluator with the Nix 2.8 peer on the workloads in
# bench/eval/*.nix, each run as `nix-instantiate --eval --strict FILE`
# against `cairn eval --strict FILE`:
#   fib      naive `fib 27` (calls, int arithmetic, comparisons)
#   lists    genList/map/filter/foldl'/sort, a 1,000,000-element pipeline
#   attrs    listToAttrs/mapAttrs/`//`/attrNames on 100k attributes, rec sets
#   strings  interpolation in loops, concatStringsSep, replaceStrings, split
#   pkgset   a 5,000-package fixpoint with callPackage/functionArgs,
#            overlays through `extends`, override and overrideAttrs
#   modules  a module-system-like merge of 20,000 definitions: mkIf,
#            mkOverride, mkMerge, zipAttrsWith, priorities, typed merges
# For each workload it first checks that both print the same output, then
# times both side by side with hyperfine -N (mean wall time, and mean CPU
# time, which a busy machine distorts less) and measures peak RSS with
# /usr/bin/time -f %M (median of three runs), and prints a table of
# cairn/nix ratios (below 1 = cairn is faster / smaller) with the geometric
# means. Exits non-zero when any output differs.
#
# Usage: bench/eval.sh [CAIRN_BINARY] [WORKLOAD...]
#   CAIRN_BINARY defaults to $CARGO_TARGET_DIR/release/cairn, else
#   target/release/cairn (cargo build --release --bin cairn).
# Environment: RUNS (default 10) timed runs per command.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f /work/shared/peers/nix/env.sh ]; then
  # shellcheck disable=SC1091
  . /work/shared/peers/nix/env.sh
fi

cairn=${1:-${CARGO_TARGET_DIR:-$repo/target}/release/cairn}
[ $# -ge 1 ] && shift
runs=${RUNS:-10}
if [ $# -ge 1 ]; then
  workloads=("$@")
else
  workloads=(fib lists attrs strings pkgset modules)
fi

command -v nix-instantiate >/dev/null || { echo "nix-instantiate not found" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 1; }
[ -x "$cairn" ] || { echo "no cairn binary at $cairn" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Median peak RSS in KiB of three runs of a command.
peak_rss() {
  local i
  for i in 1 2 3; do
    /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null
    cat "$tmp/rss"
  done | sort -n | sed -n 2p
}

status=0
: >"$tmp/rows"
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
  nix_rss=$(peak_rss nix-instantiate --eval --strict "$f")
  cairn_rss=$(peak_rss "$cairn" eval --strict "$f")
  echo "$w $tmp/$w.json $nix_rss $cairn_rss" >>"$tmp/rows"
done

python3 - "$tmp/rows" "$runs" <<'PY'
import json, math, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print()
print(f"hyperfine -N, {sys.argv[2]} runs: mean wall time and mean CPU time "
      f"(user+system); peak RSS: median of 3 runs. Ratios are cairn/nix.")
print(f"{'workload':<9} {'nix s':>7} {'cairn s':>8} {'wall c/n':>9} {'cpu c/n':>8}   "
      f"{'nix MiB':>8} {'cairn MiB':>10} {'RSS c/n':>8}")
tr, cr_, mr = [], [], []
for w, js, nr, cr in rows:
    r = {x["command"]: x for x in json.load(open(js))["results"]}
    n, c = r["nix"]["mean"], r["cairn"]["mean"]
    ncpu = r["nix"]["user"] + r["nix"]["system"]
    ccpu = r["cairn"]["user"] + r["cairn"]["system"]
    nr, cr = int(nr) / 1024, int(cr) / 1024
    tr.append(c / n)
    cr_.append(ccpu / ncpu)
    mr.append(cr / nr)
    print(f"{w:<9} {n:7.3f} {c:8.3f} {c / n:9.2f} {ccpu / ncpu:8.2f}   "
          f"{nr:8.1f} {cr:10.1f} {cr / nr:8.2f}")
if tr:
    print(f"{'geomean':<9} {'':7} {'':8} {g(tr):9.2f} {g(cr_):8.2f}   "
          f"{'':8} {'':10} {g(mr):8.2f}")
    print(f"cairn is {1 / g(tr):.2f}x as fast as nix on the geometric mean of wall "
          f"times ({1 / g(cr_):.2f}x of CPU times), slower on "
          f"{sum(x >= 1 for x in tr)} of {len(tr)} workloads; "
          f"peak memory {g(mr):.2f}x of nix's")
PY
exit $status
