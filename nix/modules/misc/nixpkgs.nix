# `pkgs` for every module: cairn's collection (nix/pkgs) imported with
# `nixpkgs.config` and `nixpkgs.overlays`, as NixOS does with nixpkgs.
{ config, lib, ... }:
let
  cfg = config.nixpkgs;
  inherit (lib) mkOption types;
in
{
  options.nixpkgs = {
    config = mkOption {
      type = types.attrs;
      default = { };
      example = { allowUnfree = true; };
      description = "The package collection's configuration (allowUnfree, permittedInsecurePackages, …).";
    };
    overlays = mkOption {
      type = types.listOf types.unspecified;
      default = [ ];
      description = "Overlays (`final: prev: { … }`) applied to the package collection, in order.";
    };
    system = mkOption {
      type = types.str;
      description = "The platform the system is built for, e.g. x86_64-linux.";
    };
    pkgs = mkOption {
      type = types.nullOr types.attrs;
      default = null;
      internal = true;
      description = "A package set to use instead of importing the collection (for tests).";
    };
    source = mkOption {
      type = types.path;
      default = ../../pkgs;
      description = "The package collection to import.";
    };
  };

  config._module.args.pkgs =
    if cfg.pkgs != null then cfg.pkgs
    else import cfg.source { inherit (cfg) config overlays system; };
}
