let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.settings = lib.mkOption { type = lib.types.anything; }; }
    { _file = "/etc/nixos/a.nix"; settings.port = 80; }
    { _file = "/etc/nixos/b.nix"; settings.port = "80"; }
  ];
}).config
