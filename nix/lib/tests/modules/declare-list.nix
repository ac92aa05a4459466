{ lib, ... }: {
  options.items = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
  options.enableFoo = lib.mkEnableOption "foo";
}
