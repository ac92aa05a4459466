# An undeclared option is defined.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.services.foo.enable = lib.mkEnableOption "foo"; }
    { _file = "/etc/nixos/configuration.nix"; services.foo.enable = true; services.foo.port = 8080; }
  ];
}).config
