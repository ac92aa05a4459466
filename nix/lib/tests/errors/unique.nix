let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.system.build.toplevel = lib.mkOption { type = lib.types.raw; }; }
    { _file = "/etc/nixos/a.nix"; system.build.toplevel = 1; }
    { _file = "/etc/nixos/b.nix"; system.build.toplevel = 1; }
  ];
}).config
