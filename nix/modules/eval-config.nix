# Evaluates a system configuration with cairn's modules, as NixOS's
# `nixos/lib/eval-config.nix` does:
#
#   import ./nix/modules/eval-config.nix { configuration = ./configuration.nix; }
#
# returns `{ config, options, system }` where `system` is
# `config.system.build.toplevel`, the store path `cairn system switch`
# builds and activates. `configuration` is a module (a path, a function or
# an attribute set); `extraModules` and `specialArgs` are passed on to
# `lib.evalModules`.
{ configuration
, system ? builtins.currentSystem
, extraModules ? [ ]
, specialArgs ? { }
}:
let
  lib = import ../lib;
  baseModules = import ./module-list.nix ++ [
    { nixpkgs.system = lib.mkDefault system; }
    { _module.args.noUserModules = noUserModules; }
  ];
  # cairn's modules without the configuration: what a specialisation with
  # `inheritParentConfig = false` starts from (NixOS's `noUserModules`).
  noUserModules = lib.evalModules {
    modules = baseModules;
    specialArgs = { modulesPath = toString ./.; } // specialArgs;
  };
  evaluated = lib.evalModules {
    modules = baseModules ++ [
      configuration
    ] ++ extraModules;
    specialArgs = { modulesPath = toString ./.; } // specialArgs;
  };
in
{
  inherit (evaluated) config options;
  system = evaluated.config.system.build.toplevel;
}
