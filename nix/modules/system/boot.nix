# Boot loader entries. cairn-system writes, for every kept generation, a
# systemd-boot loader entry and a GRUB menu entry (newest first); this
# module says what one generation's entry holds. The collection has no
# kernel yet, so `kernel`/`initrd` are null unless set: the menu still
# lists every generation (for containers and machines booted elsewhere,
# the entries document what would boot).
{ config, lib, ... }:
let inherit (lib) mkOption types; in
{
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
        type = types.nullOr types.int;
        default = 5;
        description = "Seconds the menu waits before booting the default entry.";
      };
      configurationLimit = mkOption {
        type = types.nullOr types.int;
        default = null;
        example = 10;
        description = "List at most this many (newest) generations in the menu.";
      };
    };
    kernel = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "The kernel image to boot.";
    };
    initrd = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "The initial ramdisk.";
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
      initrd = if config.boot.initrd == null then null else "${config.boot.initrd}";
      kernelParams = config.boot.kernelParams;
    };
    bootLoader = {
      systemdBoot = config.boot.loader.systemd-boot.enable;
      grub = config.boot.loader.grub.enable;
      inherit (config.boot.loader) timeout configurationLimit;
    };
  };
}
