let lib = import ../../.; in
(lib.evalModules {
  modules = [ { _file = "/etc/nixos/declare.nix"; options.fileSystems."/".device = lib.mkOption { type = lib.types.str; }; } ];
}).config
