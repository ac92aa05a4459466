# An element of a list has the wrong type: the option path names the entry.
let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.networking.firewall.allowedTCPPorts = lib.mkOption { type = lib.types.listOf lib.types.port; default = [ ]; }; }
    { _file = "/etc/nixos/configuration.nix"; networking.firewall.allowedTCPPorts = [ 80 443 ]; }
    { _file = "/etc/nixos/web.nix"; networking.firewall.allowedTCPPorts = [ 8080 70000 ]; }
  ];
}).config
