# The bootstrap seed as store paths: the pinned Debian `.deb`s of
# `debian.lock`, each a fixed-output download from `mirror://debian`,
# unpacked by cairn's native `builtin:unpack-debs` builder into two trees
# (the layout the Debian bootstrap spike recommends):
#
# * `glibc`: the C library, its headers and start files, the kernel
#   headers and libgcc_s. Its programs use its own dynamic loader.
# * `tools`: gcc 12, binutils, make and a GNU userland (bash, coreutils,
#   sed, grep, gawk, tar, gzip, xz, bzip2, patch, diffutils, findutils).
#   Every dynamic ELF in it is relocated: interpreter and RUNPATH into
#   `glibc` and its own library directories.
#
# Nothing here runs a maintainer script or a host program; the only
# inputs are the `.deb`s, checked against the SHA-256 in the lock.
{ lib, system }:
let
  # The lock's entries and their `.deb`s (build-support/debian-lock.nix,
  # shared with the kernel's lock, so a `.deb` in both is one store path).
  lock = import ../build-support/debian-lock.nix { inherit lib; } "nix/pkgs/bootstrap/debian.lock" ./debian.lock;
  inherit (lock) entries debs versions;

  glibcPackages = [ "libc6" "libc6-dev" "linux-libc-dev" "libgcc-s1" "libcrypt1" "libcrypt-dev" ];
  # Not unpacked: busybox (the GNU userland is used) and gcc-12-base
  # (documentation only).
  unused = [ "busybox-static" "gcc-12-base" ];
  toolsPackages = lib.filter (p: !(builtins.elem p (glibcPackages ++ unused))) (map (e: e.package) entries);

  inherit (lock) pick;

  # Documentation, translations and the LTO dump tool: 80 MB nobody runs.
  exclude = [
    "usr/share/doc"
    "usr/share/man"
    "usr/share/info"
    "usr/share/locale"
    "usr/share/lintian"
    "usr/share/bug"
    "usr/bin/lto-dump-12"
    "usr/bin/x86_64-linux-gnu-lto-dump-12"
  ];

  multiarch = "x86_64-linux-gnu";
  loaderIn = glibc: "${glibc}/lib/${multiarch}/ld-linux-x86-64.so.2";

  # The unpacked trees hold x86_64 programs: they are built "for" the
  # system that runs them, though cairn unpacks them in-process.
  unpackSystem =
    if system == "x86_64-linux" then system
    else throw "nix/pkgs/bootstrap: the seed is Debian amd64 binaries; it cannot bootstrap '${system}'";

  glibc = derivation {
    name = "debian-glibc-${lib.head (lib.splitString "-" versions.libc6)}";
    builder = "builtin:unpack-debs";
    system = unpackSystem;
    debs = pick glibcPackages;
    exclude = lib.concatStringsSep " " exclude;
    interpreter = loaderIn (builtins.placeholder "out");
  };

  tools = derivation {
    name = "debian-bootstrap-tools";
    builder = "builtin:unpack-debs";
    system = unpackSystem;
    debs = pick toolsPackages;
    exclude = lib.concatStringsSep " " exclude;
    interpreter = loaderIn glibc;
    rpath = lib.concatStringsSep ":" [
      "${builtins.placeholder "out"}/lib/${multiarch}"
      "${builtins.placeholder "out"}/usr/lib/${multiarch}"
      "${glibc}/lib/${multiarch}"
    ];
    # What Debian's maintainer scripts and alternatives would have made.
    links = lib.concatStringsSep " " [
      "bin/sh=bash"
      "usr/bin/awk=gawk"
    ];
  };
in
{
  inherit glibc tools debs versions entries multiarch;
  loader = loaderIn glibc;
  gccVersion = "12";
  # The `.deb`s the seed is made of, for the README's seed table.
  seed = pick (glibcPackages ++ toolsPackages);
}
