{ config, lib, ... }: {
  options.services.foo.enable = lib.mkEnableOption "the foo service";
  config = lib.mkIf config.services.foo.enable { items = [ "foo" ]; };
}
