{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "ed";
  version = "1.19";

  src = fetchurl {
    url = "mirror://debian/pool/main/e/ed/ed_${finalAttrs.version}.orig.tar.gz";
    sha256 = "8e5c3e7c84972e73957ff396b8318a21795f86547dd1fe4ec4232a9e6e44ca1d";
  };

  dontDisableDependencyTracking = true;

  meta = {
    description = "GNU ed, the standard Unix line editor";
    homepage = "https://www.gnu.org/software/ed/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "ed";
    platforms = lib.platforms.linux;
  };
})
