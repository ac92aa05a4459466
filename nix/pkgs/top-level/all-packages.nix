# Every package of the collection, by attribute name. `final` is the
# finished set (after overlays), so `callPackage` fills a package's
# arguments with the final versions of its dependencies.
{ lib, config, final, system }:
let
  callPackage = lib.callPackageWith (final // { inherit lib; });
  trivial = import ../build-support/trivial-builders.nix {
    inherit lib;
    inherit (final) stdenv;
    runtimeShell = "${final.bash}/bin/bash";
  };
in
{
  inherit lib config system callPackage;
  recurseForDerivations = false;

  # Bootstrap and build support.
  bootstrap = import ../bootstrap { inherit lib system; };
  fetchurl = import ../build-support/fetchurl.nix { inherit lib; };
  fetchzip = import ../build-support/fetchzip.nix { inherit lib; };
  ccWrapper = import ../build-support/cc-wrapper { inherit lib; inherit (final) bootstrap; };
  checkMeta = import ./check-meta.nix { inherit lib config system; };
  stdenv = import ../stdenv {
    inherit lib system;
    inherit (final) bootstrap ccWrapper checkMeta runtimeShell;
  };
  runtimeShell = "${final.bash}/bin/bash";
  inherit (trivial) runCommand writeTextFile writeText writeTextDir writeScript writeScriptBin
    writeShellScript writeShellScriptBin symlinkJoin;
  # The kernel: Debian's prebuilt amd64 image and modules (not from source).
  linux = callPackage ../os-specific/linux-debian { };
  nftables = callPackage ../os-specific/nftables-debian { }; # prebuilt Debian binary (no source tarball on the mirror)
}
// import ./packages.nix { inherit callPackage; }
// {
  # `cairn build -f nix/pkgs -A smokeTests`: runs every package's main
  # program (`--version` or its `passthru.smokeTest`) in the sandbox.
  smokeTests = import ./smoke-tests.nix { inherit lib; pkgs = final; };
}
