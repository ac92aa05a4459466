let lib = import ../../.; in
(lib.evalModules {
  class = "nixos";
  modules = [ { _file = "/etc/darwin/module.nix"; key = "/etc/darwin/module.nix"; _class = "darwin"; } ];
}).config
