let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.networking.port = lib.mkOption { type = lib.types.int; }; }
    { _file = "/etc/nixos/configuration.nix"; networking.port = "80"; }
  ];
}).config
