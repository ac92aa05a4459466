{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "gzip";
  version = "1.12";

  src = fetchurl {
    url = "mirror://debian/pool/main/g/gzip/gzip_${finalAttrs.version}.orig.tar.xz";
    sha256 = "ce5e03e519f637e1f814011ace35c4f87b33c0bbabeec35baf5fbd3479e91956";
  };

  meta = {
    description = "GNU zip compression program";
    homepage = "https://www.gnu.org/software/gzip/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "gzip";
    platforms = lib.platforms.linux;
  };
})
