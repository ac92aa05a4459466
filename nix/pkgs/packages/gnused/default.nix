{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "sed";
  version = "4.9";

  src = fetchurl {
    url = "mirror://debian/pool/main/s/sed/sed_${finalAttrs.version}.orig.tar.xz";
    sha256 = "6e226b732e1cd739464ad6862bd1a1aba42d7982922da7a53519631d24975181";
  };

  configureFlags = [ "--disable-nls" ];

  meta = {
    description = "GNU sed, a batch stream editor";
    homepage = "https://www.gnu.org/software/sed/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "sed";
    platforms = lib.platforms.linux;
  };
})
