# The standard environment: the bootstrap toolchain behind the
# cc-wrapper, a bash `setup` script with the usual phases (setup.sh), and
# `mkDerivation` (make-derivation.nix).
{ lib, system, bootstrap, ccWrapper, checkMeta, runtimeShell }:
let
  inherit (bootstrap) tools;
  shell = "${tools}/bin/bash";
  # The fixup phase's RUNPATH shrinker, compiled with the seed.
  shrinkRpath = import ../build-support/shrink-rpath { inherit lib bootstrap ccWrapper; };
  # The cc-wrapper comes first, so `cc` and `gcc` are the wrapped ones.
  initialPath = [ ccWrapper tools ];

  setup = derivation {
    name = "stdenv-linux";
    inherit system;
    builder = shell;
    args = [ "-euc" ''
      export PATH=${tools}/bin:${tools}/usr/bin
      mkdir -p "$out"
      {
        echo "# Made by nix/pkgs/stdenv/default.nix from setup.sh."
        echo 'initialPath="${lib.concatStringsSep " " initialPath}"'
        echo 'shell="${shell}"'
        echo 'bootstrapTools="${tools}"'
        echo 'shrinkRpath="${shrinkRpath}/bin/shrink-rpath"'
        cat ${./setup.sh}
      } > "$out/setup"
    '' ];
  };

  stdenv = setup // {
    inherit shell system initialPath;
    cc = ccWrapper;
    inherit (bootstrap) glibc;
    bootstrapTools = tools;
    # The collection's bash (a thunk: bash is built with this stdenv).
    inherit runtimeShell;
    isLinux = true;
    hostPlatform = { inherit system; isLinux = true; isx86_64 = system == "x86_64-linux"; };
    buildPlatform = stdenv.hostPlatform;
    mkDerivation = import ./make-derivation.nix { inherit lib stdenv checkMeta; };
  };
in
stdenv
