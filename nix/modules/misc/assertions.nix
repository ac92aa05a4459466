# `assertions` and `warnings`, checked when the system is built (see
# system/toplevel.nix), worded as NixOS words them.
{ lib, ... }:
{
  options = {
    assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
      example = [{ assertion = false; message = "you can't enable this for that reason"; }];
      description = "Conditions that must hold; each failing one's message is reported and the build stops.";
    };
    warnings = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      internal = true;
      default = [ ];
      description = "Messages printed when the system is built.";
    };
  };
}
