# cairn's package collection.
#
#   import ./nix/pkgs { config = { allowUnfree = false; }; overlays = [ … ]; }
#
# returns the package set: a fixed point of `top-level/all-packages.nix`
# extended by each overlay in order (`final: prev: { … }`, as in nixpkgs).
# Every package is made with `callPackage`, so `pkg.override { … }` changes
# its arguments and `pkg.overrideAttrs (old: { … })` its derivation
# attributes. `config` is checked against `top-level/config.nix`; its
# policy (unfree, broken, insecure, platforms) is enforced by
# `stdenv.mkDerivation` through `top-level/check-meta.nix`.
{ config ? { }
, overlays ? [ ]
, system ? builtins.currentSystem
}:
let
  lib = import ../lib;
  checkedConfig = import ./top-level/config.nix { inherit lib config; };
  packages = final: import ./top-level/all-packages.nix {
    inherit lib final system;
    config = checkedConfig;
  };
  withOverlays = lib.foldl' (f: overlay: lib.extends overlay f) packages overlays;
in
if !builtins.isList overlays then
  throw "cairn packages: 'overlays' must be a list of functions 'final: prev: { … }', not a ${builtins.typeOf overlays}"
else
  # The config is checked up front: a misspelt option is an error even
  # when nothing reads it.
  builtins.seq checkedConfig (lib.fix withOverlays)
