let
  lib = import ../../.;
  config = (lib.evalModules {
    modules = [
      lib.modules.assertionsModule
      (lib.mkRemovedOptionModule [ "services" "old" "enable" ] "The old service was dropped; use services.new instead.")
      { _file = "/etc/nixos/configuration.nix"; services.old.enable = true; }
    ];
  }).config;
in
lib.asserts.checkAssertWarn config.assertions config.warnings "system"
