#!/usr/bin/env bash
# Installing one already-built package into a profile of 1,000 packages:
#   cairn  `cairn profile install --profile P --store ROOT PATH` on a chroot
#          store;
#   nix    `nix-env -p P -i PATH` with the Nix 2.8 peer, on its own store
#          bind-mounted on /nix in a private mount namespace (see below).
# Both stores hold the same N+1 trivial packages (`pkgI-1.0/bin/pkgI`,
# and `extra-1.0/bin/extra`), added from the same directories, so the
# store paths are equal. Setup (adding the packages, installing the N into
# each profile) is not timed. Before every timed run the profile is
# switched back to the generation holding the N packages (hyperfine
# --prepare), so each run really adds the package and makes a generation.
# Goal: cairn under 50 ms and faster than nix-env.
#
# That is the warm case: after the first run the environment of N+1
# packages already exists, and both reuse it (nix-env's buildenv
# derivation is already built; cairn's environment cache has it). A
# second, cold measurement installs a package never installed before on
# every run (cold1-1.0, cold2-1.0, ...), so each run merges a new
# environment of N+1 packages. Each cold run goes through a small bash
# wrapper that picks the next package (the same overhead for both).
#
# Usage: bench/profile-install.sh [CAIRN_BINARY]
#   CAIRN_BINARY defaults to $CARGO_TARGET_DIR/release/cairn, else
#   target/release/cairn (cargo build --release -p cairn-cli).
# Environment: N (default 1000), RUNS (default 10).
set -euo pipefail

# The peer's `nix-env` reads the current generation's manifest through the
# real file system, so with a chroot store (files not at /nix/store) it
# sees an empty profile and would only ever merge one package. So the
# whole run happens in a private mount namespace (as root) in which a
# fresh directory is bind-mounted on /nix and the peer uses a plain local
# store; nothing outside the namespace sees it.
if [ -z "${PROFILE_BENCH_NS:-}" ]; then
  exec env PROFILE_BENCH_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -f /work/shared/peers/nix/env.sh ]; then
  # shellcheck disable=SC1091
  . /work/shared/peers/nix/env.sh
fi
target=${CARGO_TARGET_DIR:-$repo/target}
cairn=${1:-$target/release/cairn}
n=${N:-1000}
runs=${RUNS:-10}

command -v nix-env >/dev/null || { echo "nix-env not found" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 1; }
[ -x "$cairn" ] || { echo "no cairn binary at $cairn" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# The package trees.
mkdir -p "$tmp/src"
for i in $(seq 1 "$n"); do
  mkdir -p "$tmp/src/pkg$i-1.0/bin"
  printf '#!/bin/sh\necho %s\n' "$i" > "$tmp/src/pkg$i-1.0/bin/pkg$i"
done
mkdir -p "$tmp/src/extra-1.0/bin"
printf '#!/bin/sh\necho extra\n' > "$tmp/src/extra-1.0/bin/extra"
cold_count=$((runs + 1))
for k in $(seq 1 "$cold_count"); do
  mkdir -p "$tmp/src/cold$k-1.0/bin"
  printf '#!/bin/sh\necho cold %s\n' "$k" > "$tmp/src/cold$k-1.0/bin/cold$k"
done
packages=()
for i in $(seq 1 "$n"); do packages+=("$tmp/src/pkg$i-1.0"); done
colds=()
for k in $(seq 1 "$cold_count"); do colds+=("$tmp/src/cold$k-1.0"); done

# cairn: a chroot store, the N packages in one generation.
croot=$tmp/cairn
cprofile=$croot/nix/var/cairn/profiles/bench
mapfile -t cpaths < <("$cairn" store add --store "$croot" "${packages[@]}")
cextra=$("$cairn" store add --store "$croot" "$tmp/src/extra-1.0")
"$cairn" store add --store "$croot" "${colds[@]}" > "$tmp/cairn-cold"
mkdir -p "$(dirname "$cprofile")"
export TMPDIR=$tmp
"$cairn" profile install --store "$croot" --profile "$cprofile" "${cpaths[@]}" >/dev/null

# The peer: its own store on /nix (in this namespace only), the N
# packages in one generation.
mkdir -p "$tmp/nix"
mount --bind "$tmp/nix" /nix
export NIX_REMOTE=local
nprofile=$tmp/nix-profile/bench
mkdir -p "$(dirname "$nprofile")"
mapfile -t npaths < <(nix-store --add "${packages[@]}")
nextra=$(nix-store --add "$tmp/src/extra-1.0")
nix-store --add "${colds[@]}" > "$tmp/nix-cold"
[ "$nextra" = "$cextra" ] || { echo "store paths differ: $nextra vs $cextra" >&2; exit 1; }
nix-env -p "$nprofile" -i "${npaths[@]}" >/dev/null 2>&1

# Both profiles must hold the N packages, or the timing means nothing.
count=$("$cairn" profile list --store "$croot" --profile "$cprofile" | wc -l)
[ "$count" -eq "$n" ] || { echo "cairn's profile has $count packages, not $n" >&2; exit 1; }
count=$(nix-env -p "$nprofile" -q | wc -l)
[ "$count" -eq "$n" ] || { echo "nix-env's profile has $count packages, not $n" >&2; exit 1; }

hyperfine --runs "$runs" --warmup 1 --export-json "$tmp/result.json" \
  --prepare "'$cairn' profile switch 1 --store '$croot' --profile '$cprofile' >/dev/null" \
  -n cairn "'$cairn' profile install --store '$croot' --profile '$cprofile' '$cextra'" \
  --prepare "nix-env -p '$nprofile' --switch-generation 1 >/dev/null 2>&1" \
  -n nix-env "nix-env -p '$nprofile' -i '$nextra'"

# The cold runs: the next never-installed package each time.
echo 0 > "$tmp/cairn-count"
echo 0 > "$tmp/nix-count"
cat > "$tmp/cold-cairn.sh" <<EOF
k=\$((\$(cat '$tmp/cairn-count') + 1)); echo \$k > '$tmp/cairn-count'
exec '$cairn' profile install --store '$croot' --profile '$cprofile' \$(sed -n "\${k}p" '$tmp/cairn-cold') > /dev/null 2>&1
EOF
cat > "$tmp/cold-nix.sh" <<EOF
k=\$((\$(cat '$tmp/nix-count') + 1)); echo \$k > '$tmp/nix-count'
exec nix-env -p '$nprofile' -i \$(sed -n "\${k}p" '$tmp/nix-cold') > /dev/null 2>&1
EOF
hyperfine --runs "$runs" --export-json "$tmp/cold.json" \
  --prepare "'$cairn' profile switch 1 --store '$croot' --profile '$cprofile' >/dev/null" \
  -n cairn "bash '$tmp/cold-cairn.sh'" \
  --prepare "nix-env -p '$nprofile' --switch-generation 1 >/dev/null 2>&1" \
  -n nix-env "bash '$tmp/cold-nix.sh'"

python3 - "$tmp/result.json" "$tmp/cold.json" "$n" <<'EOF'
import json, sys
def medians(path):
    results = {r["command"]: r for r in json.load(open(path))["results"]}
    return results["cairn"]["median"], results["nix-env"]["median"]
print(f"profile of {sys.argv[3]} packages, install one more (median):")
for label, path in [("warm (environment made before)", sys.argv[1]),
                    ("cold (new environment each run)", sys.argv[2])]:
    cairn, nix = medians(path)
    print(f"  {label}:")
    print(f"    cairn   {cairn * 1000:8.1f} ms")
    print(f"    nix-env {nix * 1000:8.1f} ms")
    print(f"    ratio   {nix / cairn:8.2f}x (nix-env / cairn)")
print("goal: cairn < 50 ms and faster than nix-env")
EOF
