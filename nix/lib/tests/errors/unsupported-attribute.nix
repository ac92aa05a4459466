# A module with `config' and other top-level attributes.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { options.x = lib.mkOption { type = lib.types.int; }; }
    { _file = "/etc/nixos/configuration.nix"; key = "/etc/nixos/configuration.nix"; config.x = 1; y = 2; }
  ];
}).config
