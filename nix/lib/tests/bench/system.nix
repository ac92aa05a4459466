# A synthetic configuration shaped like a NixOS system, for timing the
# module system: `services` modules (each declaring a few options and
# defining config under `mkIf`), users and systemd units as attribute
# sets of submodules, and long package lists. Sizes are arguments:
#   cairn eval --strict -E 'import nix/lib/tests/bench/system.nix { }'
{ services ? 300, users ? 200, units ? 600, packages ? 2000 }:
let
  lib = import ../../.;
  inherit (lib) mkOption mkEnableOption mkIf mkDefault types;

  core = { config, ... }: {
    options = {
      environment.systemPackages = mkOption { type = types.listOf types.str; default = [ ]; };
      environment.etc = mkOption {
        type = types.attrsOf (types.submodule ({ name, ... }: {
          options.text = mkOption { type = types.lines; default = ""; };
          options.target = mkOption { type = types.str; default = name; };
          options.mode = mkOption { type = types.str; default = "symlink"; };
        }));
        default = { };
      };
      users.users = mkOption {
        type = types.attrsOf (types.submodule ({ name, ... }: {
          options.name = mkOption { type = types.str; default = name; };
          options.uid = mkOption { type = types.nullOr types.int; default = null; };
          options.isNormalUser = mkOption { type = types.bool; default = false; };
          options.extraGroups = mkOption { type = types.listOf types.str; default = [ ]; };
          options.home = mkOption { type = types.str; default = "/home/${name}"; };
        }));
        default = { };
      };
      systemd.services = mkOption {
        type = types.attrsOf (types.submodule ({ name, config, ... }: {
          options.description = mkOption { type = types.str; default = name; };
          options.wantedBy = mkOption { type = types.listOf types.str; default = [ ]; };
          options.after = mkOption { type = types.listOf types.str; default = [ ]; };
          options.environment = mkOption { type = types.attrsOf types.str; default = { }; };
          options.serviceConfig = mkOption { type = types.attrsOf (types.oneOf [ types.str types.int types.bool ]); default = { }; };
          options.script = mkOption { type = types.lines; default = ""; };
          options.enable = mkOption { type = types.bool; default = true; };
        }));
        default = { };
      };
      networking.firewall.allowedTCPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
    };
  };

  service = i:
    let name = "svc${toString i}"; in
    { config, ... }: {
      options.services.${name} = {
        enable = mkEnableOption name;
        port = mkOption { type = types.port; default = 1000 + i; };
        user = mkOption { type = types.str; default = name; };
        settings = mkOption { type = types.attrsOf types.str; default = { }; };
      };
      config = mkIf config.services.${name}.enable {
        networking.firewall.allowedTCPPorts = [ config.services.${name}.port ];
        users.users.${config.services.${name}.user} = { uid = 400 + i; };
        systemd.services.${name} = {
          wantedBy = [ "multi-user.target" ];
          after = [ "network.target" ];
          serviceConfig = { ExecStart = "/bin/${name}"; Restart = "always"; User = config.services.${name}.user; };
          environment.PORT = toString config.services.${name}.port;
        };
        environment.etc."${name}/config".text = lib.generators.toKeyValue { } config.services.${name}.settings;
      };
    };

  host = {
    services = lib.genAttrs (map (i: "svc${toString i}") (lib.range 0 (services - 1)))
      (n: { enable = true; settings = { a = "1"; b = n; }; });
    users.users = lib.genAttrs (map (i: "user${toString i}") (lib.range 0 (users - 1)))
      (n: { isNormalUser = true; extraGroups = [ "wheel" "users" ]; });
    systemd.services = lib.genAttrs (map (i: "unit${toString i}") (lib.range 0 (units - 1)))
      (n: { description = "unit ${n}"; script = "echo ${n}"; serviceConfig.Type = mkDefault "oneshot"; });
    environment.systemPackages = map (i: "pkg-${toString i}") (lib.range 1 packages);
  };

  eval = lib.evalModules { modules = [ core host ] ++ map service (lib.range 0 (services - 1)); };
in
builtins.deepSeq eval.config {
  packages = builtins.length eval.config.environment.systemPackages;
  users = builtins.length (builtins.attrNames eval.config.users.users);
  units = builtins.length (builtins.attrNames eval.config.systemd.services);
  ports = builtins.length eval.config.networking.firewall.allowedTCPPorts;
}
