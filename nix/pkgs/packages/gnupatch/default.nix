{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "patch";
  version = "2.7.6";

  src = fetchurl {
    url = "mirror://debian/pool/main/p/patch/patch_${finalAttrs.version}.orig.tar.xz";
    sha256 = "ac610bda97abe0d9f6b7c963255a11dcb196c25e337c61f94e4778d632f1d8fd";
  };

  meta = {
    description = "GNU Patch, a program to apply differences to files";
    homepage = "https://savannah.gnu.org/projects/patch";
    license = lib.licenses.gpl3Plus;
    mainProgram = "patch";
    platforms = lib.platforms.linux;
  };
})
