let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.users.users = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { options.uid = lib.mkOption { type = lib.types.int; }; }); }; }
    { _file = "/etc/nixos/configuration.nix"; users.users.alice = { }; }
  ];
}).config
