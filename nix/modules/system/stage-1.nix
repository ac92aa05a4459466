# Stage 1 of booting: the initial ramdisk for `boot.kernelPackage`.
#
# A gzip-compressed newc cpio archive (`system.build.initialRamdisk`,
# file `initrd`) holding:
#
#   /init                 the stage-1 script below (busybox sh)
#   /bin/busybox + links  Debian's static busybox, pinned with the kernel
#   /lib/modules/VERSION  the modules of `boot.initrd.kernelModules` and
#                         `boot.initrd.availableKernelModules` with every
#                         module they depend on (read from each module's
#                         `depends=`), and a modules.dep made by depmod
#
# At boot /init mounts /proc, /sys and /dev (devtmpfs), loads every listed
# module (there is no udev in stage 1: the storage drivers of the list are
# loaded and bind to whatever hardware is there), waits for the `root=`
# device (a path, LABEL= or UUID=), mounts it (`rootfstype=`,
# `rootflags=`, `ro`/`rw`; read-write by default) on /mnt-root and hands
# over with switch_root to `init=` (the toplevel's stage 2, which cairn's
# boot entries put on the command line). If something fails it says what
# and starts a shell on the console when `boot.shell_on_fail` is on the
# command line, else it reboots after 30 s.
#
# The archive is reproducible: entries sorted, owner root, mtime 1,
# inodes renumbered, gzip without a name or time stamp.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.boot.initrd;
  kernel = config.boot.kernelPackage;

  stage1 = ''
    #!/bin/sh
    # Stage 1 of a cairn system (nix/modules/system/stage-1.nix).
    export PATH=/bin
    fail() {
        echo "stage 1: $*" >&2
        if [ -n "$shellOnFail" ]; then
            echo "stage 1: starting a shell (exit it to reboot)" >&2
            setsid cttyhack sh
        else
            echo "stage 1: rebooting in 30 s (boot with boot.shell_on_fail for a shell)" >&2
            sleep 30
        fi
        reboot -f
    }
    mkdir -p /proc /sys /dev /run /mnt-root
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev
    echo "stage 1: cairn initrd, kernel $(uname -r)"

    root= fstype= flags= mode=rw init= shellOnFail= wait=${toString cfg.rootWaitSeconds}
    for word in $(cat /proc/cmdline); do
        case "$word" in
            root=*) root="''${word#root=}" ;;
            rootfstype=*) fstype="''${word#rootfstype=}" ;;
            rootflags=*) flags="''${word#rootflags=}" ;;
            ro) mode=ro ;;
            rw) mode=rw ;;
            init=*) init="''${word#init=}" ;;
            boot.shell_on_fail) shellOnFail=1 ;;
        esac
    done

    for module in ${lib.concatStringsSep " " (cfg.kernelModules ++ cfg.availableKernelModules)}; do
        modprobe "$module" 2>/dev/null || echo "stage 1: could not load $module" >&2
    done

    [ -n "$root" ] || fail "no root= on the kernel command line"
    [ -n "$init" ] || fail "no init= on the kernel command line"
    device=
    tries=0
    while :; do
        case "$root" in
            LABEL=*|UUID=*) device="$(findfs "$root" 2>/dev/null)" ;;
            *) device="$root" ;;
        esac
        [ -n "$device" ] && [ -b "$device" ] && break
        [ "$tries" -ge $((wait * 10)) ] && fail "the root device $root did not appear in $wait s"
        [ "$tries" = 10 ] && echo "stage 1: waiting for $root …"
        tries=$((tries + 1))
        usleep 100000
    done
    set -- -o "$mode''${flags:+,$flags}"
    [ -n "$fstype" ] && set -- "$@" -t "$fstype"
    mount "$@" "$device" /mnt-root || fail "cannot mount $device ($root) on /mnt-root"
    [ -e "/mnt-root$init" ] || [ -L "/mnt-root$init" ] || fail "$init is not on the root file system ($root)"

    mount --move /dev /mnt-root/dev 2>/dev/null || umount /dev
    umount /sys /proc
    exec switch_root /mnt-root "$init"
    fail "switch_root to $init failed"
  '';

  applets = [
    "sh" "mount" "umount" "mkdir" "cat" "sleep" "usleep" "uname" "modprobe" "insmod"
    "findfs" "switch_root" "setsid" "cttyhack" "reboot" "ls" "echo"
  ];

  initialRamdisk = pkgs.runCommand "initrd-linux-${kernel.version}"
    {
      inherit kernel stage1;
      busybox = kernel.busybox;
      inherit (kernel) modDirVersion;
      modules = cfg.kernelModules ++ cfg.availableKernelModules;
      inherit applets;
      passAsFile = [ "stage1" ];
      preferLocalBuild = true;
    } ''
    bb="$busybox/bin/busybox"
    tree="$PWD/tree"
    from="$kernel/lib/modules/$modDirVersion"
    to="$tree/lib/modules/$modDirVersion"
    mkdir -p "$tree/bin" "$tree/sbin" "$tree/dev" "$tree/proc" "$tree/sys" "$tree/run" "$tree/mnt-root" "$to"

    # Every module by name (file names use '-' and '_' alike).
    declare -A path
    while IFS= read -r file; do
        name="''${file##*/}"; name="''${name%.ko}"
        path[''${name//-/_}]="$file"
    done < <(cd "$from" && find kernel -name '*.ko' | LC_ALL=C sort)
    builtin=" $(sed -e 's|.*/||' -e 's|\.ko$||' -e 's|-|_|g' "$from/modules.builtin" | tr '\n' ' ') "

    declare -A seen
    add() {
        local name="''${1//-/_}" dep
        [ -z "''${seen[$name]:-}" ] || return 0
        seen[$name]=1
        if [ -z "''${path[$name]:-}" ]; then
            case "$builtin" in
                *" $name "*) return 0 ;;
            esac
            echo "initrd: no kernel module '$1' in linux $modDirVersion (nor built in)" >&2
            exit 1
        fi
        mkdir -p "$to/$(dirname "''${path[$name]}")"
        cp "$from/''${path[$name]}" "$to/''${path[$name]}"
        # The module's `depends=` (its .modinfo strings are NUL-separated).
        for dep in $(tr '\0' '\n' < "$from/''${path[$name]}" | sed -n '/^depends=/{s///;p;q;}' | tr ',' ' '); do
            add "$dep"
        done
    }
    for module in $modules; do add "$module"; done
    cp "$from/modules.order" "$from/modules.builtin" "$to/"
    "$bb" depmod -b "$tree" "$modDirVersion"
    echo "initrd: ''${#seen[@]} modules ($(du -sk "$to" | cut -f1) KiB)"

    cp "$bb" "$tree/bin/busybox"
    for applet in $applets; do ln -s busybox "$tree/bin/$applet"; done
    # The kernel's request_module runs /sbin/modprobe.
    ln -s ../bin/busybox "$tree/sbin/modprobe"
    cp "$stage1Path" "$tree/init"
    chmod 755 "$tree/init"
    "$tree/bin/busybox" sh -n "$tree/init"

    mkdir -p "$out"
    cd "$tree"
    find . -exec touch -h -d @1 {} +
    find . | LC_ALL=C sort | "$bb" cpio -o -H newc -R 0:0 --renumber-inodes --ignore-devno | gzip -9 -n > "$out/initrd"
    echo "initrd: $(du -k "$out/initrd" | cut -f1) KiB compressed"
  '';
in
{
  options.boot.initrd = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = "Make an initial ramdisk for `boot.kernelPackage` and boot with it.";
    };
    kernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "dm_mod" ];
      description = "Kernel modules put in the initrd and always loaded in stage 1 (with the modules they depend on).";
    };
    availableKernelModules = mkOption {
      type = types.listOf types.str;
      default = [
        # Disk controllers and disks.
        "ahci" "ata_piix" "sd_mod" "sr_mod" "nvme" "mmc_block" "sdhci_pci"
        # Virtual machines.
        "virtio_pci" "virtio_blk" "virtio_scsi"
        # USB storage and keyboards (for the shell on failure).
        "xhci_pci" "ehci_pci" "uas" "usb_storage" "usbhid" "hid_generic"
        # Root file systems.
        "ext4" "crc32c_generic" "btrfs" "xfs" "vfat"
      ];
      description = ''
        Kernel modules put in the initrd for mounting the root file system.
        Stage 1 has no udev: it loads all of them, and each binds to the
        hardware it finds.
      '';
    };
    rootWaitSeconds = mkOption {
      type = types.ints.unsigned;
      default = 20;
      description = "How long stage 1 waits for the root device to appear.";
    };
  };

  options.system.build.initialRamdisk = mkOption {
    type = types.nullOr types.package;
    default = if kernel != null && cfg.enable then initialRamdisk else null;
    defaultText = lib.literalExpression "an initrd for config.boot.kernelPackage";
    description = "The initial ramdisk; its file `initrd` is what the boot entries load.";
  };
}
