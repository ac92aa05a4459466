# `system.build.toplevel`: the store path a configuration builds to, laid
# out like NixOS's:
#
#   etc/                   the /etc tree (config/etc.nix)
#   sw/                    the system environment (config/system-path.nix)
#   activation-plan.json   what cairn-system does to a root to activate it:
#                          /etc entries, users and groups, host name,
#                          time zone, boot entry (versioned schema)
#   boot.json              bootspec (org.nixos.bootspec.v1, and
#                          org.nixos.specialisation.v1 with specialisations)
#   nixos-version, version the label; system: the platform
#   init                   stage 2 of booting (the boot entries' `init=`)
#   activate               activates this system into / with
#                          `cairn system activate` (cairn on PATH)
#   kernel, initrd         when there is a kernel: the image and initrd
#   specialisation/NAME    each specialisation's toplevel (specialisation.nix)
#   bin/switch-to-configuration   says to use `cairn system switch`
#
# Stage 2 (`init`) runs as PID 1 on the mounted root: it mounts /proc,
# /sys, /dev and /run, does the part of activation that does not survive
# a reboot (/run/booted-system and /run/current-system, which users'
# shells resolve through), checks that /etc is this generation's (cairn
# activated it when the generation was switched to) and, when it is not
# (a generation picked from the boot menu, one made by `cairn system
# boot`), runs `activate`, and execs the root's systemd (the collection
# has none yet).
#
# `activate` is NixOS's `$toplevel/activate`, but activation is done by
# cairn itself (crates/cairn-system): the script runs `cairn system
# activate TOPLEVEL` and so needs `cairn` on PATH (installed on the root,
# e.g. in /usr/local/bin). The cairn binary is not in the store yet: the
# collection cannot build Rust, so the toplevel cannot refer to it.
# Without it, `activate` and stage 2 say so and change nothing.
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
    inherit (cfg.activationPlan) etc users groups bootEntry bootLoader;
  };

  # The bootspec of this system were its toplevel `top`; a specialisation's
  # is embedded in its parent's, as NixOS does.
  bootspecOf = top: {
    label = "cairn ${cfg.nixos.label}";
    system = config.nixpkgs.system;
    toplevel = top;
    init = "${top}/init";
    kernel = plan.bootEntry.kernel;
    initrd = plan.bootEntry.initrd;
    kernelParams = plan.bootEntry.kernelParams;
  };

  bootspec = {
    "org.nixos.bootspec.v1" = bootspecOf (builtins.placeholder "out");
  } // lib.optionalAttrs (config.specialisation != { }) {
    "org.nixos.specialisation.v1" = lib.mapAttrs
      (_: s: {
        "org.nixos.bootspec.v1" =
          s.configuration.system.build.bootspecOf "${s.configuration.system.build.toplevel}";
      })
      config.specialisation;
  };

  stage2 = ''
    #!@shell@
    # Stage 2 of booting cairn system @label@ (nix/modules/system/toplevel.nix).
    systemConfig=@out@
    export PATH=$systemConfig/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    echo "stage 2: cairn system @label@ ($systemConfig)"
    mount() { @mount@ "$@"; }
    [ -e /proc/self ] || mount -t proc proc /proc
    [ -e /sys/kernel ] || mount -t sysfs sysfs /sys
    [ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
    mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
    ln -sfn "$systemConfig" /run/booted-system
    ln -sfn "$systemConfig" /run/current-system
    if [ "$(readlink /etc/static)" != "$systemConfig/etc" ]; then
        echo "stage 2: /etc is not this generation's (/etc/static -> $(readlink /etc/static)); activating it" >&2
        "$systemConfig/activate" || echo "stage 2: warning: activation failed; booting with the /etc there is" >&2
    fi
    for systemd in /lib/systemd/systemd /usr/lib/systemd/systemd; do
        [ -x "$systemd" ] && exec "$systemd"
    done
    echo "stage 2: no systemd on the root file system (/lib/systemd/systemd); starting a shell" >&2
    exec @shell@
  '';

  activate = ''
    #!@shell@
    # Activates cairn system @label@ into / (nix/modules/system/toplevel.nix):
    # /etc, users and groups, units. Activation is cairn's own code, run
    # by `cairn system activate`; the cairn binary is not in the store, so
    # it must be on PATH. Arguments are passed on (e.g. --make-generation).
    systemConfig=@out@
    if ! command -v cairn >/dev/null 2>&1; then
        echo "activate: cairn is not on PATH (it is not in the store yet); install it, then run:" >&2
        echo "activate:   cairn system activate $systemConfig" >&2
        exit 127
    fi
    exec cairn system activate "$systemConfig" "$@"
  '';

  # The kernel's static busybox mounts in stage 2 too, so that booting
  # needs nothing of the root's own; without it, the root's `mount`.
  stage2Mount =
    if config.boot.kernelPackage != null && config.boot.kernelPackage ? busybox
    then "${config.boot.kernelPackage.busybox}/bin/busybox mount"
    else "mount";

  kernel = config.boot.kernel;
  initrd = config.system.build.initialRamdisk;

  failed = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);

  toplevel = pkgs.runCommand "cairn-system-${cfg.name}-${cfg.nixos.label}"
    {
      plan = builtins.toJSON plan;
      bootspec = builtins.toJSON bootspec;
      inherit stage2 stage2Mount activate;
      passAsFile = [ "plan" "bootspec" "stage2" "activate" ];
      kernel = if kernel == null then "" else "${kernel}";
      initrd = if initrd == null then "" else "${initrd}/initrd";
      etc = cfg.build.etc;
      sw = cfg.build.sw;
      label = cfg.nixos.label;
      inherit (config.nixpkgs) system;
      specialisations = lib.concatStringsSep "\n"
        (lib.mapAttrsToList (name: path: "${name}=${path}") cfg.build.specialisations);
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
    sed -e "s|@shell@|$runtimeShell|g" -e "s|@out@|$out|g" -e "s|@label@|$label|g" -e "s|@mount@|$stage2Mount|g" "$stage2Path" > "$out/init"
    chmod +x "$out/init"
    "$runtimeShell" -n "$out/init"
    sed -e "s|@shell@|$runtimeShell|g" -e "s|@out@|$out|g" -e "s|@label@|$label|g" "$activatePath" > "$out/activate"
    chmod +x "$out/activate"
    "$runtimeShell" -n "$out/activate"
    if [ -n "$kernel" ]; then ln -s "$kernel" "$out/kernel"; fi
    if [ -n "$initrd" ]; then ln -s "$initrd" "$out/initrd"; fi
    if [ -n "$specialisations" ]; then
      mkdir "$out/specialisation"
      while IFS== read -r name path; do
        ln -s "$path" "$out/specialisation/$name"
      done <<EOS
    $specialisations
    EOS
    fi
    cat > "$out/bin/switch-to-configuration" <<EOS
    #!$runtimeShell
    echo "this is a cairn system; activate it with: cairn system switch (or cairn system rollback)" >&2
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
    build.bootspecOf = mkOption {
      type = types.functionTo types.attrs;
      internal = true;
      readOnly = true;
      description = "The system's bootspec (org.nixos.bootspec.v1) given its toplevel's path.";
    };
    build.toplevel = mkOption {
      type = types.package;
      readOnly = true;
      description = "The system: build it to get a generation `cairn system switch` can activate.";
    };
  };

  config.system.build.bootspecOf = bootspecOf;

  config.system.build.toplevel =
    if failed != [ ] then
      throw "\nFailed assertions:\n${lib.concatMapStringsSep "\n" (m: "- ${m}") failed}"
    else
      lib.foldr (w: t: builtins.trace "warning: ${w}" t) toplevel config.warnings;
}
