# A module asks for an argument nobody provides.
let lib = import ../../.; in
(lib.evalModules {
  modules = [ { options.x = lib.mkOption { type = lib.types.int; default = 1; }; } ({ pkgs, ... }: { x = pkgs.answer; }) ];
}).config
