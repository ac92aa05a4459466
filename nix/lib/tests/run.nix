# Runs every suite of this directory and returns the failing cases as
# `{ name = "suite.testName"; expected; result; }`: `[ ]` means all
# passed. Evaluate strictly:
#   cairn eval --strict nix/lib/tests/run.nix
#   nix-instantiate --eval --strict nix/lib/tests/run.nix
let
  lib = import ../.;
  suites = {
    lists = ./lists.nix;
    strings = ./strings.nix;
    attrsets = ./attrsets.nix;
    misc = ./misc.nix;
    modules = ./modules.nix;
  };
in
lib.concatLists (lib.mapAttrsToList
  (suite: file: map (f: f // { name = "${suite}.${f.name}"; }) (lib.runTests (import file { inherit lib; })))
  suites)
