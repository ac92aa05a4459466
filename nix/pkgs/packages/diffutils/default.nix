{ lib, stdenv, fetchurl, coreutils }:

stdenv.mkDerivation (finalAttrs: {
  pname = "diffutils";
  version = "3.8";

  src = fetchurl {
    url = "mirror://debian/pool/main/d/diffutils/diffutils_${finalAttrs.version}.orig.tar.xz";
    sha256 = "a6bdd7d1b31266d11c4f4de6c1b748d4607ab0231af5188fc2533d0ae2438fec";
  };

  configureFlags = [
    "--disable-nls"
    # diff -l runs pr: the collection's, not the build's.
    "PR_PROGRAM=${coreutils}/bin/pr"
  ];

  meta = {
    description = "Commands for showing the differences between files (diff, cmp, etc.)";
    homepage = "https://www.gnu.org/software/diffutils/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "diff";
    platforms = lib.platforms.linux;
  };
})
