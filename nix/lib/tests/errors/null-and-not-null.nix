let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.x = lib.mkOption { type = lib.types.nullOr lib.types.str; }; }
    { _file = "/etc/nixos/a.nix"; x = null; }
    { _file = "/etc/nixos/b.nix"; x = "s"; }
  ];
}).config
