#!/usr/bin/env bash
# Regenerates every fixture that comes from the Nix 2.8 peer, crate by
# crate. Each crate's script can also be run on its own; all of them need
# the peer set up first:
#
#   sudo ../shared/peers/nix/setup.sh
#   scripts/generate-fixtures.sh            # all of them
#   scripts/generate-fixtures.sh nar drv    # only some: nar drv narinfo cli eval
#                                           # instantiate parse latest profile nixlib glue
#
# Review the diff before committing: a changed fixture means Nix's output
# (or the script) changed, and the tests will hold cairn to the new bytes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
peer_env="$repo/../shared/peers/nix/env.sh"
if [ ! -f "$peer_env" ]; then
    echo "generate-fixtures: $peer_env not found; the Nix peer lives in ../shared" >&2
    exit 1
fi
# shellcheck disable=SC1090
. "$peer_env"
declare -A scripts=(
    [nar]=crates/cairn-nar/tests/fixtures/generate.sh
    [drv]=crates/cairn-derivation/tests/fixtures/generate.sh
    [narinfo]=crates/cairn-narinfo/tests/fixtures/generate.sh
    [cli]=crates/cairn-cli/tests/it/fixtures/generate.sh
    [eval]=crates/cairn-eval/tests/differential/generate.sh
    [instantiate]=crates/cairn-cli/tests/it/fixtures/nix-2.8/instantiate/generate.sh
    [parse]=crates/cairn-cli/tests/it/fixtures/nix-2.8/parse/generate.sh
    [latest]=crates/cairn-eval/tests/latest/generate.sh
    [profile]=crates/cairn-profile/tests/fixtures/generate.sh
    [nixlib]=nix/lib/tests/peer.sh
    [glue]=crates/cairn-glue/tests/fixtures/generate.sh
)
order=(nar drv narinfo cli eval instantiate parse latest profile nixlib glue)
if [ $# -gt 0 ]; then order=("$@"); fi

for name in "${order[@]}"; do
    script=${scripts[$name]:-}
    if [ -z "$script" ]; then
        echo "generate-fixtures: unknown set '$name' (known: ${!scripts[*]})" >&2
        exit 2
    fi
    echo "==> $name: $script" >&2
    bash "$repo/$script"
done
