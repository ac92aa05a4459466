#!/usr/bin/env bash
# Runs nix/lib's tests under the Nix 2.8 peer (no nixpkgs involved: the
# library is our own) and records the peer's module-system error
# messages as the fixtures errors/expected/*.txt, which
# crates/cairn-eval/tests/nix_lib.rs compares cairn's messages with.
#
#   nix/lib/tests/peer.sh     (from anywhere; needs the peer in ../shared)
#   scripts/generate-fixtures.sh nixlib
#
# Exits non-zero when a library test fails under the peer or an error
# case does not fail.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck disable=SC1091
. "$repo/../shared/peers/nix/env.sh"

failures=$(nix-instantiate --eval --strict "$here/run.nix")
if [ "$failures" != "[ ]" ]; then
  echo "library tests fail under $(nix-instantiate --version):" >&2
  echo "$failures" >&2
  exit 1
fi
cases=$(grep -c '^  test' "$here"/{lists,strings,attrsets,misc,modules}.nix | awk -F: '{ n += $2 } END { print n }')
echo "run.nix: all $cases cases pass under $(nix-instantiate --version)"

# The message as Nix prints it, without "error: ", the 7-space
# indentation of its continuation lines, the --show-trace hint and
# trailing blanks; the tests directory is written as <tests>.
mkdir -p "$here/errors/expected"
for f in "$here"/errors/*.nix; do
  name=$(basename "$f" .nix)
  if out=$(nix-instantiate --eval --strict "$f" 2>&1); then
    echo "errors/$name.nix evaluated without an error: $out" >&2
    exit 1
  fi
  printf '%s\n' "$out" \
    | grep -v "^(use '--show-trace' to show detailed location information)$" \
    | sed -e '1s/^error: \{0,1\}//' -e '2,$s/^       //' -e 's/[[:space:]]*$//' \
    | sed -e "s|$here|<tests>|g" \
    | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}' \
    > "$here/errors/expected/$name.txt"
done
echo "errors/expected: $(ls "$here"/errors/*.nix | wc -l) messages recorded"
