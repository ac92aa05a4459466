# Definitions from a module file name that file.
let lib = import ../../.; in
(lib.evalModules { modules = [ ../modules/bad-item.nix ]; }).config
