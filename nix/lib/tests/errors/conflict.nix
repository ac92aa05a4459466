let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.networking.hostName = lib.mkOption { type = lib.types.str; }; }
    { _file = "/etc/nixos/configuration.nix"; networking.hostName = "alpha"; }
    { _file = "/etc/nixos/hardware.nix"; networking.hostName = "beta"; }
  ];
}).config
