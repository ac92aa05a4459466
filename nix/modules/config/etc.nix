# `environment.etc`: the files of /etc. They are collected into one store
# tree (`system.build.etc`, linked as the toplevel's `etc`) and listed in
# the activation plan: cairn-system links `/etc/static` to the tree and
# each `/etc/NAME` to `/etc/static/NAME`, or copies the file when it has a
# `mode` (with `user` and `group`).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;

  enabled = lib.filter (f: f.enable) (lib.attrValues config.environment.etc);

  # Every target is a relative path without `..`.
  checkTarget = f:
    if lib.hasPrefix "/" f.target || builtins.elem ".." (lib.splitString "/" f.target) || f.target == "" then
      throw "environment.etc.\"${f.name}\".target: '${f.target}' must be a relative path inside /etc"
    else f;

  files = map checkTarget enabled;

  etc = pkgs.runCommand "etc"
    {
      # One line per file: TARGET SOURCE.
      entries = lib.concatMapStrings (f: "${f.target}\t${f.source}\n") files;
      passAsFile = [ "entries" ];
      preferLocalBuild = true;
      allowSubstitutes = false;
    } ''
    mkdir -p "$out/etc"
    while IFS=$'\t' read -r target source; do
      mkdir -p "$out/etc/$(dirname "$target")"
      if [ -e "$out/etc/$target" ] || [ -L "$out/etc/$target" ]; then
        echo "environment.etc: '$target' is defined twice" >&2
        exit 1
      fi
      ln -s "$source" "$out/etc/$target"
    done < "$entriesPath"
  '';

  fileType = types.submodule ({ name, config, ... }: {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether this /etc file is generated.";
      };
      target = mkOption {
        type = types.str;
        default = name;
        description = "The file's path relative to /etc.";
      };
      text = mkOption {
        type = types.nullOr types.lines;
        default = null;
        description = "The file's contents (instead of `source`).";
      };
      source = mkOption {
        type = types.path;
        description = "The file /etc/TARGET links to (or is a copy of, with `mode`).";
      };
      mode = mkOption {
        type = types.str;
        default = "symlink";
        example = "0600";
        description = ''"symlink" (the default), or the octal mode of a copy (for files programs refuse as symlinks).'';
      };
      user = mkOption {
        type = types.str;
        default = "root";
        description = "Owner of the copy (with `mode`).";
      };
      group = mkOption {
        type = types.str;
        default = "root";
        description = "Group of the copy (with `mode`).";
      };
    };
    config.source = lib.mkIf (config.text != null) (lib.mkDefault (
      pkgs.writeText "etc-${lib.replaceStrings [ "/" ] [ "-" ] name}" config.text));
  });
in
{
  options = {
    environment.etc = mkOption {
      type = types.attrsOf fileType;
      default = { };
      example = { "issue".text = "Welcome.\n"; };
      description = "Files in /etc, by path.";
    };
    system.build.etc = mkOption {
      type = types.package;
      internal = true;
      readOnly = true;
      description = "The /etc tree of the system.";
    };
    system.activationPlan.etc = mkOption {
      type = types.attrs;
      internal = true;
      readOnly = true;
      description = "The /etc part of the activation plan.";
    };
  };

  config = {
    system.build.etc = etc;
    system.activationPlan.etc = lib.listToAttrs (map (f: lib.nameValuePair f.target {
      source = "${f.source}";
      inherit (f) mode user group;
    }) files);
  };
}
