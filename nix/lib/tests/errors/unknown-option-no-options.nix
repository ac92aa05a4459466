# Nothing is declared at all: the hint says options belong in `options'.
let lib = import ../../.; in
(lib.evalModules {
  modules = [ { _file = "/etc/nixos/configuration.nix"; config.foo = { type = "string"; }; } ];
}).config
