#!/usr/bin/env bash
# Times a no-op `cairn system switch` (nothing changed since the last
# switch) of an example configuration into a scratch root, and reports
# evaluation, build planning and activation separately (from the lines
# `cairn system switch` prints). Goal: the whole no-op switch under 1 s.
#
#   bench/system-switch.sh [CONFIG] [RUNS]
#
# CONFIG defaults to examples/home-lab/configuration.nix. The first switch
# builds what is missing (the whole collection the first time: long); set
# STORE=/ to use the machine's store (as root) so that an earlier build is
# reused. The scratch root is a temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
config="${1:-examples/home-lab/configuration.nix}"
runs="${2:-10}"
cairn="${CAIRN:-$PWD/target/release/cairn}"
[ -x "$cairn" ] || cargo build --release --bin cairn
root="$(mktemp -d "${TMPDIR:-/tmp}/cairn-switch-bench.XXXXXX")"
trap 'chmod -R u+w "$root" 2>/dev/null; rm -rf "$root"' EXIT
store=(--store "${STORE:-$root}")

echo "first switch (builds what is missing) ..." >&2
"$cairn" system switch -c "$config" --root "$root" "${store[@]}" > /dev/null

totals=() evals=() builds=() activations=()
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    out="$("$cairn" system switch -c "$config" --root "$root" "${store[@]}" 2>&1 > /dev/null)"
    end=$(date +%s%N)
    totals+=($(( (end - start) / 1000000 )))
    ms() { # "408ms" or "1.2s" -> milliseconds
        case "$1" in *ms) echo "${1%ms}" ;; *s) awk -v s="${1%s}" 'BEGIN { printf "%d", s * 1000 }' ;; *) echo 0 ;; esac
    }
    evals+=("$(ms "$(sed -n 's/^Evaluated in \([^,]*\),.*/\1/p' <<< "$out")")")
    builds+=("$(ms "$(sed -n 's/.*, built in \(.*\)$/\1/p' <<< "$out")")")
    activations+=("$(ms "$(sed -n 's/^Activated in \([^:]*\).*/\1/p' <<< "$out")")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "no-op switch of $config, median of $runs runs:"
echo "  total       $(median "${totals[@]}") ms"
echo "  evaluation  $(median "${evals[@]}") ms"
echo "  build plan  $(median "${builds[@]}") ms (nothing to build)"
echo "  activation  $(median "${activations[@]}") ms"
