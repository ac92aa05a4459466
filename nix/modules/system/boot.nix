# Boot loader entries. cairn-system writes, for every kept generation, a
# systemd-boot loader entry and a GRUB menu entry (newest first); this
# module says what one generation's entry holds: the kernel, the initrd
# (stage-1.nix) and the command line, to which cairn adds
# `init=TOPLEVEL/init` (stage 2, toplevel.nix).
#
#   boot.kernelPackage = pkgs.linux;          # Debian's prebuilt kernel
#   boot.kernelParams = [ "root=LABEL=lab" ];
#
# Without a kernel (the default: containers, machines booted elsewhere)
# no entry is written.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  kernelPackage = config.boot.kernelPackage;
  initrd = config.system.build.initialRamdisk;
in
{
  imports = [ ./stage-1.nix ];

  options.boot = {
    loader = {
      systemd-boot.enable = mkOption {
        type = types.bool;
        default = true;
        description = "Write systemd-boot loader entries (/boot/loader/entries) for the generations.";
      };
      grub.enable = mkOption {
        type = types.bool;
        default = true;
        description = "Write a GRUB menu (/boot/grub/cairn-generations.cfg) listing the generations.";
      };
      timeout = mkOption {
        type = types.nullOr types.ints.unsigned;
        default = 5;
        description = "Seconds the menu waits before booting the default entry; null waits for a choice.";
      };
      configurationLimit = mkOption {
        type = types.nullOr types.ints.positive;
        default = null;
        example = 10;
        description = "List at most this many (newest) generations in the menu; the default one is always listed.";
      };
    };
    kernelPackage = mkOption {
      type = types.nullOr types.package;
      default = null;
      example = lib.literalExpression "pkgs.linux";
      description = ''
        The kernel to boot: a package with the image at `''${kernelFile}`
        and its modules under `lib/modules/''${modDirVersion}` (pkgs.linux).
        It sets `boot.kernel` and is what the initrd is made for.
      '';
    };
    kernel = mkOption {
      type = types.nullOr types.path;
      default = if kernelPackage == null then null else "${kernelPackage}/${kernelPackage.kernelFile}";
      defaultText = lib.literalExpression ''"''${config.boot.kernelPackage}/bzImage"'';
      description = "The kernel image to boot.";
    };
    kernelParams = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Kernel command-line parameters.";
    };
  };
  options.system.activationPlan.bootEntry = mkOption { type = types.attrs; internal = true; readOnly = true; description = "The boot entry for the plan."; };
  options.system.activationPlan.bootLoader = mkOption { type = types.attrs; internal = true; readOnly = true; description = "Boot loader settings for the plan."; };

  config.system.activationPlan = {
    bootEntry = {
      title = "cairn ${config.system.nixos.label} (${config.networking.hostName})";
      kernel = if config.boot.kernel == null then null else "${config.boot.kernel}";
      initrd = if initrd == null then null else "${initrd}/initrd";
      kernelParams = config.boot.kernelParams;
    };
    bootLoader = {
      systemdBoot = config.boot.loader.systemd-boot.enable;
      grub = config.boot.loader.grub.enable;
      inherit (config.boot.loader) timeout configurationLimit;
    };
  };
}
