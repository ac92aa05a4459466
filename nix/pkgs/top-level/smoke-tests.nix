# One derivation per package that runs it in the build sandbox and checks
# what it prints: proof that the package runs from the store with only its
# runtime closure (the sandbox holds nothing else).
#
# A package says how in `passthru.smokeTest`:
#   { args = [ … ]; expect = "…"; status = 0; }  run the main program
#                                                  (bin/ or sbin/) with args;
#   { script = "…"; expect = "…"; }               run shell code instead,
#                                                  with $pkg and $program set.
# By default `--version` must exit 0 and print the package's version.
{ lib, pkgs }:
let
  names = builtins.attrNames (import ./packages.nix { callPackage = _: _: null; });
  testable = lib.filter (n: let p = pkgs.${n}; in (p.meta.available or false) && p ? src) names;
  smoke = name:
    let
      pkg = pkgs.${name};
      spec = { args = [ "--version" ]; expect = pkg.version; status = 0; script = ""; }
        // (pkg.smokeTest or { });
    in
    pkgs.runCommand "${pkg.name}-smoke-test"
      {
        inherit pkg;
        main = pkg.meta.mainProgram or "";
        # (`args` would be the builder's arguments.)
        programArgs = spec.args;
        inherit (spec) expect script;
        expectedStatus = toString spec.status;
      } ''
      program=
      for dir in bin sbin; do
        if [ -n "$main" ] && [ -x "$pkg/$dir/$main" ]; then program="$pkg/$dir/$main"; break; fi
      done
      set +e
      if [ -n "$script" ]; then
        eval "$script" > output 2>&1
      elif [ -z "$program" ]; then
        echo "smoke test: $pkg has no bin/$main or sbin/$main" >&2
        exit 1
      else
        "$program" $programArgs > output 2>&1
      fi
      status=$?
      set -e
      cat output
      if [ "$status" != "$expectedStatus" ] || ! grep -qF -- "$expect" output; then
        echo "smoke test of $pkg exited with $status (expected $expectedStatus) and had to print '$expect'" >&2
        exit 1
      fi
      cp output "$out"
    '';
in
lib.genAttrs testable smoke
# Prebuilt Debian binaries (all-packages.nix, no `src`) bring their own.
// { nftables = pkgs.nftables.tests.version; }
