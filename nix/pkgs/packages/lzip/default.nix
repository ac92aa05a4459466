{ lib, stdenv, fetchurl }:

stdenv.mkDerivation (finalAttrs: {
  pname = "lzip";
  version = "1.23";

  src = fetchurl {
    url = "mirror://debian/pool/main/l/lzip/lzip_${finalAttrs.version}.orig.tar.xz";
    sha256 = "d269d8e204579cb7047d6187bce741acb484a27e24cf24f20cf017c48574147c";
  };

  # lzip's configure is hand-written: it knows no autoconf-only flags.
  dontDisableDependencyTracking = true;
  configureFlags = [ "CXX=false" ];

  meta = {
    description = "A lossless data compressor based on the LZMA algorithm";
    homepage = "https://www.nongnu.org/lzip/";
    license = lib.licenses.gpl2Plus;
    mainProgram = "lzip";
    platforms = lib.platforms.linux;
  };
})
