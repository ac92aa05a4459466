{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "m4";
  version = "1.4.19";

  src = fetchurl {
    url = "mirror://debian/pool/main/m/m4/m4_${finalAttrs.version}.orig.tar.xz";
    sha256 = "63aede5c6d33b6d9b13511cd0be2cac046f2e70fd0a07aa9573a04a82783af96";
  };

  configureFlags = [ "--disable-nls" ];

  meta = {
    description = "GNU M4, a macro processor";
    homepage = "https://www.gnu.org/software/m4/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "m4";
    platforms = lib.platforms.linux;
  };
})
