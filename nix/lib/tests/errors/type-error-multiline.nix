# The definition value is shown over several lines, cut after five.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.x = lib.mkOption { type = lib.types.str; }; }
    { _file = "/etc/nixos/configuration.nix"; x = { a = 1; b = [ 1 2 ]; c = "d"; }; }
  ];
}).config
