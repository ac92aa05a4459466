let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/a.nix"; options.x = lib.mkOption { type = lib.types.int; default = 1; }; }
    { _file = "/etc/nixos/b.nix"; options.x = lib.mkOption { type = lib.types.int; default = 2; }; }
  ];
}).config
