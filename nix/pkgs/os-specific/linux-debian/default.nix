# Linux as Debian bookworm builds it: the kernel image and its modules
# from the pinned `linux-image-*-amd64` package of `debian.lock`, unpacked
# by cairn's in-process `builtin:unpack-debs` builder. A prebuilt binary,
# not built from source (two cores do not build a distribution kernel in
# CI's time); `meta.sourceProvenance` says so.
#
#   $out/bzImage                    -> boot/vmlinuz-6.1.0-N-amd64
#   $out/System.map, $out/config    -> boot/…
#   $out/lib/modules/6.1.0-N-amd64/ the modules (uncompressed .ko), their
#                                   modules.order and modules.builtin;
#                                   no modules.dep (Debian's maintainer
#                                   script runs depmod; see `initrd.nix`)
#
# `version` is Debian's version of the package (6.1.170-3);
# `modDirVersion` the kernel release, the name under lib/modules.
#
# To move to a newer kernel, change the ABI number in packages.txt and run
# `cairn pkgs lock --packages nix/pkgs/os-specific/linux-debian/packages.txt
# --output nix/pkgs/os-specific/linux-debian/debian.lock --update`.
{ lib, system, checkMeta }:
let
  lock = import ../../build-support/debian-lock.nix { inherit lib; }
    "nix/pkgs/os-specific/linux-debian/debian.lock" ./debian.lock;

  images = lib.filter (e: builtins.match "linux-image-.*-amd64" e.package != null) lock.entries;
  image =
    if builtins.length images == 1 then builtins.head images
    else throw "nix/pkgs/os-specific/linux-debian/debian.lock: expected exactly one linux-image-*-amd64 package, found ${toString (builtins.length images)}";
  modDirVersion = lib.removePrefix "linux-image-" image.package;

  kernelFile = "bzImage";

  meta = {
    description = "The Linux kernel and its modules, Debian bookworm's generic amd64 build (prebuilt binary)";
    longDescription = ''
      Debian's signed ${image.package} package (${image.version}), unpacked
      unchanged from the archive; the signature only matters to Secure Boot
      with shim. It is a binary: the source is Debian's `linux` source
      package of the same version.
    '';
    homepage = "https://www.kernel.org/";
    license = lib.licenses.gpl2Only;
    sourceProvenance = [ lib.sourceTypes.binaryNativeCode ];
    platforms = [ "x86_64-linux" ];
  };

  drvAttrs = {
    name = "linux-${image.version}";
    builder = "builtin:unpack-debs";
    inherit system;
    debs = lock.pick [ image.package ];
    # Debian's bug-reporting hooks and lintian overrides are of no use
    # outside dpkg.
    exclude = "usr/share/bug usr/share/lintian";
    links = lib.concatStringsSep " " [
      "${kernelFile}=boot/vmlinuz-${modDirVersion}"
      "System.map=boot/System.map-${modDirVersion}"
      "config=boot/config-${modDirVersion}"
    ];
  };

  validity = checkMeta.check drvAttrs meta;

  # Debian's static busybox, pinned beside the kernel: the stage-1 tools
  # of an initrd for it (sh, mount, modprobe, depmod, switch_root; see
  # nix/modules/system/stage-1.nix). One static executable, bin/busybox.
  busybox = derivation {
    name = "busybox-static-${upstreamVersion lock.versions.busybox-static}";
    builder = "builtin:unpack-debs";
    inherit system;
    debs = lock.pick [ "busybox-static" ];
    exclude = "usr/share";
  };

  # Debian's version without epoch and revision: 1:1.35.0-4+b1 -> 1.35.0.
  upstreamVersion = v: builtins.elemAt (builtins.match "([0-9]+:)?([^-]+)(-.*)?" v) 1;
in
lib.extendDerivation validity.handled
{
  pname = "linux";
  inherit (image) version;
  inherit modDirVersion kernelFile busybox;
  meta = meta // { available = validity.valid; };
}
  (derivation drvAttrs)
