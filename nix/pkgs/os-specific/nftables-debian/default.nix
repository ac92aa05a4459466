# nftables as Debian bookworm builds it: `nft` and libnftables from the
# pinned `.deb`s of `debian.lock` with the libraries of nft's DT_NEEDED
# closure (libmnl, libnftnl, libjansson, libgmp, libxtables, libedit with
# libbsd, libmd and libtinfo), unpacked by cairn's in-process
# `builtin:unpack-debs` and relocated like the bootstrap's tools tree:
# every ELF's interpreter is the collection's glibc (`bootstrap.glibc`)
# and its RUNPATH this tree's library directories, then glibc's. A
# prebuilt binary, not built from source: nftables' source tarballs cannot
# be fetched through the mirror, the `.deb`s can. `meta.sourceProvenance`
# says so.
#
#   $out/bin/nft, $out/sbin/nft -> usr/sbin/nft
#   $out/usr/lib/x86_64-linux-gnu/libnftables.so.1 …
#
# `version` is the upstream version (1.0.6); Debian's is
# `debianVersion`. To move to a newer one, run `cairn pkgs lock --packages
# nix/pkgs/os-specific/nftables-debian/packages.txt --output
# nix/pkgs/os-specific/nftables-debian/debian.lock --update`, then check
# nft's DT_NEEDED closure (`cairn elf` or readelf) against packages.txt.
{ lib, system, checkMeta, bootstrap, runCommand }:
let
  lock = import ../../build-support/debian-lock.nix { inherit lib; }
    "nix/pkgs/os-specific/nftables-debian/debian.lock" ./debian.lock;

  debianVersion = lock.versions.nftables;
  # Debian's version without epoch and revision: 1.0.6-2+deb12u2 -> 1.0.6.
  version = builtins.elemAt (builtins.match "([0-9]+:)?([^-]+)(-.*)?" debianVersion) 1;

  inherit (bootstrap) glibc multiarch;

  meta = {
    description = "The nftables command-line tool (nft) and library, Debian bookworm's build (prebuilt binary)";
    longDescription = ''
      Debian's nftables ${debianVersion} and the libraries nft links
      against, unpacked from the archive and relocated to run against the
      collection's glibc. It is a binary: the source is Debian's
      `nftables` source package of the same version.
    '';
    homepage = "https://netfilter.org/projects/nftables/";
    license = lib.licenses.gpl2Only;
    sourceProvenance = [ lib.sourceTypes.binaryNativeCode ];
    mainProgram = "nft";
    platforms = [ "x86_64-linux" ];
  };

  drvAttrs = {
    name = "nftables-${version}";
    builder = "builtin:unpack-debs";
    inherit system;
    debs = lock.pick (map (e: e.package) lock.entries);
    exclude = lib.concatStringsSep " " [
      "usr/share/doc"
      "usr/share/man"
      "usr/share/lintian"
      "usr/share/bug"
      # Debian's example rulesets and its boot-time unit: the firewall
      # module writes its own.
      "etc"
      "lib/systemd"
      "usr/share/doc-base"
    ];
    interpreter = "${glibc}/lib/${multiarch}/ld-linux-x86-64.so.2";
    rpath = lib.concatStringsSep ":" [
      "${builtins.placeholder "out"}/usr/lib/${multiarch}"
      "${builtins.placeholder "out"}/lib/${multiarch}"
      "${glibc}/lib/${multiarch}"
    ];
    links = lib.concatStringsSep " " [
      "bin/nft=../usr/sbin/nft"
      "sbin/nft=../usr/sbin/nft"
    ];
  };

  validity = checkMeta.check drvAttrs meta;

  package = lib.extendDerivation validity.handled
    {
      pname = "nftables";
      inherit version debianVersion;
      meta = meta // { available = validity.valid; };
      # `nft --version` in the build sandbox, with only the package's
      # closure: proof that the relocated binary and its libraries load.
      tests.version = runCommand "nftables-${version}-version-test"
        { nftables = package; inherit version; } ''
        "$nftables/bin/nft" --version > version
        cat version
        grep -q "^nftables v$version " version
        touch "$out"
      '';
    }
    (derivation drvAttrs);
in
package
