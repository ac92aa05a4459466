{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "findutils";
  version = "4.9.0";

  src = fetchurl {
    url = "mirror://debian/pool/main/f/findutils/findutils_${finalAttrs.version}.orig.tar.xz";
    sha256 = "a2bfb8c09d436770edc59f50fa483e785b161a3b7b9d547573cb08065fd462fe";
  };

  configureFlags = [ "--disable-nls" ];

  meta = {
    description = "GNU Find Utilities, the basic directory searching utilities";
    homepage = "https://www.gnu.org/software/findutils/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "find";
    platforms = lib.platforms.linux;
  };
})
