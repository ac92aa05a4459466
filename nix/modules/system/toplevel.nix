# `system.build.toplevel`: the store path a configuration builds to, laid
# out like NixOS's:
#
#   etc/                   the /etc tree (config/etc.nix)
#   sw/                    the system environment (config/system-path.nix)
#   activation-plan.json   what cairn-system does to a root to activate it:
#                          /etc entries, users and groups, host name,
#                          time zone, boot entry (versioned schema)
#   boot.json              bootspec (org.nixos.bootspec.v1)
#   nixos-version, version the label; system: the platform
#   bin/switch-to-configuration   says to use `cairn system switch`
#
# Failed `assertions` stop the build with NixOS's "Failed assertions:"
# message; `warnings` are printed.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.system;

  plan = {
    version = 1;
    label = cfg.nixos.label;
    inherit (config.networking) hostName;
    inherit (config.time) timeZone;
    inherit (config.users) mutableUsers;
    inherit (cfg.activationPlan) etc users groups bootEntry;
  };

  bootspec = {
    "org.nixos.bootspec.v1" = {
      label = "cairn ${cfg.nixos.label}";
      system = config.nixpkgs.system;
      toplevel = builtins.placeholder "out";
      init = "${builtins.placeholder "out"}/init";
      kernel = plan.bootEntry.kernel;
      initrd = plan.bootEntry.initrd;
      kernelParams = plan.bootEntry.kernelParams;
    };
  };

  failed = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);

  toplevel = pkgs.runCommand "cairn-system-${cfg.name}-${cfg.nixos.label}"
    {
      plan = builtins.toJSON plan;
      bootspec = builtins.toJSON bootspec;
      passAsFile = [ "plan" "bootspec" ];
      etc = cfg.build.etc;
      sw = cfg.build.sw;
      label = cfg.nixos.label;
      inherit (config.nixpkgs) system;
      preferLocalBuild = true;
      allowSubstitutes = false;
    } ''
    mkdir -p "$out/bin"
    ln -s "$etc/etc" "$out/etc"
    ln -s "$sw" "$out/sw"
    cp "$planPath" "$out/activation-plan.json"
    cp "$bootspecPath" "$out/boot.json"
    printf '%s' "$label" > "$out/nixos-version"
    printf '%s' "$label" > "$out/version"
    printf '%s' "$system" > "$out/system"
    cat > "$out/bin/switch-to-configuration" <<EOS
    #!$runtimeShell
    echo "this is a cairn system; activate it with: cairn system switch (or cairn system activate $out)" >&2
    exit 1
    EOS
    chmod +x "$out/bin/switch-to-configuration"
  '';
in
{
  options.system = {
    stateVersion = mkOption {
      type = types.str;
      default = "25.11";
      description = "The release whose defaults for stateful data (ids, formats) this machine was installed with; do not change it after installing.";
    };
    name = mkOption {
      type = types.str;
      default = if config.networking.hostName == "" then "unnamed" else config.networking.hostName;
      description = "The name in the toplevel's store path.";
    };
    nixos.release = mkOption {
      type = types.str;
      default = "25.11";
      description = "The release of cairn's system modules.";
    };
    nixos.label = mkOption {
      type = types.strMatching "[a-zA-Z0-9:_\\.-]*";
      default = cfg.nixos.release;
      description = "The label of the generation, shown in the boot menu and `cairn system generations`.";
    };
    build.toplevel = mkOption {
      type = types.package;
      readOnly = true;
      description = "The system: build it to get a generation `cairn system switch` can activate.";
    };
  };

  config.system.build.toplevel =
    if failed != [ ] then
      throw "\nFailed assertions:\n${lib.concatMapStringsSep "\n" (m: "- ${m}") failed}"
    else
      lib.foldr (w: t: builtins.trace "warning: ${w}" t) toplevel config.warnings;
}
