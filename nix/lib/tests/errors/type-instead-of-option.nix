# A type where an option declaration belongs.
let lib = import ../../.; in
(lib.evalModules {
  modules = [ { _file = "/etc/nixos/declare.nix"; options.result = lib.types.str; } ];
}).config
