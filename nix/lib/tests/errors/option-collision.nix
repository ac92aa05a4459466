# Options declared below an option whose type cannot hold them.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare-set.nix"; options.set = lib.mkOption { type = lib.types.attrsOf lib.types.int; }; }
    { _file = "/etc/nixos/declare-enable.nix"; options.set.enable = lib.mkEnableOption "set"; }
  ];
}).config
