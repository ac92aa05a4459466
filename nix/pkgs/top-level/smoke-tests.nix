# One derivation per package that runs its main program in the build
# sandbox and checks what it prints: proof that the package runs from the
# store with only its runtime closure (the sandbox holds nothing else).
#
# A package says how in `passthru.smokeTest = { args; expect; status; }`;
# by default `--version` must exit 0 and print the package's version.
{ lib, pkgs }:
let
  names = builtins.attrNames (import ./packages.nix { callPackage = _: _: null; });
  testable = lib.filter (n: let p = pkgs.${n}; in (p.meta.available or false) && p ? src && p.meta ? mainProgram) names;
  smoke = name:
    let
      pkg = pkgs.${name};
      spec = { args = [ "--version" ]; expect = pkg.version; status = 0; } // (pkg.smokeTest or { });
      program = "${pkg}/bin/${pkg.meta.mainProgram}";
    in
    pkgs.runCommand "${pkg.name}-smoke-test"
      {
        inherit program;
        args = spec.args;
        expect = spec.expect;
        expectedStatus = toString spec.status;
      } ''
      set +e
      "$program" $args > output 2>&1
      status=$?
      set -e
      cat output
      if [ "$status" != "$expectedStatus" ] || ! grep -qF -- "$expect" output; then
        echo "smoke test: '$program $args' exited with $status (expected $expectedStatus) and had to print '$expect'" >&2
        exit 1
      fi
      cp output "$out"
    '';
in
lib.genAttrs testable smoke
