# Two mkDefault definitions conflict with each other when nothing stronger is set.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.time.timeZone = lib.mkOption { type = lib.types.str; default = "UTC"; }; }
    { _file = "/etc/nixos/a.nix"; time.timeZone = lib.mkDefault "Europe/Berlin"; }
    { _file = "/etc/nixos/b.nix"; time.timeZone = lib.mkDefault "Europe/Paris"; }
  ];
}).config
