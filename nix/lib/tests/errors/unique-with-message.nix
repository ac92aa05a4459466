let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.x = lib.mkOption { type = lib.types.unique { message = "Set it in one place only."; } lib.types.str; }; }
    { _file = "/etc/nixos/a.nix"; x = "a"; }
    { _file = "/etc/nixos/b.nix"; x = "a"; }
  ];
}).config
