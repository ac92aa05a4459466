#!/usr/bin/env bash
# Regenerates expected.txt from cases.txt with the Nix 2.8 peer:
#   . ../shared/peers/nix/env.sh; crates/cairn-eval/tests/differential/generate.sh
# Each case is evaluated with `nix-instantiate --eval --strict -E` from this
# directory; the expectation is the output, or the first line of the error
# followed by its `at FILE:LINE:COL:` line when there is one.
set -euo pipefail
cd "$(dirname "$0")"
export NIX_REMOTE=dummy://
export NIX_PATH=
# `~/…` paths resolve against this (differential.rs passes the same).
export HOME=/fake-home
out=expected.txt
: > "$out.tmp"
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  # A leading space keeps expressions such as `-1` from looking like flags.
  if result=$(nix-instantiate --eval --strict -E " $line" 2>/tmp/cairn-diff-err); then
    printf '=== %s\n%s\n' "$line" "$result" >> "$out.tmp"
  else
    printf '=== %s\n%s\n' "$line" "$(grep -m1 '^error:' /tmp/cairn-diff-err || echo 'error: ?')" >> "$out.tmp"
    # The position of the error, when Nix gives one.
    grep -m1 '^       at ' /tmp/cairn-diff-err | sed 's/^ *//' >> "$out.tmp" || true
  fi
done < cases.txt
sed -i "s|$PWD|@DIR@|g" "$out.tmp"
mv "$out.tmp" "$out"
