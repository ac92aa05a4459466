# A submodule whose options were put under `config': the hint names it.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.s = lib.mkOption { type = lib.types.submodule { config.a = 1; }; }; }
    { _file = "/etc/nixos/configuration.nix"; s.b = 2; }
  ];
}).config
