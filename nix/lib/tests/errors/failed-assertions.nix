let
  lib = import ../../.;
  config = (lib.evalModules {
    modules = [
      lib.modules.assertionsModule
      { assertions = [ { assertion = true; message = "fine"; } { assertion = false; message = "services.foo needs networking.enable"; } ]; }
      { assertions = [ { assertion = false; message = "users.users.root.password is set in clear text"; } ]; }
    ];
  }).config;
in
lib.asserts.checkAssertWarn config.assertions config.warnings "system"
