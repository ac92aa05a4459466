let lib = import ../../.; in
(lib.evalModules {
  modules = [
    { _file = "/etc/nixos/declare.nix"; options.services.openssh.settings.PermitRootLogin = lib.mkOption { type = lib.types.enum [ "yes" "without-password" "prohibit-password" "forced-commands-only" "no" ]; default = "prohibit-password"; }; }
    { _file = "/etc/nixos/configuration.nix"; services.openssh.settings.PermitRootLogin = "never"; }
  ];
}).config
