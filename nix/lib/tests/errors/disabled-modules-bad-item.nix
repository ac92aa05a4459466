let lib = import ../../.; in
(lib.evalModules {
  modules = [ { _file = "/etc/nixos/configuration.nix"; disabledModules = [ { foo = 1; } ]; } ];
}).config
