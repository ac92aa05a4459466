let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.system.path = lib.mkOption { type = lib.types.str; readOnly = true; default = "/run/current-system"; }; }
    { _file = "/etc/nixos/configuration.nix"; system.path = "/elsewhere"; }
  ];
}).config
