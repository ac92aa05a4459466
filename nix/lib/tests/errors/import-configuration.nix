# The result of evalModules imported as if it were a module.
let
  lib = import ../../.;
  other = lib.evalModules { modules = [ ]; };
in
(lib.evalModules { modules = [ { _file = "/etc/nixos/configuration.nix"; imports = [ other ]; } ]; }).config
