# `specialisation.<name>.configuration`: variants of the system built next
# to it, as NixOS has them. Each one is a whole system: by default the
# parent's modules plus its own `configuration` (`extendModules`), or,
# with `inheritParentConfig = false`, only cairn's modules plus its own
# (`noUserModules`, set up by eval-config.nix). Its toplevel is linked at
# `TOPLEVEL/specialisation/<name>`; cairn-system lists one more boot entry
# per specialisation of every kept generation, and
# `cairn system switch --specialisation NAME` activates one of them.
#
#   specialisation.debug.configuration = {
#     boot.kernelParams = [ "debug" ];
#   };
#
# A specialisation cannot have specialisations of its own (NixOS's rule:
# they would be built once per level).
{ config, lib, extendModules, noUserModules, ... }:
let
  inherit (lib) mkOption types;

  # What every specialisation adds to the parent's modules.
  noClone = {
    _file = "nix/modules/system/specialisation.nix";
    specialisation = lib.mkOverride 0 { };
  };
in
{
  options.specialisation = mkOption {
    default = { };
    example = lib.literalExpression ''{ debug.configuration = { boot.kernelParams = [ "debug" ]; }; }'';
    description = ''
      Other systems built with this one, each selectable in the boot menu
      and by `cairn system switch --specialisation NAME`.
    '';
    type = types.attrsOf (types.submodule (local: {
      options.inheritParentConfig = mkOption {
        type = types.bool;
        default = true;
        description = "Whether the specialisation starts from this system's whole configuration; false builds it from cairn's modules and its own `configuration` only.";
      };
      options.configuration = mkOption {
        default = { };
        description = "The specialisation's configuration: any system options, merged with the parent's (see `inheritParentConfig`).";
        inherit ((if local.config.inheritParentConfig then extendModules else noUserModules.extendModules) {
          modules = [ noClone ];
        }) type;
      };
    }));
  };

  options.system.build.specialisations = mkOption {
    type = types.attrsOf types.package;
    internal = true;
    readOnly = true;
    description = "The toplevel of each specialisation, by name.";
  };

  config = {
    system.build.specialisations =
      lib.mapAttrs (_: s: s.configuration.system.build.toplevel) config.specialisation;
    assertions = lib.mapAttrsToList (name: _: {
      assertion = builtins.match "[a-zA-Z0-9_][a-zA-Z0-9_.-]*" name != null;
      message = "The specialisation name `${name}' must be a file name (letters, digits, `_', `.' and `-', not starting with `.' or `-').";
    }) config.specialisation;
  };
}
