# `environment.systemPackages`: the programs of the system, merged into
# one tree (`system.build.sw`, the toplevel's `sw`, seen as
# /run/current-system/sw). Two packages providing the same file are an
# error naming both, unless `environment.ignoreCollisions` is set.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.environment;

  packages = cfg.corePackages ++ cfg.systemPackages;

  sw = pkgs.runCommand "system-path"
    {
      paths = map toString (lib.unique packages);
      pathsToLink = cfg.pathsToLink;
      ignoreCollisions = if cfg.ignoreCollisions then "1" else "";
      passAsFile = [ "paths" ];
      preferLocalBuild = true;
      allowSubstitutes = false;
    } ''
    mkdir -p "$out"
    for pkg in $(< "$pathsPath"); do
      for sub in $pathsToLink; do
        [ -d "$pkg/$sub" ] || continue
        mkdir -p "$out/$sub"
        if ! cp -rs --no-preserve=mode "$pkg/$sub/." "$out/$sub" 2> errors; then
          if [ -n "$ignoreCollisions" ]; then continue; fi
          sed -n "s|.*cannot create symbolic link '\([^']*\)'.*|\1|p" errors | while read -r file; do
            echo "collision between '$(readlink "$file")' and '$pkg/''${file#$out/}'" >&2
          done
          cat errors >&2
          echo "hint: remove one of them from environment.systemPackages, or set environment.ignoreCollisions = true" >&2
          exit 1
        fi
      done
    done
  '';
in
{
  options = {
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = lib.literalExpression "[ pkgs.htop pkgs.tree ]";
      description = "Packages installed for every user, in /run/current-system/sw.";
    };
    environment.corePackages = mkOption {
      type = types.listOf types.package;
      default = with pkgs; [ bash coreutils gnugrep gnused findutils diffutils gawk gnutar gzip less ];
      defaultText = lib.literalExpression "with pkgs; [ bash coreutils gnugrep gnused findutils diffutils gawk gnutar gzip less ]";
      description = "The basic tools of every system (NixOS's requiredPackages); set to [ ] for a minimal one.";
    };
    environment.pathsToLink = mkOption {
      type = types.listOf types.str;
      default = [ "bin" "sbin" "lib" "share" "etc" ];
      description = "The directories of each package merged into the system environment.";
    };
    environment.ignoreCollisions = mkOption {
      type = types.bool;
      default = false;
      description = "Keep the first package's file when two provide the same one, instead of failing.";
    };
    system.build.sw = mkOption {
      type = types.package;
      internal = true;
      readOnly = true;
      description = "The system environment.";
    };
  };

  config.system.build.sw = sw;
}
